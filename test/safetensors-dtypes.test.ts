/**
 * The dtypes of Hugging Face checkpoints, one by one: every F16, BF16 and F8 bit pattern widens to the
 * value a reference formula gives (written here, not nabla's); F16/BF16 writing rounds to the nearest
 * value, ties to even, overflow to ±inf (checked against the neighbours of each result); integer dtypes
 * convert exactly or throw a DTypeError naming the tensor, the element and the value; dtypes nabla
 * cannot hold throw a DTypeError naming the tensor and the dtype.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, Tensor, fromSafetensors, tensor, toSafetensors } from '../src/index.js';
import { expectError } from './helpers/expect.js';

/** A one-tensor safetensors file of file dtype `code`, shape and raw element bytes. */
function file(code: string, shape: number[], data: ArrayBufferView): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const header = new TextEncoder().encode(JSON.stringify({ x: { dtype: code, shape, data_offsets: [0, bytes.length] } }));
  const out = new Uint8Array(8 + header.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(bytes, 8 + header.length);
  return out;
}
const load = (code: string, shape: number[], data: ArrayBufferView): Tensor => fromSafetensors(file(code, shape, data)).tensors.x!;
const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const float32Bits = (t: Tensor): Uint32Array => new Uint32Array(Float32Array.from(t.toTypedArray() as Float32Array).buffer);

/** The value of a binary float format's bits, by the IEEE formula (the F8_E4M3 exception aside). */
function reference(bits: number, exponentBits: number, mantissaBits: number): number {
  const sign = (bits >> (exponentBits + mantissaBits)) & 1 ? -1 : 1;
  const e = (bits >> mantissaBits) & ((1 << exponentBits) - 1);
  const m = bits & ((1 << mantissaBits) - 1);
  const bias = 2 ** (exponentBits - 1) - 1;
  if (e === 2 ** exponentBits - 1) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * 2 ** (1 - bias - mantissaBits);
  return sign * (2 ** mantissaBits + m) * 2 ** (e - bias - mantissaBits);
}

describe('reading: exact widening to float32', () => {
  it('every F16 bit pattern (subnormals, ±inf, -0; NaNs keep sign and payload)', () => {
    const patterns = Uint16Array.from(all(65536));
    const t = load('F16', [65536], patterns);
    expect(t.dtype).toBe('float32');
    const values = t.toTypedArray();
    const bits = float32Bits(t);
    for (let h = 0; h < 65536; h++) {
      const want = reference(h, 5, 10);
      if (Number.isNaN(want)) expect(bits[h], `0x${h.toString(16)}`).toBe((((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13)) >>> 0);
      else if (!Object.is(values[h], want)) throw new Error(`F16 0x${h.toString(16)}: got ${values[h]}, want ${want}`);
    }
  });

  it('every BF16 bit pattern is the top half of its float32', () => {
    const bits = float32Bits(load('BF16', [256, 256], Uint16Array.from(all(65536))));
    for (let h = 0; h < 65536; h++) if (bits[h] !== h * 65536) throw new Error(`BF16 0x${h.toString(16)}: got 0x${bits[h]!.toString(16)}`);
  });

  it('every F8_E5M2 and F8_E4M3 byte (E4M3: bias 7, no infinities, 0x7f/0xff NaN, 448 the largest)', () => {
    const bytes = Uint8Array.from(all(256));
    const e5m2 = load('F8_E5M2', [256], bytes).toTypedArray();
    const e4m3 = load('F8_E4M3', [256], bytes).toTypedArray();
    for (let b = 0; b < 256; b++) {
      expect(Object.is(e5m2[b], Math.fround(reference(b, 5, 2))) || (Number.isNaN(e5m2[b]) && Number.isNaN(reference(b, 5, 2))), `E5M2 ${b}`).toBe(true);
      // E4M3 is the IEEE formula but for its top exponent, which holds numbers (up to 448) and, at 0x7f/0xff, NaN
      const want = (b & 0x7f) === 0x7f ? NaN : (b & 0x78) === 0x78 ? (b & 0x80 ? -1 : 1) * (8 + (b & 7)) * 2 ** 5 : reference(b, 4, 3);
      expect(Object.is(e4m3[b], want), `E4M3 ${b}: ${e4m3[b]}, want ${want}`).toBe(true);
    }
    expect(Math.max(...Array.from(e4m3).filter((v) => !Number.isNaN(v)))).toBe(448);
    expect(Math.max(...Array.from(e5m2).filter((v) => Number.isFinite(v)))).toBe(57344);
  });

  it('F32 and F64 bits are kept as they are', () => {
    const f64 = new Float64Array([Math.PI, -0, Number.MIN_VALUE, NaN, -Infinity]);
    expect(new Float64Array(load('F64', [5], f64).toTypedArray() as Float64Array)).toEqual(f64);
    expect(load('F64', [5], f64).dtype).toBe('float64');
    const f32 = new Uint32Array([0x7fc00001, 0x80000000, 1, 0x7f7fffff]);
    expect(float32Bits(load('F32', [2, 2], f32))).toEqual(f32);
  });
});

describe('reading integers', () => {
  it('I16, I8, U16, U8 to int32, exactly', () => {
    expect(load('I16', [4], new Int16Array([-32768, 32767, 0, -1])).toArray()).toEqual([-32768, 32767, 0, -1]);
    expect(load('I8', [2, 2], new Int8Array([-128, 127, 0, -1])).toArray()).toEqual([[-128, 127], [0, -1]]);
    expect(load('U16', [3], new Uint16Array([0, 65535, 32768])).toArray()).toEqual([0, 65535, 32768]);
    const u8 = load('U8', [4], new Uint8Array([0, 127, 128, 255]));
    expect([u8.dtype, u8.toArray()]).toEqual(['int32', [0, 127, 128, 255]]);
  });

  it('I64, U64, U32 within int32 range to int32; dtypes says what the file had', () => {
    const i64 = new BigInt64Array([0n, -1n, 2n ** 31n - 1n, -(2n ** 31n), 42n]);
    const content = fromSafetensors(file('I64', [5], i64));
    expect([content.tensors.x!.dtype, content.tensors.x!.toArray(), content.dtypes]).toEqual(['int32', [0, -1, 2 ** 31 - 1, -(2 ** 31), 42], { x: 'I64' }]);
    expect(load('U64', [2], new BigUint64Array([0n, 2n ** 31n - 1n])).toArray()).toEqual([0, 2 ** 31 - 1]);
    expect(load('U32', [2], new Uint32Array([7, 2 ** 31 - 1])).toArray()).toEqual([7, 2 ** 31 - 1]);
    expect(load('I64', [], new BigInt64Array([-5n])).item()).toBe(-5);
  });

  it('a value out of int32 range is a DTypeError naming the tensor, element (flat, and where) and value, never a wrap-around', () => {
    const range = "outside int32's range [-2147483648, 2147483647] (nabla holds integers as int32)";
    expectError(() => load('I64', [2, 2], new BigInt64Array([1n, 2n, 2n ** 32n, 4n])), DTypeError,
      `[fromSafetensors] "x" is I64 [2,2], and its element 2 (at [1,0]) is 4294967296, ${range}`);
    expectError(() => load('I64', [3], new BigInt64Array([0n, 0n, -(2n ** 31n) - 1n])), DTypeError,
      `[fromSafetensors] "x" is I64 [3], and its element 2 is -2147483649, ${range}`);
    expectError(() => load('I64', [1], new BigInt64Array([-(2n ** 63n)])), DTypeError,
      `[fromSafetensors] "x" is I64 [1], and its element 0 is -9223372036854775808, ${range}`);
    expectError(() => load('U64', [2], new BigUint64Array([1n, 2n ** 64n - 1n])), DTypeError,
      `[fromSafetensors] "x" is U64 [2], and its element 1 is 18446744073709551615, ${range}`);
    expectError(() => load('U64', [1], new BigUint64Array([2n ** 31n])), DTypeError,
      `[fromSafetensors] "x" is U64 [1], and its element 0 is 2147483648, ${range}`);
    expectError(() => load('U32', [1], new Uint32Array([2 ** 32 - 1])), DTypeError,
      `[fromSafetensors] "x" is U32 [1], and its element 0 is 4294967295, ${range}`);
  });

  it('BOOL bytes must be 0 or 1', () => {
    expect(load('BOOL', [3], new Uint8Array([1, 0, 1])).toArray()).toEqual([true, false, true]);
    expectError(() => load('BOOL', [3], new Uint8Array([1, 0, 2])), DTypeError, '[fromSafetensors] "x" is BOOL [3], and its element 2 is 2, not 0 or 1');
  });
});

describe('dtypes nabla cannot hold', () => {
  it('are a DTypeError naming the tensor and the dtype', () => {
    const reads = 'F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32, U16, U8, BOOL';
    for (const [code, bytes] of [['C64', 8], ['F8_E8M0', 1], ['F8_E4M3FNUZ', 1], ['F4', 1], ['F6_E2M3', 1], ['f32', 4], ['toString', 4]] as const) {
      expectError(() => load(code, [1], new Uint8Array(bytes)), DTypeError, `[fromSafetensors] "x" has dtype "${code}", which nabla does not read (it reads ${reads})`);
    }
  });
});

/** The F16/BF16 bits that toSafetensors writes for float64 values. */
function written(values: number[], format: 'F16' | 'BF16'): Uint16Array {
  const f = toSafetensors({ x: tensor(values, { dtype: 'float64' }) }, {}, { floatFormat: format });
  const n = Number(new DataView(f.buffer).getBigUint64(0, true));
  expect(JSON.parse(new TextDecoder().decode(f.subarray(8, 8 + n))).x.dtype).toBe(format);
  return new Uint16Array(f.slice(8 + n).buffer);
}

const FORMATS = { F16: [5, 10], BF16: [8, 7] } as const;

describe('writing F16 and BF16: round to nearest, ties to even', () => {
  it('specials and edges', () => {
    expect(Array.from(written([0, -0, 1, -2, 65504, 65519.99, 65520, 1e6, -Infinity, NaN, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -26 + 2 ** -40], 'F16')))
      .toEqual([0, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x7bff, 0x7c00, 0x7c00, 0xfc00, 0x7e00, 1, 0, 2, 0]);
    expect(Array.from(written([1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -40, 2 ** -14 - 2 ** -25], 'F16')))
      .toEqual([0x3c00, 0x3c02, 0x3c01, 0x0400]); // ties to even; above a tie rounds up; the largest subnormal rounds up to the smallest normal
    expect(Array.from(written([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.3895313892515355e38, 3.4e38, -1e39, 2 ** -133, 2 ** -134, 2 ** -134 * 3, 1e-300, NaN], 'BF16')))
      .toEqual([0x3f80, 0x3f80, 0x3f82, 0x7f7f, 0x7f80, 0xff80, 1, 0, 2, 0, 0x7fc0]);
  });

  it('int32 and bool tensors are written as they are; the 2-argument call and bad options', () => {
    const f = toSafetensors({ i: tensor([1, -2], { dtype: 'int32' }), b: tensor([true]), w: tensor([1.5]) }, {}, { floatFormat: 'BF16' });
    expect(fromSafetensors(f).dtypes).toEqual({ i: 'I32', b: 'BOOL', w: 'BF16' });
    expect(fromSafetensors(f).tensors.i!.toArray()).toEqual([1, -2]);
    expect(fromSafetensors(toSafetensors({ w: tensor([1.5]) })).dtypes).toEqual({ w: 'F32' });
    expectError(() => toSafetensors({ w: tensor([1]) }, {}, { floatFormat: 'F8' as never }), ArgumentError,
      "[toSafetensors] floatFormat must be 'F16' or 'BF16' (or left out), got \"F8\"");
  });

  for (const [format, [e, m]] of Object.entries(FORMATS)) {
    it(`${format}: each result is the nearest value, ties to the even one (property)`, () => {
      const max = reference(((2 ** e - 2) << m) | (2 ** m - 1), e, m);
      const ulpMax = 2 ** (2 ** (e - 1) - 1 - m);
      const values = fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -2 * max, max: 2 * max }),
        fc.double({ noNaN: true, min: -(2 ** (3 - 2 ** (e - 1))), max: 2 ** (3 - 2 ** (e - 1)) }), // around the subnormals
        fc.tuple(fc.integer({ min: 0, max: 2 ** (e + m) - 1 }), fc.constantFrom(0.5, 0.25, 0.75)).map(([bits, t]) => {
          const a = reference(bits, e, m);
          const b = reference(bits + 1, e, m);
          return Number.isFinite(a) && Number.isFinite(b) ? a + t * (b - a) : 0; // ties and near-ties between neighbours
        }),
      );
      fc.assert(fc.property(fc.array(values, { minLength: 1, maxLength: 20 }), (xs) => {
        const got = written(xs, format as 'F16' | 'BF16');
        xs.forEach((x, i) => {
          const bits = got[i]!;
          const r = reference(bits, e, m);
          const a = Math.abs(x);
          if (a >= max + ulpMax / 2) {
            expect(r, `${x} overflows`).toBe(Math.sign(x) * Infinity);
            return;
          }
          expect((bits >> (e + m)) & 1, `${x}: the sign`).toBe(x < 0 || Object.is(x, -0) ? 1 : 0);
          const mag = bits & ((1 << (e + m)) - 1);
          const below = mag > 0 ? Math.abs(reference(mag - 1, e, m)) : -Infinity;
          const above = Math.abs(reference(mag + 1, e, m));
          const err = Math.abs(a - Math.abs(r));
          expect(err <= Math.abs(a - below) && err <= Math.abs(above - a), `${x} → ${r} is not the nearest`).toBe(true);
          if (err > 0 && (err === Math.abs(a - below) || err === Math.abs(above - a))) expect(mag % 2, `${x}: a tie goes to the even neighbour`).toBe(0);
        });
      }), { numRuns: 300 });
    });

    it(`${format}: every finite bit pattern survives a write after a read`, () => {
      const patterns = Uint16Array.from(all(65536)).filter((h) => !Number.isNaN(reference(h, e, m)));
      const back = written(Array.from(load(format, [patterns.length], patterns).toTypedArray()), format as 'F16' | 'BF16');
      expect(back).toEqual(patterns);
    });
  }
});
