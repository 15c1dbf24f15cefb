/**
 * The dtypes of safetensors files and how nabla holds each one. nabla computes in float32, float64,
 * int32 and bool, so a file's tensor is converted, never silently changed:
 *
 * | file dtype                        | nabla   | conversion                                              |
 * |-----------------------------------|---------|---------------------------------------------------------|
 * | F32, F64, I32, BOOL               | same    | none (BOOL bytes must be 0 or 1)                        |
 * | F16, BF16, F8_E4M3, F8_E5M2       | float32 | exact widening (subnormals, ±inf, NaN, -0)              |
 * | I16, I8, U16, U8                  | int32   | exact                                                   |
 * | I64, U64, U32                     | int32   | exact when every value fits int32, else a DTypeError    |
 * | anything else (C64, F8_E8M0, F4…) | —       | a DTypeError naming the tensor and the dtype            |
 */
import { allocate, type DType, type TypedArray } from '../base/dtype.js';
import { ArgumentError, DTypeError, check } from '../base/errors.js';
import { numel, showShape } from '../base/shape.js';
import { bf16Bits, f16Bits, f16ToF32Bits, f8e4m3Value } from './safetensors-float.js';

/** A file dtype nabla reads: its bytes per element and the dtype it becomes. */
interface FileDType {
  bytes: number;
  dtype: DType;
}

/**
 * The safetensors dtype codes nabla reads, with their element size and the nabla dtype they become.
 * @example
 * FILE_DTYPES.BF16; // { bytes: 2, dtype: 'float32' }
 */
export const FILE_DTYPES: Readonly<Record<string, FileDType>> = {
  F64: { bytes: 8, dtype: 'float64' },
  F32: { bytes: 4, dtype: 'float32' },
  F16: { bytes: 2, dtype: 'float32' },
  BF16: { bytes: 2, dtype: 'float32' },
  F8_E4M3: { bytes: 1, dtype: 'float32' },
  F8_E5M2: { bytes: 1, dtype: 'float32' },
  I64: { bytes: 8, dtype: 'int32' },
  I32: { bytes: 4, dtype: 'int32' },
  I16: { bytes: 2, dtype: 'int32' },
  I8: { bytes: 1, dtype: 'int32' },
  U64: { bytes: 8, dtype: 'int32' },
  U32: { bytes: 4, dtype: 'int32' },
  U16: { bytes: 2, dtype: 'int32' },
  U8: { bytes: 1, dtype: 'int32' },
  BOOL: { bytes: 1, dtype: 'bool' },
};

/** The code each nabla dtype is written with. */
const CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

/** JS typed arrays use the platform's byte order; safetensors is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Checks that typed arrays here are little-endian, as safetensors data is.
 * @example
 * checkLittleEndian('fromSafetensors');
 */
export function checkLittleEndian(op: string): void {
  check(LITTLE_ENDIAN, ArgumentError, () => `[${op}] big-endian platforms are not supported`);
}

/** The first element of a tensor that breaks a rule, and what to say about it. */
interface BadElement {
  index: number;
  value: string;
  rule: string;
}

/**
 * The nabla values of one tensor's raw little-endian bytes (exactly its size) of file dtype `code`,
 * converted as the table in this module says; a value that cannot be held throws a DTypeError naming
 * `op`, the tensor, the element and the value.
 * @example
 * decodeTensor('fromSafetensors', 'w', 'F16', [1], new Uint8Array([0x00, 0x3c])); // Float32Array [1]
 */
export function decodeTensor(op: string, name: string, code: string, shape: readonly number[], raw: Uint8Array): TypedArray {
  checkLittleEndian(op);
  const { dtype } = FILE_DTYPES[code]!;
  const n = numel(shape);
  const out = allocate(dtype, n);
  if (CODES[dtype] === code) {
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(raw);
    const bad = code === 'BOOL' ? findBad(out, (b) => b > 1) : -1;
    if (bad >= 0) badElement(op, name, code, shape, { index: bad, value: String(out[bad]), rule: 'not 0 or 1' });
    return out;
  }
  const buffer = new Uint8Array(raw).buffer; // a copy, aligned for the views below (NOTE: a Buffer's slice() is a view, not a copy)
  const problem = convert(code, buffer, out, n);
  if (problem !== null) badElement(op, name, code, shape, problem);
  return out;
}

/** Converts `buffer` (file dtype `code`, `n` elements) into `out`; returns the first value out of int32's range. */
function convert(code: string, buffer: ArrayBuffer, out: TypedArray, n: number): BadElement | null {
  const outBits = (): Uint32Array => new Uint32Array(out.buffer, out.byteOffset, n);
  switch (code) {
    case 'F16': return each(new Uint16Array(buffer), outBits(), f16ToF32Bits);
    case 'BF16': return each(new Uint16Array(buffer), outBits(), (b) => b << 16);
    case 'F8_E5M2': return each(new Uint8Array(buffer), outBits(), (b) => f16ToF32Bits(b << 8)); // the top byte of an F16
    case 'F8_E4M3': return each(new Uint8Array(buffer), out, f8e4m3Value);
    case 'I16': return each(new Int16Array(buffer), out, (v) => v);
    case 'I8': return each(new Int8Array(buffer), out, (v) => v);
    case 'U16': return each(new Uint16Array(buffer), out, (v) => v);
    case 'U8': return each(new Uint8Array(buffer), out, (v) => v);
    case 'U32': return narrow(new Uint32Array(buffer), out as Int32Array);
    default: return narrow64(code === 'U64', new Int32Array(buffer), out as Int32Array);
  }
}

function each(from: ArrayLike<number>, to: { [i: number]: number }, f: (v: number) => number): null {
  for (let i = 0; i < from.length; i++) to[i] = f(from[i]!);
  return null;
}

const INT32_RANGE = 'outside int32\'s range [-2147483648, 2147483647] (nabla holds integers as int32)';

/** U32 values into int32, or the first one above 2^31 - 1. */
function narrow(from: Uint32Array, to: Int32Array): BadElement | null {
  for (let i = 0; i < from.length; i++) {
    if (from[i]! > 0x7fffffff) return { index: i, value: String(from[i]), rule: INT32_RANGE };
    to[i] = from[i]!;
  }
  return null;
}

/** I64/U64 values (two 32-bit halves each, low first) into int32, or the first one out of its range. */
function narrow64(unsigned: boolean, halves: Int32Array, to: Int32Array): BadElement | null {
  for (let i = 0; i < to.length; i++) {
    const low = halves[2 * i]!;
    const high = halves[2 * i + 1]!;
    // in range: the high half is the low half's sign extension (and, unsigned, both are non-negative)
    if (high !== low >> 31 || (unsigned && low < 0)) {
      const bits = (BigInt(high) << 32n) | BigInt(low >>> 0);
      return { index: i, value: String(unsigned ? BigInt.asUintN(64, bits) : BigInt.asIntN(64, bits)), rule: INT32_RANGE };
    }
    to[i] = low;
  }
  return null;
}

function findBad(values: TypedArray, bad: (v: number) => boolean): number {
  for (let i = 0; i < values.length; i++) if (bad(values[i]!)) return i;
  return -1;
}

/** The index of element `flat` of a row-major `shape`, e.g. `[1,0]`. */
function unravel(flat: number, shape: readonly number[]): string {
  const index: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return showShape(index);
}

function badElement(op: string, name: string, code: string, shape: readonly number[], e: BadElement): never {
  const at = shape.length > 1 ? ` (at ${unravel(e.index, shape)})` : '';
  throw new DTypeError(`[${op}] "${name}" is ${code} ${showShape(shape)}, and its element ${e.index}${at} is ${e.value}, ${e.rule}`);
}

/** How float tensors are written: as they are (F32 for float32, F64 for float64), or all as F16 or BF16. */
export type FloatFormat = 'F16' | 'BF16';

/**
 * A tensor's values as the file dtype code and little-endian bytes it is written with: float tensors
 * in `floatFormat` when given (rounded to nearest, ties to even), else each dtype's own code.
 * @example
 * encodeTensor(tensor([1, 2]).toTypedArray(), 'float32', 'BF16'); // { code: 'BF16', bytes: Uint8Array [128, 63, 0, 64] }
 */
export function encodeTensor(values: TypedArray, dtype: DType, floatFormat?: FloatFormat): { code: string; bytes: Uint8Array } {
  if (floatFormat === undefined || dtype === 'int32' || dtype === 'bool') {
    return { code: CODES[dtype], bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
  }
  const round = floatFormat === 'F16' ? f16Bits : bf16Bits;
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) bits[i] = round(values[i]!);
  return { code: floatFormat, bytes: new Uint8Array(bits.buffer) };
}
