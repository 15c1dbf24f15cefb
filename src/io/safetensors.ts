/**
 * Weights as safetensors bytes (huggingface's format, readable by PyTorch's `safetensors` package):
 * an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
 * range, then the raw little-endian data. Loading gives back exactly the same bits.
 */
import { allocate, type DType, type TypedArray } from '../core/dtype.js';
import { ArgumentError, check, fmt } from '../core/errors.js';
import { numel, showShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

const CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const DTYPE_OF: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', BOOL: 'bool' };
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** JS typed arrays use the platform's byte order; safetensors is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Serialises tensors (a state dict) to safetensors bytes, with optional string metadata.
 * @example
 * writeFileSync('model.safetensors', toSafetensors(model.stateDict(), { epochs: '10' }));
 */
export function toSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  check(LITTLE_ENDIAN, ArgumentError, () => '[toSafetensors] big-endian platforms are not supported');
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    check(t instanceof Tensor, ArgumentError, () => `[toSafetensors] "${name}" must be a Tensor, got ${fmt(t)}`);
    const data = t.toTypedArray();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // pad so that the data starts 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
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
 * Reads safetensors bytes back into tensors (F32, F64, I32 and BOOL), checking the header.
 * @example
 * model.loadStateDict(fromSafetensors(readFileSync('model.safetensors')).tensors);
 */
export function fromSafetensors(bytes: Uint8Array): SafetensorsContent {
  check(bytes instanceof Uint8Array && bytes.length >= 8, ArgumentError, () => '[fromSafetensors] expected the bytes of a safetensors file (at least 8 bytes)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  check(headerLength <= bytes.length - 8, ArgumentError, () => `[fromSafetensors] header length ${headerLength} exceeds the ${bytes.length} bytes given`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch (e) {
    throw new ArgumentError(`[fromSafetensors] the header is not valid JSON: ${(e as Error).message}`);
  }
  const data = bytes.subarray(8 + headerLength);
  const tensors: Record<string, Tensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype: code, shape, data_offsets: range } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const dtype = DTYPE_OF[code];
    check(dtype !== undefined, ArgumentError, () => `[fromSafetensors] "${name}" has dtype ${fmt(code)}, which nabla does not support (F32, F64, I32, BOOL)`);
    check(Array.isArray(shape) && Array.isArray(range) && range.length === 2, ArgumentError, () => `[fromSafetensors] "${name}" has a malformed header entry`);
    const [begin, end] = range;
    check(end - begin === numel(shape) * BYTES[dtype] && begin >= 0 && end <= data.length, ArgumentError,
      () => `[fromSafetensors] "${name}" (${code} ${showShape(shape)}) does not match its byte range [${begin}, ${end}) of ${data.length}`);
    const values: TypedArray = allocate(dtype, numel(shape));
    new Uint8Array(values.buffer, values.byteOffset, values.byteLength).set(data.subarray(begin, end)); // a copy: aligned, bit-exact
    tensors[name] = Tensor.fromData(values, shape, dtype);
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string> | undefined) ?? {} };
}
