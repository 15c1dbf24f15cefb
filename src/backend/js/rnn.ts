/**
 * Fused recurrent cells (reference kernels): the gate nonlinearities and the state update of one
 * LSTM or GRU time step, forward and backward, in one pass over [B, H]. The matrix products stay
 * outside (one per step for the hidden state); these kernels do everything elementwise after them.
 * All views are 2-d [B, G·H] with any strides.
 */
import { allocate, type DType, type TypedArray } from '../../base/dtype.js';
import type { StridedView } from '../backend.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Element (b, j) of a 2-d view. */
const at = (v: StridedView, b: number, j: number): number => v.data[v.offset + b * v.strides[0]! + j * v.strides[1]!] as number;

/**
 * LSTM step: gates = gi + gh ([B, 4H], PyTorch's order i, f, g, o); c' = σ(f)·c + σ(i)·tanh(g),
 * h' = σ(o)·tanh(c'). Result [B, 2H]: h' in columns [0, H), c' in [H, 2H).
 * @example
 * lstmCell(gi, gh, c, 'float32'); // [B, 2H]
 */
export function lstmCell(gi: StridedView, gh: StridedView, c: StridedView, dtype: DType): TypedArray {
  const [batch, h4] = gi.shape as [number, number];
  const h = h4 / 4;
  const out = allocate(dtype, batch * 2 * h);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < h; j++) {
      const i = sigmoid(at(gi, b, j) + at(gh, b, j));
      const f = sigmoid(at(gi, b, h + j) + at(gh, b, h + j));
      const g = Math.tanh(at(gi, b, 2 * h + j) + at(gh, b, 2 * h + j));
      const o = sigmoid(at(gi, b, 3 * h + j) + at(gh, b, 3 * h + j));
      // round c' to the dtype before h' reads it, as a composed computation would
      out[b * 2 * h + h + j] = f * at(c, b, j) + i * g;
      out[b * 2 * h + j] = o * Math.tanh(out[b * 2 * h + h + j] as number);
    }
  }
  return out;
}

/**
 * Backward of `lstmCell`: from `g` = [dh' | dc'] ([B, 2H]) and the step's output `out` = [h' | c'],
 * the gradient of the gates ([B, 4H], the same for gi and gh) and of c, as one [B, 5H] array.
 * @example
 * lstmCellBackward(gi, gh, c, out, g, 'float32'); // [B, 5H] = dgates | dc
 */
export function lstmCellBackward(gi: StridedView, gh: StridedView, c: StridedView, out: StridedView, g: StridedView, dtype: DType): TypedArray {
  const [batch, h4] = gi.shape as [number, number];
  const h = h4 / 4;
  const grad = allocate(dtype, batch * 5 * h);
  for (let b = 0; b < batch; b++) {
    const row = b * 5 * h;
    for (let j = 0; j < h; j++) {
      const i = sigmoid(at(gi, b, j) + at(gh, b, j));
      const f = sigmoid(at(gi, b, h + j) + at(gh, b, h + j));
      const gg = Math.tanh(at(gi, b, 2 * h + j) + at(gh, b, 2 * h + j));
      const o = sigmoid(at(gi, b, 3 * h + j) + at(gh, b, 3 * h + j));
      const tc = Math.tanh(at(out, b, h + j));
      const dh = at(g, b, j);
      // dc' collects the direct gradient and the one through h' = o·tanh(c'): (1 − tanh²c')·o·dh
      const dc = at(g, b, h + j) + dh * o * (1 - tc * tc);
      grad[row + j] = dc * gg * i * (1 - i); // d i_pre = dc·g·σ'(i)
      grad[row + h + j] = dc * at(c, b, j) * f * (1 - f); // d f_pre = dc·c·σ'(f)
      grad[row + 2 * h + j] = dc * i * (1 - gg * gg); // d g_pre = dc·i·(1 − g²)
      grad[row + 3 * h + j] = dh * tc * o * (1 - o); // d o_pre = dh·tanh(c')·σ'(o)
      grad[row + 4 * h + j] = dc * f; // d c = dc'·f
    }
  }
  return grad;
}

/**
 * GRU step (PyTorch's equations, gates r, z, n): r = σ(gi_r + gh_r), z = σ(gi_z + gh_z),
 * n = tanh(gi_n + r·gh_n), h' = (1 − z)·n + z·h, where gh = W_hh·h + b_hh. Result [B, H].
 * @example
 * gruCell(gi, gh, h, 'float32'); // [B, H]
 */
export function gruCell(gi: StridedView, gh: StridedView, hPrev: StridedView, dtype: DType): TypedArray {
  const [batch, h3] = gi.shape as [number, number];
  const h = h3 / 3;
  const out = allocate(dtype, batch * h);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < h; j++) {
      const r = sigmoid(at(gi, b, j) + at(gh, b, j));
      const z = sigmoid(at(gi, b, h + j) + at(gh, b, h + j));
      const n = Math.tanh(at(gi, b, 2 * h + j) + r * at(gh, b, 2 * h + j));
      out[b * h + j] = (1 - z) * n + z * at(hPrev, b, j);
    }
  }
  return out;
}

/**
 * Backward of `gruCell` from `g` = dh' ([B, H]): one [B, 7H] array holding d gi ([B, 3H]), d gh
 * ([B, 3H]) and d h ([B, H]).
 * @example
 * gruCellBackward(gi, gh, h, g, 'float32'); // [B, 7H] = dgi | dgh | dh
 */
export function gruCellBackward(gi: StridedView, gh: StridedView, hPrev: StridedView, g: StridedView, dtype: DType): TypedArray {
  const [batch, h3] = gi.shape as [number, number];
  const h = h3 / 3;
  const grad = allocate(dtype, batch * 7 * h);
  for (let b = 0; b < batch; b++) {
    const row = b * 7 * h;
    for (let j = 0; j < h; j++) {
      const r = sigmoid(at(gi, b, j) + at(gh, b, j));
      const z = sigmoid(at(gi, b, h + j) + at(gh, b, h + j));
      const ghn = at(gh, b, 2 * h + j);
      const n = Math.tanh(at(gi, b, 2 * h + j) + r * ghn);
      const dh = at(g, b, j);
      const hp = at(hPrev, b, j);
      const dn = dh * (1 - z) * (1 - n * n); // d n_pre = dh'·(1 − z)·(1 − n²)
      const dz = dh * (hp - n) * z * (1 - z); // d z_pre = dh'·(h − n)·σ'(z)
      const dr = dn * ghn * r * (1 - r); // d r_pre = dn_pre·gh_n·σ'(r)
      grad[row + j] = dr;
      grad[row + h + j] = dz;
      grad[row + 2 * h + j] = dn;
      grad[row + 3 * h + j] = dr;
      grad[row + 4 * h + j] = dz;
      grad[row + 5 * h + j] = dn * r; // d gh_n = dn_pre·r
      grad[row + 6 * h + j] = dh * z; // d h = dh'·z
    }
  }
  return grad;
}
