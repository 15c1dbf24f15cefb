/**
 * Fused scaled-dot-product attention as one op: forward runs one kernel that never holds more than a
 * tile of the score matrix (online softmax) and keeps each row's log-sum-exp; backward runs one kernel
 * that recomputes the scores tile by tile from it (FlashAttention's scheme). With createGraph the vjp
 * differentiates the composed version (`attentionComposed`, also the tests' reference) instead, so
 * gradients of gradients work.
 */
import { backend } from '../backend/index.js';
import { broadcastShapes, numel, type Shape } from '../base/shape.js';
import { apply, type OpDef } from '../core/autograd.js';
import { autograd } from '../core/functional.js';
import { isGradEnabled } from '../core/grad-mode.js';
import { keep } from '../core/storage.js';
import type { Tensor } from '../core/tensor.js';
import { attentionComposed } from './attention-composed.js';
import { broadcastView, fresh } from './util.js';

/** Attributes of the fused op. */
interface AttentionAttrs {
  readonly causal: boolean;
  readonly scale: number;
  /** The broadcast batch dims of q, k, v (and the mask). */
  readonly batch: Shape;
  /** Each score row's log-sum-exp [...batch, L], kept for backward while the op is recorded. */
  lse?: Tensor;
}

const last2 = (t: Tensor): [number, number] => [t.shape[t.ndim - 2]!, t.shape[t.ndim - 1]!];

/** q, k, v and the bias seen with the full batch dims (no copy). */
function views(inputs: readonly Tensor[], batch: Shape) {
  const [q, k, v, bias] = inputs as [Tensor, Tensor, Tensor, Tensor | undefined];
  const [l] = last2(q);
  const [s] = last2(k);
  return {
    q: broadcastView(q, [...batch, ...last2(q)]),
    k: broadcastView(k, [...batch, ...last2(k)]),
    v: broadcastView(v, [...batch, ...last2(v)]),
    bias: bias === undefined ? null : broadcastView(bias, [...batch, l, s]),
  };
}

// p = exp(s − lse), D_i = Σ g_i·o_i: dv = pᵀ·g, ds = p·(g·vᵀ − D), dq = scale·ds·k, dk = scale·dsᵀ·q
const ATTENTION: OpDef<AttentionAttrs> = {
  name: 'scaledDotProductAttention',
  save: { inputs: [0, 1, 2], output: true },
  forward(inputs, attrs) {
    const [q, , v] = inputs as [Tensor, Tensor, Tensor];
    const w = views(inputs, attrs.batch);
    const { out, lse } = backend().attention(w.q, w.k, w.v, w.bias, attrs.causal, attrs.scale, q.dtype);
    const l = q.shape[q.ndim - 2]!;
    const recorded = isGradEnabled() && inputs.some((x) => x.requiresGrad);
    if (recorded) attrs.lse = keep(fresh(lse, [...attrs.batch, l], q.dtype));
    return fresh(out, [...attrs.batch, l, v.shape[v.ndim - 1]!], q.dtype);
  },
  vjp(g, { inputs, output, attrs, needsInputGrad }) {
    const [q, k, v, bias] = inputs as [Tensor, Tensor, Tensor, Tensor | undefined];
    if (isGradEnabled()) {
      // createGraph: differentiate the composition, so that the gradient is itself differentiable
      const wanted = [q, k, v].filter((_, i) => needsInputGrad[i]);
      const y = attentionComposed(q, k, v, bias ?? null, attrs.causal, attrs.scale, null);
      const grads = autograd.grad(y, wanted, { gradOutputs: [g], createGraph: true, allowUnused: true });
      let n = 0;
      return inputs.map((_, i) => (i < 3 && needsInputGrad[i] ? grads[n++] ?? null : null));
    }
    const w = views(inputs, attrs.batch);
    const all = fresh(backend().attentionBackward(w.q, w.k, w.v, w.bias, output, attrs.lse!, g.contiguous(), attrs.causal, attrs.scale, q.dtype),
      [numel(w.q.shape) + numel(w.k.shape) + numel(w.v.shape)], q.dtype);
    const parts = [w.q.shape, w.k.shape, w.v.shape];
    let at = 0;
    const grads = parts.map((shape) => {
      const part = all.narrow(0, at, numel(shape)).reshape(shape);
      at += numel(shape);
      return part;
    });
    // a broadcast input's gradient is summed over the batch dims it was stretched along
    return inputs.map((x, i) => (i < 3 && needsInputGrad[i] ? grads[i]!.sumToShape(x.shape) : null));
  },
  release(attrs) {
    attrs.lse?.dispose();
    attrs.lse = undefined;
  },
};

/** The same op with an additive mask as a fourth input. */
const ATTENTION_MASKED: OpDef<AttentionAttrs> = { ...ATTENTION, save: { inputs: [0, 1, 2, 3], output: true } };

/**
 * Whether the fused op applies: an additive mask must not need a gradient (the kernels give none).
 * @example
 * if (canFuse(bias)) attentionFused(q, k, v, bias, false, 0.25);
 */
export function canFuse(bias: Tensor | null): boolean {
  return bias === null || !(bias.requiresGrad && isGradEnabled());
}

/**
 * softmax(q·kᵀ·scale + bias)·v as one fused op (inputs checked by the public function).
 * @example
 * attentionFused(q, k, v, null, true, 1 / Math.sqrt(16));
 */
export function attentionFused(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | null, causal: boolean, scale: number): Tensor {
  const batchOf = (t: Tensor): Shape => t.shape.slice(0, -2);
  let batch = broadcastShapes(broadcastShapes(batchOf(q), batchOf(k), 'scaledDotProductAttention'), batchOf(v), 'scaledDotProductAttention');
  if (bias !== null) batch = broadcastShapes(batch, bias.shape.slice(0, -2), 'scaledDotProductAttention');
  const attrs: AttentionAttrs = { causal, scale, batch };
  return bias === null ? apply(ATTENTION, [q, k, v], attrs) : apply(ATTENTION_MASKED, [q, k, v, bias.detach()], attrs);
}
