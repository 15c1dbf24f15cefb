/**
 * Fused cross-entropy from logits: log-softmax and the (weighted, label-smoothed) negative
 * log-likelihood of class-index targets as one graph node, forward one kernel and backward one kernel.
 *
 * The node's output holds each row's loss and the log-probabilities (what backward reads, as
 * PyTorch's cross-entropy keeps its log-softmax): the logits are not saved, so changing them in
 * place after the loss is fine. When backward records a graph (createGraph) the vjp writes the same
 * derivative with public ops on those log-probabilities, which stay connected to this node, so
 * gradients of gradients work. Inputs are checked by the public function (nn/functional/loss.ts).
 */
import { backend } from '../backend/index.js';
import { apply, type OpDef } from '../core/autograd.js';
import { arange, ones } from '../core/creation.js';
import { isGradEnabled, noGrad } from '../core/grad-mode.js';
import type { Tensor } from '../core/tensor.js';
import { where } from './elementwise.js';
import { fresh } from './util.js';

interface CrossEntropyAttrs {
  readonly ignoreIndex: number;
  /** The label smoothing ε. */
  readonly smoothing: number;
}

/**
 * The constants of the gradient (no graph): a = (1 − ε)·w_t + (ε/C)·Σw per row ([R, 1]) and
 * b = (1 − ε)·w_t·onehot(t) + (ε/C)·w ([R, C]), both 0 at ignored rows.
 */
function smoothedTargets(target: Tensor, weight: Tensor | null, c: number, dtype: 'float32' | 'float64', { ignoreIndex, smoothing }: CrossEntropyAttrs): [Tensor, Tensor] {
  return noGrad(() => {
    const kept = target.ne(ignoreIndex).to(dtype).unsqueeze(1); // [R, 1]
    const safe = where(target.eq(ignoreIndex), 0, target).to('int32');
    const w = weight ?? ones([c], { dtype });
    const wt = w.indexSelect(0, safe).unsqueeze(1).mul(1 - smoothing); // [R, 1]
    const onehot = arange(c, undefined, 1, { dtype: 'int32' }).eq(safe.unsqueeze(1)).to(dtype);
    const uniform = w.mul(smoothing / c); // [C]
    return [wt.add(uniform.sum()).mul(kept), onehot.mul(wt).add(uniform).mul(kept)];
  });
}

// per row: loss = (1 − ε)·w_t·(−logp_t) + (ε/C)·Σ_c w_c·(−logp_c) (0 at ignored rows), logp = x − logsumexp(x);
// d x = d logp − p·Σ d logp + d loss·(p·a − b) with p = exp(logp), a and b as in smoothedTargets
function crossEntropyDef(weighted: boolean): OpDef<CrossEntropyAttrs> {
  return {
    name: 'crossEntropy',
    save: { inputs: weighted ? [1, 2] : [1], output: true },
    forward([x, target, weight], attrs) {
      const [rows, c] = x!.shape as [number, number];
      const out = backend().crossEntropy(x!, target!, weight ?? null, attrs.ignoreIndex, attrs.smoothing, x!.dtype);
      return fresh(out, [rows + rows * c], x!.dtype);
    },
    vjp(g, { inputs, output, attrs, inputShapes }) {
      const [rows, c] = inputShapes[0] as [number, number];
      const target = inputs[1]!;
      const weight = weighted ? inputs[2]! : null;
      const gLoss = g.narrow(0, 0, rows);
      const gLogp = g.narrow(0, rows, rows * c).reshape(rows, c);
      const logp = output.narrow(0, rows, rows * c).reshape(rows, c);
      let dx: Tensor;
      if (isGradEnabled()) {
        const [a, b] = smoothedTargets(target, weight, c, logp.dtype as 'float32' | 'float64', attrs);
        const p = logp.exp();
        dx = gLogp.sub(p.mul(gLogp.sum(1, true))).add(gLoss.unsqueeze(1).mul(p.mul(a).sub(b)));
      } else {
        dx = fresh(backend().crossEntropyBackward(logp, target, weight, gLoss, gLogp, attrs.ignoreIndex, attrs.smoothing, logp.dtype), [rows, c], logp.dtype);
      }
      return weighted ? [dx, null, null] : [dx, null];
    },
  };
}

const CROSS_ENTROPY = crossEntropyDef(false);
const CROSS_ENTROPY_WEIGHTED = crossEntropyDef(true);

/**
 * The cross-entropy of each row of logits `x` [R, C] against class indices `target` [R] (int32,
 * each in [0, C) or `ignoreIndex`), with optional class weights [C] (no gradient) and label smoothing
 * ε: (1 − ε)·w_t·(−logp_t) + (ε/C)·Σ_c w_c·(−logp_c), 0 at ignored rows. Returns the losses [R].
 * @example
 * crossEntropyFused(logits, labels, null, -100, 0).sum().div(labels.numel());
 */
export function crossEntropyFused(x: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, smoothing: number): Tensor {
  const attrs: CrossEntropyAttrs = { ignoreIndex, smoothing };
  const inputs = weight === null ? [x, target] : [x, target, weight.detach()];
  const out = apply(weight === null ? CROSS_ENTROPY : CROSS_ENTROPY_WEIGHTED, inputs, attrs);
  return out.narrow(0, 0, x.shape[0]!);
}
