/**
 * Elementwise kernels (unary, binary, where): each op's row loop (./elementwise-rows.ts) run over
 * the rows of its operands.
 *
 * When every operand is contiguous the whole tensor is one row, a single call. Otherwise the dims
 * are merged where every operand allows it (`collapse`), the innermost dim is the row, the next one
 * a loop of rows, and a small odometer walks any dims further out, moving each operand's start by
 * its precomputed strides.
 */
import type { DType, TypedArray } from '../../base/dtype.js';
import { allocate } from '../../base/dtype.js';
import { numel, sameShape, type Shape } from '../../base/shape.js';
import type { BinaryOp, StridedView, UnaryOp } from '../backend.js';
import { BINARY_ROWS, UNARY_ROWS, whereRow } from './elementwise-rows.js';
import { collapse, isContiguous } from './layout.js';

/**
 * A strided layout seen as blocks of rows, in row-major order. A row is the innermost dim
 * (`width` elements, operand k stepping by `step[k]`); a block is the `height` rows of the next dim
 * (operand k jumping by `jump[k]` from row to row); `start[k]` is operand k's position at the
 * current block's first element, and `next()` moves to the next block with an odometer over the
 * remaining outer dims. Most layouts merge to two dims or fewer, so they are a single block.
 */
class Blocks {
  readonly width: number;
  readonly height: number;
  readonly step: number[];
  readonly jump: number[];
  readonly start: number[];
  private readonly shape: readonly number[];
  private readonly strides: readonly (readonly number[])[];
  private readonly idx: number[];

  constructor(views: readonly StridedView[], shape: Shape) {
    const merged = collapse(shape, views.map((v) => v.strides));
    const nd = merged.shape.length;
    this.shape = merged.shape;
    this.strides = merged.strides;
    this.width = nd >= 1 ? merged.shape[nd - 1]! : 1;
    this.height = nd >= 2 ? merged.shape[nd - 2]! : 1;
    this.step = merged.strides.map((s) => (nd >= 1 ? s[nd - 1]! : 0));
    this.jump = merged.strides.map((s) => (nd >= 2 ? s[nd - 2]! : 0));
    this.start = views.map((v) => v.offset);
    this.idx = new Array<number>(nd).fill(0);
  }

  /** Advances the odometer over the dims outside the block. */
  next(): void {
    const { shape, strides, start, idx } = this;
    for (let d = shape.length - 3; d >= 0; d--) {
      const size = shape[d]!;
      if (++idx[d]! < size) {
        for (let k = 0; k < start.length; k++) start[k]! += strides[k]![d]!;
        return;
      }
      idx[d] = 0;
      for (let k = 0; k < start.length; k++) start[k]! -= strides[k]![d]! * (size - 1);
    }
  }
}

/** Whether every operand is contiguous and already of the output's shape: then the tensor is one row. */
function flat(views: readonly StridedView[], shape: Shape): boolean {
  return views.every((v) => isContiguous(v) && sameShape(v.shape, shape));
}

/**
 * `op(x)` elementwise into a new contiguous array.
 * @example
 * unary('exp', { data: new Float64Array([0, 1]), shape: [2], strides: [1], offset: 0 }, 'float64'); // [1, e]
 */
export function unary(op: UnaryOp, x: StridedView, dtype: DType): TypedArray {
  const n = numel(x.shape);
  const out = allocate(dtype, n);
  if (n === 0) return out;
  const row = UNARY_ROWS[op];
  if (flat([x], x.shape)) {
    row(out, 0, n, x.data, x.offset, 1);
    return out;
  }
  const blocks = new Blocks([x], x.shape);
  const { width, height, start } = blocks;
  const [sx] = blocks.step as [number];
  const [jx] = blocks.jump as [number];
  for (let o = 0; o < n; blocks.next()) {
    let px = start[0]!;
    for (let i = 0; i < height; i++, o += width, px += jx) row(out, o, width, x.data, px, sx);
  }
  return out;
}

/**
 * `op(a, b)` elementwise; `a` and `b` are already broadcast to `shape`.
 * @example
 * binary('add', a, b, [2, 3], 'float32');
 */
export function binary(op: BinaryOp, a: StridedView, b: StridedView, shape: Shape, dtype: DType): TypedArray {
  const n = numel(shape);
  const out = allocate(dtype, n);
  if (n === 0) return out;
  const row = BINARY_ROWS[op];
  if (flat([a, b], shape)) {
    row(out, 0, n, a.data, a.offset, 1, b.data, b.offset, 1);
    return out;
  }
  const blocks = new Blocks([a, b], shape);
  const { width, height, start } = blocks;
  const [sa, sb] = blocks.step as [number, number];
  const [ja, jb] = blocks.jump as [number, number];
  for (let o = 0; o < n; blocks.next()) {
    let pa = start[0]!;
    let pb = start[1]!;
    for (let i = 0; i < height; i++, o += width, pa += ja, pb += jb) row(out, o, width, a.data, pa, sa, b.data, pb, sb);
  }
  return out;
}

/**
 * `cond ? a : b` elementwise, all broadcast to `shape`.
 * @example
 * where(mask, a, b, [4], 'float32');
 */
export function where(cond: StridedView, a: StridedView, b: StridedView, shape: Shape, dtype: DType): TypedArray {
  const n = numel(shape);
  const out = allocate(dtype, n);
  if (n === 0) return out;
  if (flat([cond, a, b], shape)) {
    whereRow(out, 0, n, cond.data, cond.offset, 1, a.data, a.offset, 1, b.data, b.offset, 1);
    return out;
  }
  const blocks = new Blocks([cond, a, b], shape);
  const { width, height, start } = blocks;
  const [sc, sa, sb] = blocks.step as [number, number, number];
  const [jc, ja, jb] = blocks.jump as [number, number, number];
  for (let o = 0; o < n; blocks.next()) {
    let pc = start[0]!;
    let pa = start[1]!;
    let pb = start[2]!;
    for (let i = 0; i < height; i++, o += width, pc += jc, pa += ja, pb += jb) {
      whereRow(out, o, width, cond.data, pc, sc, a.data, pa, sa, b.data, pb, sb);
    }
  }
  return out;
}
