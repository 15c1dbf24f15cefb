/**
 * Fused row ops: softmax and log-softmax along a dim, layer normalisation and GELU, each one graph
 * node whose forward is one backend kernel and whose backward is one backend kernel (the composition
 * they replace costs a dozen nodes and as many passes over memory).
 *
 * Each vjp runs the fused backward kernel, except when backward records a graph (createGraph): then
 * it writes the same derivatives with public ops (ops/fused-composed.ts), so gradients of gradients
 * work. Inputs are checked by the public functions (reduce.ts, nn/functional).
 */
import { backend } from '../backend/index.js';
import { apply, type OpDef } from '../core/autograd.js';
import { isGradEnabled } from '../core/grad-mode.js';
import { keep } from '../core/storage.js';
import type { Tensor } from '../core/tensor.js';
import { fresh } from './util.js';

interface SoftmaxAttrs {
  readonly dim: number;
}

/** softmax (`log` false) or logSoftmax (`log` true) as an op; backward reads only the output. */
function softmaxDef(log: boolean): OpDef<SoftmaxAttrs> {
  return {
    name: log ? 'logSoftmax' : 'softmax',
    save: { output: true },
    forward([x], { dim }) {
      return fresh(backend().softmax(x!, dim, log, x!.dtype), x!.shape, x!.dtype);
    },
    vjp(g, { output: y, attrs: { dim } }) {
      if (isGradEnabled()) return [log ? g.sub(y.exp().mul(g.sum(dim, true))) : y.mul(g.sub(g.mul(y).sum(dim, true)))];
      return [fresh(backend().softmaxBackward(y, g, dim, log, y.dtype), y.shape, y.dtype)];
    },
  };
}

// d softmax = y·(g − Σ g·y)
const SOFTMAX = softmaxDef(false);
// d logSoftmax = g − exp(y)·Σ g
const LOG_SOFTMAX = softmaxDef(true);

/**
 * Softmax (or with `log`, log-softmax) of a float tensor along the normalised dim `dim`, fused.
 * @example
 * softmaxFused(scores, 3, false); // each row of the last dim sums to 1
 */
export function softmaxFused(x: Tensor, dim: number, log: boolean): Tensor {
  if (x.ndim === 0) return softmaxFused(x.reshape(1), 0, log).reshape([]);
  return apply(log ? LOG_SOFTMAX : SOFTMAX, [x], { dim });
}

interface LayerNormAttrs {
  readonly eps: number;
  readonly hasWeight: boolean;
  readonly hasBias: boolean;
  /** Each row's mean and rstd ([R, 2]), kept for backward while the op is recorded. */
  stats?: Tensor;
}

/** The input x [R, N], weight and bias ([N] or null) of a layerNorm node. */
function normInputs(inputs: readonly Tensor[], attrs: LayerNormAttrs): [Tensor, Tensor | null, Tensor | null] {
  return [inputs[0]!, attrs.hasWeight ? inputs[1]! : null, attrs.hasBias ? inputs[attrs.hasWeight ? 2 : 1]! : null];
}

/** dx, dweight, dbias of layerNorm with public ops (the createGraph path): see LAYER_NORM's derivative. */
function layerNormGradsComposed(x: Tensor, w: Tensor | null, g: Tensor, eps: number): [Tensor, Tensor, Tensor] {
  const centred = x.sub(x.mean(1, true));
  const rstd = centred.square().mean(1, true).add(eps).rsqrt();
  const xhat = centred.mul(rstd);
  const gy = w === null ? g : g.mul(w);
  const dx = rstd.mul(gy.sub(gy.mean(1, true)).sub(xhat.mul(gy.mul(xhat).mean(1, true))));
  return [dx, g.mul(xhat).sum(0), g.sum(0)];
}

// x̂ = (x − mean)·rstd, ĝ = g·w: dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dw = Σ_rows g·x̂, db = Σ_rows g
function layerNormDef(hasWeight: boolean, hasBias: boolean): OpDef<LayerNormAttrs> {
  return {
    name: 'layerNorm',
    save: { inputs: hasWeight ? [0, 1] : [0] },
    forward(inputs, attrs) {
      const [x, w, b] = normInputs(inputs, attrs);
      const { out, stats } = backend().layerNorm(x, w, b, attrs.eps, x.dtype);
      if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) attrs.stats = keep(fresh(stats, [x.shape[0]!, 2], x.dtype));
      return fresh(out, x.shape, x.dtype);
    },
    vjp(g, { inputs, attrs, needsInputGrad }) {
      const [x, w] = normInputs(inputs, { ...attrs, hasBias: false });
      const [rows, n] = x.shape as [number, number];
      let grads: [Tensor, Tensor, Tensor];
      if (isGradEnabled()) {
        grads = layerNormGradsComposed(x, w, g, attrs.eps);
      } else {
        const all = fresh(backend().layerNormBackward(x, w, attrs.stats!, g, x.dtype), [rows * n + 2 * n], x.dtype);
        // the small dweight and dbias are copied out, so that a parameter's .grad does not hold dx's storage
        grads = [all.narrow(0, 0, rows * n).reshape(rows, n), all.narrow(0, rows * n, n).clone(), all.narrow(0, rows * n + n, n).clone()];
      }
      const out: (Tensor | null)[] = [needsInputGrad[0] ? grads[0] : null];
      if (hasWeight) out.push(needsInputGrad[1] ? grads[1] : null);
      if (hasBias) out.push(needsInputGrad[out.length] ? grads[2] : null);
      return out;
    },
    release(attrs) {
      attrs.stats?.dispose();
      attrs.stats = undefined;
    },
  };
}

const LAYER_NORMS = [layerNormDef(false, false), layerNormDef(false, true), layerNormDef(true, false), layerNormDef(true, true)];

/**
 * Layer normalisation of the rows of `x` [R, N] (weight and bias [N] or null), fused.
 * @example
 * layerNormFused(x.reshape(-1, 64), w, b, 1e-5).reshape(x.shape);
 */
export function layerNormFused(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const def = LAYER_NORMS[(weight === null ? 0 : 2) + (bias === null ? 0 : 1)]!;
  const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
  return apply(def, inputs, { eps, hasWeight: weight !== null, hasBias: bias !== null });
}

interface GeluAttrs {
  readonly tanh: boolean;
}

/**
 * The derivative of GELU with public ops (the createGraph path): Φ(x) + x·φ(x), or for the tanh
 * form 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²) with t = tanh(√(2/π)·(x + 0.044715·x³)).
 */
function geluDerivativeComposed(x: Tensor, tanh: boolean): Tensor {
  const c = Math.sqrt(2 / Math.PI);
  if (tanh) {
    const t = x.add(x.pow(3).mul(0.044715)).mul(c).tanh();
    const slope = x.square().mul(3 * 0.044715).add(1).mul(c);
    return t.add(1).mul(0.5).add(x.mul(t.square().neg().add(1)).mul(slope).mul(0.5));
  }
  const cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
  return cdf.add(x.mul(x.square().mul(-0.5).exp()).mul(1 / Math.sqrt(2 * Math.PI)));
}

// d gelu = Φ(x) + x·φ(x); tanh form: 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)
const GELU_OP: OpDef<GeluAttrs> = {
  name: 'gelu',
  save: { inputs: [0] },
  forward([x], { tanh }) {
    return fresh(backend().gelu(x!, tanh, x!.dtype), x!.shape, x!.dtype);
  },
  vjp(g, { inputs: [x], attrs: { tanh } }) {
    if (isGradEnabled()) return [g.mul(geluDerivativeComposed(x!, tanh))];
    return [fresh(backend().geluBackward(x!, g, tanh, x!.dtype), x!.shape, x!.dtype)];
  },
};

/**
 * GELU of a float tensor (exact, or the tanh approximation with `tanh`), fused.
 * @example
 * geluFused(h, false);
 */
export function geluFused(x: Tensor, tanh: boolean): Tensor {
  return apply(GELU_OP, [x], { tanh });
}
