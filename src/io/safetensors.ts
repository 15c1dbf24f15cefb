/**
 * Weights as safetensors bytes (huggingface's format, readable by PyTorch's `safetensors` package):
 * an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
 * range, then the raw little-endian data. nabla's own dtypes load back as exactly the same bits; the
 * other dtypes of Hugging Face checkpoints are converted as safetensors-dtypes.ts tabulates.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { Tensor } from '../core/tensor.js';
import { checkLittleEndian, decodeTensor, encodeTensor, type FloatFormat } from './safetensors-dtypes.js';
import { parseHeader, readHeaderLength, type SafetensorsEntry, type SafetensorsHeader } from './safetensors-header.js';

/** Options of `toSafetensors`. */
export interface SafetensorsWriteOptions {
  /**
   * Write every float tensor (float32 and float64) as F16 or BF16, rounded to nearest with ties to even
   * (too large for F16 gives ±inf, NaN stays NaN); int32 and bool tensors are written as they are.
   * Default: each tensor in its own dtype (F32, F64, I32, BOOL).
   */
  floatFormat?: FloatFormat;
}

/**
 * Serialises tensors (a state dict) to safetensors bytes, with optional string metadata; float tensors
 * are written as F32/F64, or all as F16 or BF16 with `{ floatFormat }`.
 * @example
 * writeFileSync('model.safetensors', toSafetensors(model.stateDict(), { epochs: '10' }));
 * writeFileSync('model-bf16.safetensors', toSafetensors(model.stateDict(), {}, { floatFormat: 'BF16' }));
 */
export function toSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}, options: SafetensorsWriteOptions = {}): Uint8Array {
  checkLittleEndian('toSafetensors');
  const { floatFormat } = options;
  check(floatFormat === undefined || floatFormat === 'F16' || floatFormat === 'BF16', ArgumentError,
    () => `[toSafetensors] floatFormat must be 'F16' or 'BF16' (or left out), got ${fmt(floatFormat)}`);
  const entries: [string, unknown][] = Object.keys(metadata).length > 0 ? [['__metadata__', metadata]] : [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    check(t instanceof Tensor, ArgumentError, () => `[toSafetensors] "${name}" must be a Tensor, got ${fmt(t)}`);
    const { code, bytes } = encodeTensor(t.toTypedArray(), t.dtype, floatFormat);
    entries.push([name, { dtype: code, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] }]);
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

/**
 * What `fromSafetensors` returns: the tensors by name, the header's metadata, and each tensor's dtype
 * code in the file (`'F32'`, `'BF16'`, `'I64'`, …), which tells a converted tensor (BF16 → float32).
 */
export interface SafetensorsContent {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
  dtypes: Record<string, string>;
}

/**
 * Reads safetensors bytes back into tensors, checking the file against the format: a JSON object
 * header within the bytes, one entry per tensor with a dtype nabla reads, a shape of non-negative
 * integers and a byte range of exactly its size, the ranges tiling the data section (no overlaps, no
 * gaps), each name once. A file that breaks them throws a typed error (ArgumentError, or
 * DTypeError/ShapeError for a tensor's dtype or size) naming the tensor.
 *
 * Every dtype of Hugging Face checkpoints is read: F32 → float32, F64 → float64, I32 → int32 and
 * BOOL → bool as they are; F16, BF16, F8_E4M3, F8_E5M2 → float32 (exact widening: subnormals, ±inf, NaN,
 * -0); I16, I8, U16, U8 → int32 (exact); I64, U64, U32 → int32 when every value fits, else a DTypeError
 * naming the tensor, the element and the value (never a silent wrap-around). Other dtypes (C64,
 * F8_E8M0, F4, …) throw a DTypeError naming the tensor and the dtype. `dtypes` says what each tensor
 * was in the file.
 * @example
 * const { tensors, dtypes } = fromSafetensors(readFileSync('model.safetensors'));
 * model.loadStateDict(tensors);
 * dtypes['lm_head.weight']; // 'BF16' (loaded as float32)
 */
export function fromSafetensors(bytes: Uint8Array): SafetensorsContent {
  const op = 'fromSafetensors';
  const { entries, metadata, data } = splitSafetensors(bytes, op);
  // fromEntries: "__proto__" stays a name
  const tensors = Object.fromEntries(entries.map((e) => [e.name, entryTensor(op, e, data.subarray(e.begin, e.end))]));
  return { tensors, metadata, dtypes: Object.fromEntries(entries.map((e) => [e.name, e.code])) };
}

/**
 * The checked header of safetensors bytes and their data section (not yet read into tensors).
 * @example
 * const { entries, metadata, data } = splitSafetensors(bytes, 'fromSafetensors');
 */
export function splitSafetensors(bytes: Uint8Array, op: string): SafetensorsHeader & { data: Uint8Array } {
  check(bytes instanceof Uint8Array && bytes.length >= 8, ArgumentError, () => `[${op}] expected the bytes of a safetensors file (at least 8 bytes)`);
  const headerLength = readHeaderLength(bytes.subarray(0, 8), bytes.length, op);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), bytes.length - 8 - headerLength, op);
  return { ...header, data: bytes.subarray(8 + headerLength) };
}

/**
 * A tensor from its checked header entry and its raw bytes (exactly `e.end - e.begin` of them), converted to nabla's dtype.
 * @example
 * entryTensor('fromSafetensors', entry, data.subarray(entry.begin, entry.end));
 */
export function entryTensor(op: string, e: SafetensorsEntry, raw: Uint8Array): Tensor {
  return Tensor.fromData(decodeTensor(op, e.name, e.code, e.shape, raw), e.shape, e.dtype);
}
