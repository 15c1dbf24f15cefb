/**
 * Weights as safetensors bytes (huggingface's format, readable by PyTorch's `safetensors` package):
 * an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
 * range, then the raw little-endian data. Loading gives back exactly the same bits.
 */
import { DTYPE_BYTES, allocate, type DType, type TypedArray } from '../base/dtype.js';
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../base/errors.js';
import { numel, showShape } from '../base/shape.js';
import { Tensor } from '../core/tensor.js';

const CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const DTYPE_OF: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', BOOL: 'bool' };

/** JS typed arrays use the platform's byte order; safetensors is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Serialises tensors (a state dict) to safetensors bytes, with optional string metadata.
 * @example
 * writeFileSync('model.safetensors', toSafetensors(model.stateDict(), { epochs: '10' }));
 */
export function toSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  check(LITTLE_ENDIAN, ArgumentError, () => '[toSafetensors] big-endian platforms are not supported');
  const entries: [string, unknown][] = Object.keys(metadata).length > 0 ? [['__metadata__', metadata]] : [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    check(t instanceof Tensor, ArgumentError, () => `[toSafetensors] "${name}" must be a Tensor, got ${fmt(t)}`);
    const data = t.toTypedArray();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    entries.push([name, { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] }]);
    chunks.push(bytes);
    offset += bytes.length;
  }
  // NOTE: fromEntries defines each name as an own property: `header[name] = …` with "__proto__" would set the prototype
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(entries)));
  const headerBytes = new Uint8Array(json.length + ((8 - ((8 + json.length) % 8)) % 8)).fill(0x20); // space-padded: the data starts 8-byte aligned
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** What `fromSafetensors` returns: the tensors by name and the header's metadata. */
export interface SafetensorsContent {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/**
 * Reads safetensors bytes back into tensors (F32, F64, I32 and BOOL), checking the file against the
 * format: a JSON object header within the bytes, one entry per tensor with a known dtype, a shape of
 * non-negative integers and a byte range of exactly its size, the ranges tiling the data section
 * (no overlaps, no gaps), each name once. A file that breaks them throws a typed error (ArgumentError,
 * or DTypeError/ShapeError for a tensor's dtype or size) naming the tensor.
 * @example
 * model.loadStateDict(fromSafetensors(readFileSync('model.safetensors')).tensors);
 */
export function fromSafetensors(bytes: Uint8Array): SafetensorsContent {
  check(bytes instanceof Uint8Array && bytes.length >= 8, ArgumentError, () => '[fromSafetensors] expected the bytes of a safetensors file (at least 8 bytes)');
  const declared = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  check(declared <= BigInt(bytes.length - 8), ArgumentError,
    () => `[fromSafetensors] the header length ${declared} runs past the end of the ${bytes.length} bytes given`);
  const headerLength = Number(declared);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength));
  const data = bytes.subarray(8 + headerLength);
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__').map(([name, e]) => parseEntry(name, e, data.length));
  checkTiling(entries, data.length);
  const tensors = Object.fromEntries(entries.map((e) => [e.name, readTensor(e, data)])); // fromEntries: "__proto__" stays a name
  return { tensors, metadata: parseMetadata(header.__metadata__) };
}

/** One tensor's header entry, checked. */
interface Entry {
  name: string;
  code: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** The header: UTF-8 JSON text of an object (starting with `{`, as the format requires), each key once. */
function parseHeader(raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new ArgumentError('[fromSafetensors] the header is not valid UTF-8');
  }
  check(text.startsWith('{'), ArgumentError, () => `[fromSafetensors] the header must be a JSON object starting with "{", got ${fmt(text.slice(0, 20))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new ArgumentError(`[fromSafetensors] the header is not valid JSON: ${(e as Error).message}`);
  }
  check(typeof header === 'object' && header !== null && !Array.isArray(header), ArgumentError, () => '[fromSafetensors] the header must be a JSON object');
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    check(!seen.has(key), ArgumentError, () => `[fromSafetensors] "${key}" appears more than once in the header`);
    seen.add(key);
  }
  return header as Record<string, unknown>;
}

/** The keys of the top-level object of valid JSON text, repeats included (JSON.parse keeps only the last). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      let j = i + 1;
      while (/\s/.test(text[j] ?? '')) j++;
      if (depth === 1 && text[j] === ':') keys.push(JSON.parse(text.slice(start, i + 1)) as string);
    }
  }
  return keys;
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** Checks one tensor's entry: `{ dtype, shape, data_offsets }` with a known dtype and a byte range of its size. */
function parseEntry(name: string, entry: unknown, dataLength: number): Entry {
  check(typeof entry === 'object' && entry !== null && !Array.isArray(entry), ArgumentError,
    () => `[fromSafetensors] "${name}" has a malformed header entry: expected { dtype, shape, data_offsets }, got ${fmt(entry)}`);
  const { dtype: code, shape, data_offsets: range } = entry as Record<string, unknown>;
  const dtype = typeof code === 'string' && Object.hasOwn(DTYPE_OF, code) ? DTYPE_OF[code]! : undefined;
  check(dtype !== undefined, DTypeError, () => `[fromSafetensors] "${name}" has dtype ${fmt(code)}, which nabla does not support (F32, F64, I32, BOOL)`);
  check(Array.isArray(shape) && shape.every(isCount), ShapeError, () => `[fromSafetensors] "${name}" has shape ${fmt(shape)}: expected a list of non-negative integers`);
  check(Array.isArray(range) && range.length === 2 && isCount(range[0]) && isCount(range[1]) && range[0] <= range[1], ArgumentError,
    () => `[fromSafetensors] "${name}" has data_offsets ${fmt(range)}: expected [begin, end] with 0 <= begin <= end`);
  const [begin, end] = range as [number, number];
  check(end <= dataLength, ArgumentError, () => `[fromSafetensors] "${name}" has byte range [${begin}, ${end}), past the end of the ${dataLength} data bytes`);
  const size = numel(shape) * DTYPE_BYTES[dtype];
  check(size === end - begin, ShapeError,
    () => `[fromSafetensors] "${name}" (${code} ${showShape(shape)}) needs ${size} bytes, but its byte range [${begin}, ${end}) holds ${end - begin}`);
  return { name, code: code as string, dtype, shape, begin, end };
}

/** The byte ranges must tile the data section exactly, as the format requires: no overlap, no gap, nothing after. */
function checkTiling(entries: readonly Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: Entry | null = null;
  for (const e of sorted) {
    check(e.begin >= at, ArgumentError,
      () => `[fromSafetensors] "${e.name}" (bytes [${e.begin}, ${e.end})) overlaps "${previous!.name}" (bytes [${previous!.begin}, ${previous!.end}))`);
    check(e.begin === at, ArgumentError,
      () => `[fromSafetensors] bytes [${at}, ${e.begin}) before "${e.name}" belong to no tensor: the byte ranges must tile the data section`);
    at = e.end;
    if (e.end > e.begin || previous === null) previous = e;
  }
  check(at === dataLength, ArgumentError,
    () => `[fromSafetensors] bytes [${at}, ${dataLength}) ${previous === null ? 'of the data' : `after "${previous.name}"`} belong to no tensor: the byte ranges must tile the data section`);
}

/** A tensor's values, copied out of the data section (aligned, bit-exact); BOOL bytes must be 0 or 1. */
function readTensor(e: Entry, data: Uint8Array): Tensor {
  const values: TypedArray = allocate(e.dtype, numel(e.shape));
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  bytes.set(data.subarray(e.begin, e.end));
  if (e.dtype === 'bool') {
    const bad = bytes.findIndex((b) => b > 1);
    check(bad < 0, DTypeError, () => `[fromSafetensors] "${e.name}" is BOOL, but its byte ${bad} is ${bytes[bad]} (not 0 or 1)`);
  }
  return Tensor.fromData(values, e.shape, e.dtype);
}

/** `__metadata__`: an object of strings, or absent. */
function parseMetadata(metadata: unknown): Record<string, string> {
  if (metadata === undefined) return {};
  check(typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && Object.values(metadata).every((v) => typeof v === 'string'),
    ArgumentError, () => `[fromSafetensors] __metadata__ must be an object of strings, got ${fmt(metadata)}`);
  return Object.fromEntries(Object.entries(metadata)) as Record<string, string>;
}
