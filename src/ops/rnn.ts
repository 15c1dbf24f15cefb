/**
 * Fused recurrent cells: the elementwise part of one LSTM or GRU time step (gate nonlinearities and
 * state update) as one kernel forward and one backward. The matrix products stay outside, so a
 * step costs one product for the hidden state plus one fused kernel.
 *
 * Each vjp runs the fused backward kernel, except when backward records a graph (createGraph):
 * then it writes the same derivatives with public ops, so gradients of gradients work.
 */
import { backend } from '../backend/index.js';
import { apply, type OpDef } from '../core/autograd.js';
import { DTypeError, ShapeError, check } from '../base/errors.js';
import { isGradEnabled } from '../core/grad-mode.js';
import { showShape } from '../base/shape.js';
import type { Tensor } from '../core/tensor.js';
import { cat } from './copy.js';
import { checkTensor, fresh } from './util.js';

/** The gates of an LSTM step, composed from public ops (the createGraph path and the tests' reference). */
function lstmGates(gi: Tensor, gh: Tensor, h: number): { i: Tensor; f: Tensor; g: Tensor; o: Tensor } {
  const gates = gi.add(gh);
  return {
    i: gates.narrow(1, 0, h).sigmoid(),
    f: gates.narrow(1, h, h).sigmoid(),
    g: gates.narrow(1, 2 * h, h).tanh(),
    o: gates.narrow(1, 3 * h, h).sigmoid(),
  };
}

// d gates = [dc·g·σ'(i), dc·c·σ'(f), dc·i·(1 − g²), dh·tanh(c')·σ'(o)] with dc = dc' + dh·o·(1 − tanh²c'); d c = dc·f
const LSTM_CELL: OpDef = {
  name: 'lstmCell',
  save: { inputs: [0, 1, 2], output: true },
  forward([gi, gh, c]) {
    const [b, h4] = gi!.shape as [number, number];
    return fresh(backend().lstmCell(gi!, gh!, c!, gi!.dtype), [b, h4 / 2], gi!.dtype);
  },
  vjp(grad, { inputs: [gi, gh, c], output, needsInputGrad }) {
    const h = c!.shape[1]!;
    let dGates: Tensor;
    let dc: Tensor;
    if (isGradEnabled()) {
      const { i, f, g, o } = lstmGates(gi!, gh!, h);
      const tc = f.mul(c!).add(i.mul(g)).tanh();
      const dh = grad.narrow(1, 0, h);
      const dcNew = grad.narrow(1, h, h).add(dh.mul(o).mul(tc.square().neg().add(1)));
      const dSigmoid = (s: Tensor): Tensor => s.mul(s.neg().add(1));
      dGates = cat([dcNew.mul(g).mul(dSigmoid(i)), dcNew.mul(c!).mul(dSigmoid(f)), dcNew.mul(i).mul(g.square().neg().add(1)),
        dh.mul(tc).mul(dSigmoid(o))], 1);
      dc = dcNew.mul(f);
    } else {
      const all = fresh(backend().lstmCellBackward(gi!, gh!, c!, output, grad, gi!.dtype), [gi!.shape[0]!, 5 * h], gi!.dtype);
      dGates = all.narrow(1, 0, 4 * h);
      dc = all.narrow(1, 4 * h, h);
    }
    return [needsInputGrad[0] ? dGates : null, needsInputGrad[1] ? dGates : null, needsInputGrad[2] ? dc : null];
  },
};

// d gi = [dr, dz, dn], d gh = [dr, dz, dn·r], d h = dh'·z with dn = dh'·(1 − z)·(1 − n²), dz = dh'·(h − n)·σ'(z), dr = dn·gh_n·σ'(r)
const GRU_CELL: OpDef = {
  name: 'gruCell',
  save: { inputs: [0, 1, 2] },
  forward([gi, gh, hPrev]) {
    return fresh(backend().gruCell(gi!, gh!, hPrev!, gi!.dtype), hPrev!.shape, gi!.dtype);
  },
  vjp(grad, { inputs: [gi, gh, hPrev], needsInputGrad }) {
    const h = hPrev!.shape[1]!;
    let dgi: Tensor;
    let dgh: Tensor;
    let dh: Tensor;
    if (isGradEnabled()) {
      const r = gi!.narrow(1, 0, h).add(gh!.narrow(1, 0, h)).sigmoid();
      const z = gi!.narrow(1, h, h).add(gh!.narrow(1, h, h)).sigmoid();
      const ghn = gh!.narrow(1, 2 * h, h);
      const n = gi!.narrow(1, 2 * h, h).add(r.mul(ghn)).tanh();
      const dn = grad.mul(z.neg().add(1)).mul(n.square().neg().add(1));
      const dz = grad.mul(hPrev!.sub(n)).mul(z.mul(z.neg().add(1)));
      const dr = dn.mul(ghn).mul(r.mul(r.neg().add(1)));
      dgi = cat([dr, dz, dn], 1);
      dgh = cat([dr, dz, dn.mul(r)], 1);
      dh = grad.mul(z);
    } else {
      const all = fresh(backend().gruCellBackward(gi!, gh!, hPrev!, grad, gi!.dtype), [gi!.shape[0]!, 7 * h], gi!.dtype);
      dgi = all.narrow(1, 0, 3 * h);
      dgh = all.narrow(1, 3 * h, 3 * h);
      dh = all.narrow(1, 6 * h, h);
    }
    return [needsInputGrad[0] ? dgi : null, needsInputGrad[1] ? dgh : null, needsInputGrad[2] ? dh : null];
  },
};

function checkCell(op: string, gates: number, gi: Tensor, gh: Tensor, state: Tensor, stateName: string): void {
  checkTensor(gi, op, 'gi');
  checkTensor(gh, op, 'gh');
  checkTensor(state, op, stateName);
  const [b, h] = state.shape;
  check(state.ndim === 2 && gi.ndim === 2 && gh.ndim === 2 && gi.shape[0] === b && gh.shape[0] === b
    && gi.shape[1] === gates * h! && gh.shape[1] === gates * h!, ShapeError,
  () => `[${op}] expects gi and gh of shape [B, ${gates}H] and ${stateName} of shape [B, H], got gi ${showShape(gi.shape)}, gh ${showShape(gh.shape)}, ${stateName} ${showShape(state.shape)}`);
  check(gi.dtype === gh.dtype && gi.dtype === state.dtype && (gi.dtype === 'float32' || gi.dtype === 'float64'), DTypeError,
    () => `[${op}] expects gi, gh and ${stateName} of one float dtype, got ${gi.dtype}, ${gh.dtype} and ${state.dtype}`);
}

/**
 * One fused LSTM step after its matrix products: `gi` = x·W_ihᵀ + b_ih and `gh` = h·W_hhᵀ + b_hh
 * ([B, 4H], gates i, f, g, o), `c` the cell state [B, H]. Returns [h', c'].
 * @example
 * const [h1, c1] = lstmCell(x.matmul(wIh.t()).add(bIh), h0.matmul(wHh.t()).add(bHh), c0);
 */
export function lstmCell(gi: Tensor, gh: Tensor, c: Tensor): [Tensor, Tensor] {
  checkCell('lstmCell', 4, gi, gh, c, 'c');
  const hc = apply(LSTM_CELL, [gi, gh, c], undefined);
  const h = c.shape[1]!;
  return [hc.narrow(1, 0, h), hc.narrow(1, h, h)];
}

/**
 * One fused GRU step after its matrix products: `gi` = x·W_ihᵀ + b_ih and `gh` = h·W_hhᵀ + b_hh
 * ([B, 3H], gates r, z, n), `h` the hidden state [B, H]. Returns h' = (1 − z)·n + z·h with
 * n = tanh(gi_n + r·gh_n) (PyTorch's GRU).
 * @example
 * const h1 = gruCell(x.matmul(wIh.t()).add(bIh), h0.matmul(wHh.t()).add(bHh), h0);
 */
export function gruCell(gi: Tensor, gh: Tensor, h: Tensor): Tensor {
  checkCell('gruCell', 3, gi, gh, h, 'h');
  return apply(GRU_CELL, [gi, gh, h], undefined);
}
