/**
 * The one home of the safetensors format checks, shared by `fromSafetensors` (bytes in memory) and
 * `SafetensorsReader` (a file read in pieces): an 8-byte little-endian header length within the file
 * (and within safetensors' 100 MB limit), then a UTF-8 JSON object header, each key once, one entry
 * `{ dtype, shape, data_offsets }` per tensor with a dtype nabla reads, a shape of non-negative integers
 * and a byte range of exactly its size, the ranges tiling the data section (no overlap, no gap).
 */
import { type DType } from '../base/dtype.js';
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../base/errors.js';
import { numel, showShape } from '../base/shape.js';
import { FILE_DTYPES } from './safetensors-dtypes.js';

/** One tensor's header entry, checked: its file dtype code, the nabla dtype it becomes, its shape and data bytes. */
export interface SafetensorsEntry {
  name: string;
  code: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** A checked header: the tensors' entries in header order and `__metadata__`. */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
}

/**
 * The largest header safetensors accepts (its MAX_HEADER_SIZE), so a corrupt length cannot ask for gigabytes.
 * @example
 * MAX_HEADER_BYTES; // 100000000
 */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * The header length that a file's first 8 bytes declare, checked against the file's `fileSize`.
 * @example
 * readHeaderLength(bytes.subarray(0, 8), bytes.length, 'fromSafetensors'); // e.g. 128
 */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, op: string): number {
  const declared = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  check(declared <= BigInt(fileSize - 8), ArgumentError, () => `[${op}] the header length ${declared} runs past the end of the ${fileSize} bytes given`);
  check(declared <= BigInt(MAX_HEADER_BYTES), ArgumentError, () => `[${op}] the header length ${declared} is over safetensors' limit of ${MAX_HEADER_BYTES} bytes`);
  return Number(declared);
}

/**
 * Parses and checks a header (the bytes after the length) for a data section of `dataLength` bytes.
 * @example
 * const { entries, metadata } = parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n, 'fromSafetensors');
 */
export function parseHeader(raw: Uint8Array, dataLength: number, op: string): SafetensorsHeader {
  const header = parseJsonObject(raw, op);
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__').map(([name, e]) => parseEntry(name, e, dataLength, op));
  checkTiling(entries, dataLength, op);
  return { entries, metadata: parseMetadata(header.__metadata__, op) };
}

/** UTF-8 JSON text of an object (starting with `{`, as the format requires), each key once in each object. */
function parseJsonObject(raw: Uint8Array, op: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new ArgumentError(`[${op}] the header is not valid UTF-8`);
  }
  check(text.startsWith('{'), ArgumentError, () => `[${op}] the header must be a JSON object starting with "{", got ${fmt(text.slice(0, 20))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new ArgumentError(`[${op}] the header is not valid JSON: ${(e as Error).message}`);
  }
  check(typeof header === 'object' && header !== null && !Array.isArray(header), ArgumentError, () => `[${op}] the header must be a JSON object`);
  const repeat = repeatedKey(text);
  check(repeat === null, ArgumentError, () => (repeat!.path.length === 0
    ? `[${op}] "${repeat!.key}" appears more than once in the header`
    : `[${op}] "${repeat!.key}" appears more than once in the header's "${repeat!.path.join('.')}"`));
  return header as Record<string, unknown>;
}

/** A key that appears twice in one object, and the keys leading to that object (empty: the top level). */
export interface RepeatedKey {
  key: string;
  path: string[];
}

/**
 * The first key that appears twice in one object of valid JSON text (JSON.parse would keep the last silently).
 * @example
 * repeatedKey('{"a":{"b":1,"b":2}}'); // { key: 'b', path: ['a'] }
 */
export function repeatedKey(text: string): RepeatedKey | null {
  // one frame per open object (its keys so far) or array (null); `under`: the key the container sits under
  const frames: { keys: Set<string> | null; last: string | null; under: string | null }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = frames[frames.length - 1];
    if (c === '{' || c === '[') frames.push({ keys: c === '{' ? new Set() : null, last: null, under: top?.keys ? top.last : null });
    else if (c === '}' || c === ']') frames.pop();
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      let j = i + 1;
      while (/\s/.test(text[j] ?? '')) j++;
      if (text[j] !== ':' || !top?.keys) continue;
      const key = JSON.parse(text.slice(start, i + 1)) as string;
      if (top.keys.has(key)) return { key, path: frames.slice(1).map((f) => f.under ?? '[]') };
      top.keys.add(key);
      top.last = key;
    }
  }
  return null;
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

const READ_CODES = Object.keys(FILE_DTYPES).join(', ');

/** Checks one tensor's entry: `{ dtype, shape, data_offsets }` with a dtype nabla reads and a byte range of its size. */
function parseEntry(name: string, entry: unknown, dataLength: number, op: string): SafetensorsEntry {
  check(typeof entry === 'object' && entry !== null && !Array.isArray(entry), ArgumentError,
    () => `[${op}] "${name}" has a malformed header entry: expected { dtype, shape, data_offsets }, got ${fmt(entry)}`);
  const { dtype: code, shape, data_offsets: range } = entry as Record<string, unknown>;
  const known = typeof code === 'string' && Object.hasOwn(FILE_DTYPES, code) ? FILE_DTYPES[code]! : undefined;
  check(known !== undefined, DTypeError, () => `[${op}] "${name}" has dtype ${fmt(code)}, which nabla does not read (it reads ${READ_CODES})`);
  check(Array.isArray(shape) && shape.every(isCount), ShapeError, () => `[${op}] "${name}" has shape ${fmt(shape)}: expected a list of non-negative integers`);
  check(Array.isArray(range) && range.length === 2 && isCount(range[0]) && isCount(range[1]) && range[0] <= range[1], ArgumentError,
    () => `[${op}] "${name}" has data_offsets ${fmt(range)}: expected [begin, end] with 0 <= begin <= end`);
  const [begin, end] = range as [number, number];
  check(end <= dataLength, ArgumentError, () => `[${op}] "${name}" has byte range [${begin}, ${end}), past the end of the ${dataLength} data bytes`);
  const size = numel(shape) * known.bytes;
  check(size === end - begin, ShapeError,
    () => `[${op}] "${name}" (${code} ${showShape(shape)}) needs ${size} bytes, but its byte range [${begin}, ${end}) holds ${end - begin}`);
  return { name, code: code as string, dtype: known.dtype, shape, begin, end };
}

/** The byte ranges must tile the data section exactly, as the format requires: no overlap, no gap, nothing after. */
function checkTiling(entries: readonly SafetensorsEntry[], dataLength: number, op: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: SafetensorsEntry | null = null;
  for (const e of sorted) {
    check(e.begin >= at, ArgumentError,
      () => `[${op}] "${e.name}" (bytes [${e.begin}, ${e.end})) overlaps "${previous!.name}" (bytes [${previous!.begin}, ${previous!.end}))`);
    check(e.begin === at, ArgumentError,
      () => `[${op}] bytes [${at}, ${e.begin}) before "${e.name}" belong to no tensor: the byte ranges must tile the data section`);
    at = e.end;
    if (e.end > e.begin || previous === null) previous = e;
  }
  check(at === dataLength, ArgumentError,
    () => `[${op}] bytes [${at}, ${dataLength}) ${previous === null ? 'of the data' : `after "${previous.name}"`} belong to no tensor: the byte ranges must tile the data section`);
}

/** `__metadata__`: an object of strings, or absent. */
function parseMetadata(metadata: unknown, op: string): Record<string, string> {
  if (metadata === undefined) return {};
  check(typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && Object.values(metadata).every((v) => typeof v === 'string'),
    ArgumentError, () => `[${op}] __metadata__ must be an object of strings, got ${fmt(metadata)}`);
  return Object.fromEntries(Object.entries(metadata)) as Record<string, string>;
}
