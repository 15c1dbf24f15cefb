// float32 kernels over N-d strided layouts (up to MAX_DIMS dims after the TypeScript side has
// merged what it can). Shapes and strides arrive as i32 arrays in memory (`layout` pointers):
// for an op over `nd` dims, layout = [shape × nd, strides of operand 0 × nd, strides of operand 1 × nd, …].
// The innermost dim runs as a SIMD loop when the operands are contiguous or broadcast there.

import { binaryRowOf, unaryRowOf } from './elementwise';

const MAX_DIMS: i32 = 8;

@inline function at(layout: usize, i: i32): i32 {
  return load<i32>(layout + (<usize>i << 2));
}

/** Advances the odometer `idx` over the outer nd−1 dims; returns false when done. Offsets move with it. */
@inline function advance(idx: usize, layout: usize, nd: i32, operands: i32, offsets: usize): bool {
  for (let d = nd - 2; d >= 0; d--) {
    const i = load<i32>(idx + (<usize>d << 2)) + 1;
    const size = at(layout, d);
    for (let k = 0; k < operands; k++) {
      const stride = at(layout, nd * (1 + k) + d);
      const off = offsets + (<usize>k << 2);
      store<i32>(off, load<i32>(off) + stride - (i == size ? stride * size : 0));
    }
    if (i < size) {
      store<i32>(idx + (<usize>d << 2), i);
      return true;
    }
    store<i32>(idx + (<usize>d << 2), 0);
  }
  return false;
}

/** out = op(a, b) over an nd-dim layout [shape, a strides, b strides]; out contiguous. `work` holds 2·MAX_DIMS i32. */
export function binaryNd(op: i32, a: usize, b: usize, out: usize, layout: usize, nd: i32, work: usize): void {
  const n = at(layout, nd - 1);
  const sa = at(layout, 2 * nd - 1);
  const sb = at(layout, 3 * nd - 1);
  const idx = work;
  const offsets = work + (<usize>MAX_DIMS << 2);
  for (let d = 0; d < nd; d++) store<i32>(idx + (<usize>d << 2), 0);
  store<i32>(offsets, 0);
  store<i32>(offsets, 0, 4);
  let dst = out;
  do {
    binaryRowOf(op, a + (<usize>load<i32>(offsets) << 2), sa, b + (<usize>load<i32>(offsets, 4) << 2), sb, dst, n);
    dst += <usize>n << 2;
  } while (advance(idx, layout, nd, 2, offsets));
}

/** out = op(x) over an nd-dim layout [shape, x strides]; out contiguous. */
export function unaryNd(op: i32, x: usize, out: usize, layout: usize, nd: i32, work: usize): void {
  const n = at(layout, nd - 1);
  const sx = at(layout, 2 * nd - 1);
  const idx = work;
  const offsets = work + (<usize>MAX_DIMS << 2);
  for (let d = 0; d < nd; d++) store<i32>(idx + (<usize>d << 2), 0);
  store<i32>(offsets, 0);
  let dst = out;
  do {
    unaryRowOf(op, x + (<usize>load<i32>(offsets) << 2), sx, dst, n);
    dst += <usize>n << 2;
  } while (advance(idx, layout, nd, 1, offsets));
}

// comparison op codes
const EQ: i32 = 0;
const NE: i32 = 1;
const LT: i32 = 2;
const LE: i32 = 3;
const GT: i32 = 4;
const GE: i32 = 5;

@inline function compare1(op: i32, a: f32, b: f32): u8 {
  if (op == EQ) return <u8>(a == b);
  if (op == NE) return <u8>(a != b);
  if (op == LT) return <u8>(a < b);
  if (op == LE) return <u8>(a <= b);
  if (op == GT) return <u8>(a > b);
  return <u8>(a >= b);
}

/** One row of a comparison (the op switched on once per row; see binary2d). */
function compareRowOf(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  switch (op) {
    case EQ: compareRow(EQ, a, sa, b, sb, out, n); break;
    case NE: compareRow(NE, a, sa, b, sb, out, n); break;
    case LT: compareRow(LT, a, sa, b, sb, out, n); break;
    case LE: compareRow(LE, a, sa, b, sb, out, n); break;
    case GT: compareRow(GT, a, sa, b, sb, out, n); break;
    default: compareRow(GE, a, sa, b, sb, out, n);
  }
}

@inline function compareRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  for (let j = 0; j < n; j++) store<u8>(out + <usize>j, compare1(op, load<f32>(a + (<usize>(j * sa) << 2)), load<f32>(b + (<usize>(j * sb) << 2))));
}

/** out (bytes, 0/1) = a op b over an nd-dim layout [shape, a strides, b strides]. */
export function compareNd(op: i32, a: usize, b: usize, out: usize, layout: usize, nd: i32, work: usize): void {
  const n = at(layout, nd - 1);
  const sa = at(layout, 2 * nd - 1);
  const sb = at(layout, 3 * nd - 1);
  const idx = work;
  const offsets = work + (<usize>MAX_DIMS << 2);
  for (let d = 0; d < nd; d++) store<i32>(idx + (<usize>d << 2), 0);
  store<i32>(offsets, 0);
  store<i32>(offsets, 0, 4);
  let dst = out;
  do {
    compareRowOf(op, a + (<usize>load<i32>(offsets) << 2), sa, b + (<usize>load<i32>(offsets, 4) << 2), sb, dst, n);
    dst += <usize>n;
  } while (advance(idx, layout, nd, 2, offsets));
}

/** out = cond ? a : b over an nd-dim layout [shape, cond strides, a strides, b strides] (cond in bytes). */
export function whereNd(cond: usize, a: usize, b: usize, out: usize, layout: usize, nd: i32, work: usize): void {
  const n = at(layout, nd - 1);
  const sc = at(layout, 2 * nd - 1);
  const sa = at(layout, 3 * nd - 1);
  const sb = at(layout, 4 * nd - 1);
  const idx = work;
  const offsets = work + (<usize>MAX_DIMS << 2);
  for (let d = 0; d < nd; d++) store<i32>(idx + (<usize>d << 2), 0);
  store<i32>(offsets, 0);
  store<i32>(offsets, 0, 4);
  store<i32>(offsets, 0, 8);
  let dst = out;
  do {
    const pc = cond + <usize>load<i32>(offsets);
    const pa = a + (<usize>load<i32>(offsets, 4) << 2);
    const pb = b + (<usize>load<i32>(offsets, 8) << 2);
    for (let j = 0; j < n; j++) {
      store<f32>(dst + (<usize>j << 2), load<u8>(pc + <usize>(j * sc)) != 0 ? load<f32>(pa + (<usize>(j * sa) << 2)) : load<f32>(pb + (<usize>(j * sb) << 2)));
    }
    dst += <usize>n << 2;
  } while (advance(idx, layout, nd, 3, offsets));
}

/**
 * Reduces (op 0 sum, 1 max) over `rd` reduced dims for each index of `kd` kept dims:
 * layout = [kept shape × kd, kept strides × kd, reduced shape × rd, reduced strides × rd].
 * The output (kept shape, contiguous) is accumulated as vectors along the innermost kept dim
 * when it is contiguous (column-style), otherwise along the innermost reduced dim.
 */
export function reduceNd(op: i32, x: usize, out: usize, layout: usize, kd: i32, rd: i32, work: usize): void {
  const redShape = layout + (<usize>(2 * kd) << 2);
  const redStrides = redShape + (<usize>rd << 2);
  const keptInner = kd > 0 ? at(layout, kd - 1) : 1;
  const keptInnerStride = kd > 0 ? at(layout, 2 * kd - 1) : 0;
  const columns = kd > 0 && keptInnerStride == 1 && keptInner >= 4;
  const outerKept = columns ? kd - 1 : kd;
  let outerCount = 1;
  for (let d = 0; d < outerKept; d++) outerCount *= at(layout, d);
  let redCount = 1;
  for (let d = 0; d < rd; d++) redCount *= load<i32>(redShape + (<usize>d << 2));
  const kidx = work;
  const ridx = work + (<usize>MAX_DIMS << 2);
  for (let d = 0; d < MAX_DIMS; d++) store<i32>(kidx + (<usize>d << 2), 0);
  let dst = out;
  for (let o = 0; o < outerCount; o++) {
    // base offset of this kept index
    let base = 0;
    for (let d = 0; d < outerKept; d++) base += load<i32>(kidx + (<usize>d << 2)) * at(layout, kd + d);
    if (columns) {
      reduceColumns(op, x + (<usize>base << 2), dst, keptInner, redShape, redStrides, rd, redCount, ridx);
      dst += <usize>keptInner << 2;
    } else {
      store<f32>(dst, reduceBlock(op, x + (<usize>base << 2), redShape, redStrides, rd, ridx));
      dst += 4;
    }
    for (let d = outerKept - 1; d >= 0; d--) {
      const i = load<i32>(kidx + (<usize>d << 2)) + 1;
      if (i < at(layout, d)) {
        store<i32>(kidx + (<usize>d << 2), i);
        break;
      }
      store<i32>(kidx + (<usize>d << 2), 0);
    }
  }
}

/** One output: reduce over the reduced dims (SIMD along the innermost one when it is contiguous). */
function reduceBlock(op: i32, x: usize, shape: usize, strides: usize, rd: i32, idx: usize): f32 {
  if (rd == 0) return load<f32>(x);
  const n = load<i32>(shape + (<usize>(rd - 1) << 2));
  const s = load<i32>(strides + (<usize>(rd - 1) << 2));
  for (let d = 0; d < rd; d++) store<i32>(idx + (<usize>d << 2), 0);
  let acc4 = op == 0 ? f32x4.splat(0) : f32x4.splat(-Infinity);
  let acc: f32 = op == 0 ? 0 : -Infinity;
  let nan = false;
  for (;;) {
    let base = 0;
    for (let d = 0; d < rd - 1; d++) base += load<i32>(idx + (<usize>d << 2)) * load<i32>(strides + (<usize>d << 2));
    const p = x + (<usize>base << 2);
    let j = 0;
    if (s == 1) {
      if (op == 0) for (; j + 4 <= n; j += 4) acc4 = f32x4.add(acc4, v128.load(p + (<usize>j << 2)));
      else for (; j + 4 <= n; j += 4) acc4 = f32x4.max(acc4, v128.load(p + (<usize>j << 2)));
    }
    for (; j < n; j++) {
      const v = load<f32>(p + (<usize>(j * s) << 2));
      if (op == 0) acc += v;
      else if (v != v) nan = true;
      else if (v > acc) acc = v;
    }
    let d = rd - 2;
    for (; d >= 0; d--) {
      const i = load<i32>(idx + (<usize>d << 2)) + 1;
      if (i < load<i32>(shape + (<usize>d << 2))) {
        store<i32>(idx + (<usize>d << 2), i);
        break;
      }
      store<i32>(idx + (<usize>d << 2), 0);
    }
    if (d < 0) break;
  }
  if (op == 0) return acc + f32x4.extract_lane(acc4, 0) + f32x4.extract_lane(acc4, 1) + f32x4.extract_lane(acc4, 2) + f32x4.extract_lane(acc4, 3);
  // NOTE: f32x4.max propagates NaN lanes; the scalar tail tracks NaN explicitly (max propagates NaN, as torch does)
  const m = max(max(f32x4.extract_lane(acc4, 0), f32x4.extract_lane(acc4, 1)), max(f32x4.extract_lane(acc4, 2), f32x4.extract_lane(acc4, 3)));
  const lanesNan = f32x4.extract_lane(acc4, 0) != f32x4.extract_lane(acc4, 0) || f32x4.extract_lane(acc4, 1) != f32x4.extract_lane(acc4, 1)
    || f32x4.extract_lane(acc4, 2) != f32x4.extract_lane(acc4, 2) || f32x4.extract_lane(acc4, 3) != f32x4.extract_lane(acc4, 3);
  return nan || lanesNan ? NaN : max(m, acc);
}

/** keptInner contiguous outputs: out[j] = reduce over the reduced dims of x[j + reduced offset]. */
function reduceColumns(op: i32, x: usize, out: usize, width: i32, shape: usize, strides: usize, rd: i32, count: i32, idx: usize): void {
  for (let d = 0; d < rd; d++) store<i32>(idx + (<usize>d << 2), 0);
  for (let r = 0; r < count; r++) {
    let base = 0;
    for (let d = 0; d < rd; d++) base += load<i32>(idx + (<usize>d << 2)) * load<i32>(strides + (<usize>d << 2));
    const p = x + (<usize>base << 2);
    let j = 0;
    if (r == 0) {
      memory.copy(out, p, <usize>width << 2);
    } else if (op == 0) {
      for (; j + 4 <= width; j += 4) v128.store(out + (<usize>j << 2), f32x4.add(v128.load(out + (<usize>j << 2)), v128.load(p + (<usize>j << 2))));
      for (; j < width; j++) store<f32>(out + (<usize>j << 2), load<f32>(out + (<usize>j << 2)) + load<f32>(p + (<usize>j << 2)));
    } else {
      // NOTE: wasm's f32x4.max returns NaN when either lane is NaN, so NaN propagates as torch's max does
      for (; j + 4 <= width; j += 4) v128.store(out + (<usize>j << 2), f32x4.max(v128.load(out + (<usize>j << 2)), v128.load(p + (<usize>j << 2))));
      for (; j < width; j++) {
        const a = load<f32>(out + (<usize>j << 2));
        const b = load<f32>(p + (<usize>j << 2));
        store<f32>(out + (<usize>j << 2), a != a || b != b ? NaN : max(a, b));
      }
    }
    for (let d = rd - 1; d >= 0; d--) {
      const i = load<i32>(idx + (<usize>d << 2)) + 1;
      if (i < load<i32>(shape + (<usize>d << 2))) {
        store<i32>(idx + (<usize>d << 2), i);
        break;
      }
      store<i32>(idx + (<usize>d << 2), 0);
    }
  }
}
