/**
 * Op-table rows of the fused recurrent cells (F.lstmCell, F.gruCell) with independent float64
 * references written from PyTorch's equations (gate order i, f, g, o and r, z, n).
 */
import fc from 'fast-check';
import { F } from '../../src/index.js';
import { build, type Arr } from './reference.js';
import { floats, uniform } from './spec-gen.js';
import type { Case, OpRow } from './spec.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const el = (a: Arr, b: number, j: number): number => a.data[b * a.shape[1]! + j]!;

/** [h', c'] of one LSTM step. */
function lstmRef(gi: Arr, gh: Arr, c: Arr): Arr[] {
  const [batch, h] = c.shape as [number, number];
  const gate = (b: number, k: number, j: number): number => el(gi, b, k * h + j) + el(gh, b, k * h + j);
  const cNew = build([batch, h], ([b, j]) => sigmoid(gate(b!, 1, j!)) * el(c, b!, j!) + sigmoid(gate(b!, 0, j!)) * Math.tanh(gate(b!, 2, j!)));
  const hNew = build([batch, h], ([b, j]) => sigmoid(gate(b!, 3, j!)) * Math.tanh(el(cNew, b!, j!)));
  return [hNew, cNew];
}

/** h' of one GRU step. */
function gruRef(gi: Arr, gh: Arr, hPrev: Arr): Arr {
  const [batch, h] = hPrev.shape as [number, number];
  return build([batch, h], ([b, j]) => {
    const r = sigmoid(el(gi, b!, j!) + el(gh, b!, j!));
    const z = sigmoid(el(gi, b!, h + j!) + el(gh, b!, h + j!));
    const n = Math.tanh(el(gi, b!, 2 * h + j!) + r * el(gh, b!, 2 * h + j!));
    return (1 - z) * n + z * el(hPrev, b!, j!);
  });
}

/** gi, gh of [B, gates·H] and a state [B, H]; H up to 6 (the wasm kernel's SIMD groups and its tail). */
function cellCases(gates: number): fc.Arbitrary<Case<Record<string, never>>> {
  return fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 })).chain(([b, h]) => fc.tuple(
    floats([b, gates * h], uniform(-3, 3)), floats([b, gates * h], uniform(-3, 3)), floats([b, h], uniform(-2, 2)),
  )).map((inputs) => ({ inputs, attrs: {} }));
}

/**
 * The fused cells' rows.
 * @example
 * specSuite([...cellRows]);
 */
export const cellRows: OpRow<Record<string, never>>[] = [
  { name: 'lstmCell (fused): [h\', c\']', cases: cellCases(4), run: ([gi, gh, c]) => F.lstmCell(gi!, gh!, c!), ref: ([gi, gh, c]) => lstmRef(gi!, gh!, c!), runs: { grad: 8, gradgrad: 4 } },
  { name: 'gruCell (fused)', cases: cellCases(3), run: ([gi, gh, h]) => F.gruCell(gi!, gh!, h!), ref: ([gi, gh, h]) => gruRef(gi!, gh!, h!), runs: { grad: 8, gradgrad: 4 } },
];
