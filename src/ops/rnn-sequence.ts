/**
 * A whole recurrent layer direction as one op: the time loop of an RNN, LSTM or GRU over the input
 * projections of every step. Forward runs per step one matrix product (h·W_hhᵀ) and one fused cell
 * kernel; backward runs the loop in reverse with one fused cell-backward kernel and one product per
 * step for the hidden state's gradient, and the weight gradient of all steps as one product at the
 * end (dW_hh = Σ_t dgates_tᵀ·h_{t−1}). Recording the loop as one graph node, rather than a node
 * per step, is what keeps backward from padding a full-size gradient for every step's slice.
 *
 * Variable lengths: with `batchSizes` (sequences sorted by decreasing length), step t updates only
 * the first batchSizes[t] rows; the others hold their state (in the reverse direction they hold the
 * initial state until their own last step, so each sequence starts from its end).
 *
 * With createGraph (gradients of gradients) the vjp differentiates the per-step composition
 * (`rnnSequenceComposed`, also the tests' reference) instead, so higher orders work.
 */
import { apply, type OpDef } from '../core/autograd.js';
import { autograd } from '../core/functional.js';
import { isGradEnabled, noGrad } from '../core/grad-mode.js';
import { keep, scope } from '../core/storage.js';
import type { Tensor } from '../core/tensor.js';
import { zeros } from '../core/creation.js';
import { cat, stack } from './copy.js';
import { gruCell, lstmCell } from './rnn.js';
import { backend } from '../backend/index.js';
import { fresh } from './util.js';

/** The recurrence: tanh or relu RNN, LSTM (state h | c), GRU. */
export type CellKind = 'tanh' | 'relu' | 'lstm' | 'gru';

/** Attributes of a sequence op. */
export interface SequenceAttrs {
  readonly kind: CellKind;
  readonly reverse: boolean;
  /** Rows updated at each step (a prefix of the batch), or null for all. */
  readonly batchSizes: readonly number[] | null;
  /** The recurrent projections of every step, [T, B, G·H] (forward keeps them for the cell kernels' backward). */
  workspace?: Tensor;
}

/** The steps in processing order. */
const order = (steps: number, reverse: boolean): number[] => Array.from({ length: steps }, (_, s) => (reverse ? steps - 1 - s : s));

/**
 * The loop composed of differentiable ops: inputs [gi [T, B, G·H], wHh [G·H, H], h0 [B, S], bHh?]
 * (h0 is h | c for the LSTM); returns Y [T, B, S], the state after every step.
 * @example
 * rnnSequenceComposed([gi, wHh, h0], { kind: 'gru', reverse: false, batchSizes: null });
 */
export function rnnSequenceComposed(inputs: readonly Tensor[], attrs: SequenceAttrs): Tensor {
  const [gi, wHh, h0, bHh] = inputs as [Tensor, Tensor, Tensor, Tensor | undefined];
  const [steps, batch] = gi.shape as [number, number];
  const h = wHh.shape[1]!;
  const wT = wHh.t();
  const states = new Array<Tensor>(steps);
  let state = h0;
  for (const t of order(steps, attrs.reverse)) {
    const n = attrs.batchSizes?.[t] ?? batch;
    const prev = n === batch ? state : state.narrow(0, 0, n);
    const hPrev = attrs.kind === 'lstm' ? prev.narrow(1, 0, h) : prev;
    let gh = hPrev.matmul(wT);
    if (bHh !== undefined) gh = gh.add(bHh);
    const git = gi.select(0, t).narrow(0, 0, n);
    let next: Tensor;
    if (attrs.kind === 'lstm') next = cat(lstmCell(git, gh, prev.narrow(1, h, h)), 1);
    else if (attrs.kind === 'gru') next = gruCell(git, gh, prev);
    else next = attrs.kind === 'tanh' ? git.add(gh).tanh() : git.add(gh).relu();
    state = n === batch ? next : cat([next, state.narrow(0, n, batch - n)], 0);
    states[t] = state;
  }
  return stack(states, 0);
}

/** Forward of the fused op: the same loop without recording, writing each step's state (and recurrent projection) in place. */
function forwardLoop(inputs: readonly Tensor[], attrs: SequenceAttrs): Tensor {
  const [gi, wHh, h0, bHh] = inputs as [Tensor, Tensor, Tensor, Tensor | undefined];
  const [steps, batch, gates] = gi.shape as [number, number, number];
  const h = wHh.shape[1]!;
  const size = h0.shape[1]!;
  const wT = wHh.t();
  // the recurrent projections are kept for backward only when the op is recorded
  const recorded = isGradEnabled() && inputs.some((x) => x.requiresGrad);
  const y = zeros([steps, batch, size], { dtype: gi.dtype });
  const workspace = recorded ? keep(zeros([steps, batch, gates], { dtype: gi.dtype })) : null;
  noGrad(() => {
    let prevT = -1;
    for (const t of order(steps, attrs.reverse)) {
      const n = attrs.batchSizes?.[t] ?? batch;
      const before = prevT < 0 ? h0 : y.select(0, prevT);
      // a scope per step: its temporaries are freed at once; what it computes is written into y
      scope(() => {
        const prev = n === batch ? before : before.narrow(0, 0, n);
        let proj = (attrs.kind === 'lstm' ? prev.narrow(1, 0, h) : prev).matmul(wT);
        if (bHh !== undefined) proj = proj.add(bHh);
        const git = gi.select(0, t).narrow(0, 0, n);
        let cell: Tensor;
        if (attrs.kind === 'lstm') cell = fresh(backend().lstmCell(git, proj, prev.narrow(1, h, h), gi.dtype), [n, 2 * h], gi.dtype);
        else if (attrs.kind === 'gru') cell = gruCell(git, proj, prev);
        else cell = attrs.kind === 'tanh' ? git.add(proj).tanh() : git.add(proj).relu();
        const yt = y.select(0, t);
        yt.narrow(0, 0, n).copy_(cell);
        if (n < batch) yt.narrow(0, n, batch - n).copy_(before.narrow(0, n, batch - n));
        workspace?.select(0, t).narrow(0, 0, n).copy_(proj);
      });
      prevT = t;
    }
  });
  if (workspace !== null) attrs.workspace = workspace;
  return y;
}

/** Backward of the fused op (no graph recorded): the gradients of gi, wHh, h0 and bHh. */
function backwardLoop(g: Tensor, inputs: readonly Tensor[], y: Tensor, attrs: SequenceAttrs): Tensor[] {
  const [gi, wHh, h0, bHh] = inputs as [Tensor, Tensor, Tensor, Tensor | undefined];
  const [steps, batch, gates] = gi.shape as [number, number, number];
  const h = wHh.shape[1]!;
  const size = h0.shape[1]!;
  const dtype = gi.dtype;
  // the gates' gradients of every step, written in place (rows past a sequence's end stay zero);
  // only the GRU's two projections get different gradients (its n gate scales gh_n by r)
  const dGiAll = zeros([steps, batch, gates], { dtype });
  const dGhAll = attrs.kind === 'gru' ? zeros([steps, batch, gates], { dtype }) : dGiAll;
  const procOrder = order(steps, attrs.reverse);
  const prevOf = (s: number): Tensor => (s === 0 ? h0 : y.select(0, procOrder[s - 1]!));
  let carry = zeros([batch, size], { dtype });
  for (let s = steps - 1; s >= 0; s--) {
    const t = procOrder[s]!;
    const n = attrs.batchSizes?.[t] ?? batch;
    const before = carry;
    // a scope per step: its temporaries are freed at once, only the carried gradient leaves it
    carry = scope(() => {
      const dState = g.select(0, t).add(before); // d state_t, all rows
      const prev = prevOf(s).narrow(0, 0, n);
      const git = gi.select(0, t).narrow(0, 0, n);
      const gh = attrs.workspace!.select(0, t).narrow(0, 0, n);
      const dActive = dState.narrow(0, 0, n);
      let dgi: Tensor;
      let dgh: Tensor;
      let dPrev: Tensor; // d state_{t−1} of the active rows
      if (attrs.kind === 'lstm') {
        const out = y.select(0, t).narrow(0, 0, n);
        const all = fresh(backend().lstmCellBackward(git, gh, prev.narrow(1, h, h), out, dActive, dtype), [n, 5 * h], dtype);
        dgi = dgh = all.narrow(1, 0, gates);
        dPrev = cat([dgh.matmul(wHh), all.narrow(1, gates, h)], 1);
      } else if (attrs.kind === 'gru') {
        const all = fresh(backend().gruCellBackward(git, gh, prev, dActive, dtype), [n, 7 * h], dtype);
        dgi = all.narrow(1, 0, gates);
        dgh = all.narrow(1, gates, gates);
        dPrev = dgh.matmul(wHh).add(all.narrow(1, 2 * gates, h));
      } else {
        const out = y.select(0, t).narrow(0, 0, n);
        // d tanh = (1 − y²)·g; d relu = [y > 0]·g
        dgi = dgh = attrs.kind === 'tanh' ? dActive.mul(out.square().neg().add(1)) : dActive.mul(out.gt(0));
        dPrev = dgh.matmul(wHh);
      }
      dGiAll.select(0, t).narrow(0, 0, n).copy_(dgi);
      if (dGhAll !== dGiAll) dGhAll.select(0, t).narrow(0, 0, n).copy_(dgh);
      return n === batch ? dPrev : cat([dPrev, dState.narrow(0, n, batch - n)], 0);
    });
  }
  // d W_hh = Σ_t dgh_tᵀ·h_{t−1}: the states before each step, in one product
  const byStep = new Array<Tensor>(steps);
  procOrder.forEach((t, s) => (byStep[t] = prevOf(s)));
  const hPrevAll = stack(byStep, 0);
  const grads = [dGiAll, dGhAll.reshape(steps * batch, gates).t().matmul(hPrevAll.reshape(steps * batch, size).narrow(1, 0, h)), carry];
  if (bHh !== undefined) grads.push(dGhAll.sum([0, 1]));
  return grads;
}

// d gi_t, d h_{t−1} by the cells' rules, step by step in reverse; d W_hh = Σ_t dgh_tᵀ·h_{t−1}; d b_hh = Σ_t dgh_t
const RNN_SEQUENCE: OpDef<SequenceAttrs> = {
  name: 'rnnSequence',
  save: { inputs: [0, 1, 2], output: true },
  forward: forwardLoop,
  vjp(g, { inputs, output, attrs, needsInputGrad }) {
    if (isGradEnabled()) {
      // createGraph: differentiate the composed loop, so that the gradient is itself differentiable
      const wanted = inputs.filter((_, i) => needsInputGrad[i]);
      const grads = autograd.grad(rnnSequenceComposed(inputs, attrs), wanted, { gradOutputs: [g], createGraph: true, allowUnused: true });
      let k = 0;
      return inputs.map((_, i) => (needsInputGrad[i] ? grads[k++] ?? null : null));
    }
    return backwardLoop(g, inputs, output, attrs).map((d, i) => (needsInputGrad[i] ? d : null));
  },
  release(attrs) {
    attrs.workspace?.dispose();
    attrs.workspace = undefined;
  },
};
/** The same op with a GRU's b_hh as a fourth input. */
const RNN_SEQUENCE_BIAS: OpDef<SequenceAttrs> = { ...RNN_SEQUENCE, save: { inputs: [0, 1, 2, 3], output: true } };

/**
 * Runs one recurrent layer direction over a sequence as one op. `gi` [T, B, G·H] holds the input
 * projections of every step (with the biases that can be folded in: all of them except a GRU's
 * b_hh, passed as `bHh`), `wHh` [G·H, H] the recurrent weight, `h0` [B, S] the initial state (h | c
 * for the LSTM, S = 2H). Returns the state after every step, [T, B, S].
 * @example
 * const y = rnnSequence('lstm', gi, wHh, cat([h0, c0], 1), null, { reverse: false, batchSizes: null });
 */
export function rnnSequence(kind: CellKind, gi: Tensor, wHh: Tensor, h0: Tensor, bHh: Tensor | null, options: { reverse: boolean; batchSizes: readonly number[] | null }): Tensor {
  const attrs = { kind, reverse: options.reverse, batchSizes: options.batchSizes };
  return bHh === null ? apply(RNN_SEQUENCE, [gi, wHh, h0], attrs) : apply(RNN_SEQUENCE_BIAS, [gi, wHh, h0, bHh], attrs);
}
