/**
 * Helpers shared by the tokenizers and the sampling functions: argument checks and a lossless
 * string ↔ bytes codec (WTF-8: UTF-8 that also encodes lone surrogates, so every JS string
 * round-trips, where `TextEncoder` would replace a lone surrogate with U+FFFD).
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { Tensor } from '../core/tensor.js';

/** Token ids as accepted by `decode`: a number array, an Int32Array or a 1-d tensor. */
export type TokenIds = readonly number[] | Int32Array | Tensor;

export { checkOptionNames } from '../base/options.js';

/**
 * Token ids as a number array, each checked to be an integer in [0, vocabSize).
 * @example
 * idsArg(tensor([1, 2], { dtype: 'int32' }), 10, 'CharTokenizer.decode'); // [1, 2]
 */
export function idsArg(ids: unknown, vocabSize: number, op: string): number[] {
  let list: number[];
  if (ids instanceof Tensor) {
    check(ids.ndim <= 1, ArgumentError, () => `[${op}] ids must be a 0-d or 1-d tensor, got ${ids.ndim} dims`);
    list = Array.from(ids.toTypedArray());
  } else {
    check(Array.isArray(ids) || ids instanceof Int32Array, ArgumentError,
      () => `[${op}] ids must be a number array, an Int32Array or a 1-d tensor, got ${fmt(ids)}`);
    list = Array.from(ids as ArrayLike<number>);
  }
  list.forEach((id, i) => check(Number.isSafeInteger(id) && id >= 0 && id < vocabSize, ArgumentError,
    () => `[${op}] ids[${i}] must be a token id, an integer in [0, ${vocabSize}), got ${fmt(id)}`));
  return list;
}

/**
 * A JSON text or object as a plain object; a syntax error or a non-object throws an ArgumentError.
 * @example
 * parseJSON('{"type": "nabla.CharTokenizer"}', 'CharTokenizer.fromJSON');
 */
export function parseJSON(json: unknown, op: string): Record<string, unknown> {
  let obj = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json) as unknown;
    } catch (error) {
      throw new ArgumentError(`[${op}] invalid JSON: ${(error as Error).message}`);
    }
  }
  check(typeof obj === 'object' && obj !== null && !Array.isArray(obj), ArgumentError,
    () => `[${op}] expected a JSON object (or its text), got ${fmt(obj)}`);
  return obj as Record<string, unknown>;
}

/**
 * The WTF-8 bytes of a string: UTF-8, with each lone surrogate encoded as a 3-byte sequence.
 * @example
 * stringToBytes('é'); // [0xc3, 0xa9]
 */
export function stringToBytes(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/** The allowed range of the second byte for a lead byte (WTF-8: ED may start a surrogate); null if invalid. */
function secondByteRange(lead: number): [number, number, number] | null {
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf];
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f];
  return null;
}

/**
 * Decodes WTF-8 bytes (the inverse of `stringToBytes`); a malformed sequence (as a token list cut
 * inside a character gives) becomes U+FFFD, one per maximal invalid subpart as `TextDecoder` does.
 * @example
 * bytesToString([0xc3, 0xa9]); // 'é'
 */
export function bytesToString(bytes: ArrayLike<number>): string {
  const units: number[] = [];
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      units.push(lead);
      i++;
    } else {
      i = decodeSequence(bytes, i, units);
    }
    if (units.length >= 8192) {
      out += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  return out + String.fromCharCode(...units);
}

/** Decodes the multi-byte sequence at `i` into `units`; returns the index after it. */
function decodeSequence(bytes: ArrayLike<number>, i: number, units: number[]): number {
  const range = secondByteRange(bytes[i]!);
  if (range === null) {
    units.push(0xfffd);
    return i + 1;
  }
  const [length, low, high] = range;
  let c = bytes[i]! & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const b = bytes[i + k];
    const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
    if (b === undefined || b < min || b > max) {
      units.push(0xfffd);
      return i + k;
    }
    c = (c << 6) | (b & 63);
  }
  if (c >= 0x10000) units.push(0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff));
  else units.push(c);
  return i + length;
}
