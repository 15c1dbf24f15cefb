/**
 * Files from the real library, both ways (test/fixtures/safetensors/, made offline by
 * scripts/fixtures/safetensors_dtypes.py and scripts/fixtures/safetensors-nabla.ts; see the former):
 * - huggingface's safetensors.torch.save_file wrote one tensor of each dtype, an int64 out of int32's
 *   range and a 2-shard checkpoint; nabla reads each as the conversion rule says (bits as torch widens
 *   them, NaN as NaN), through fromSafetensors, SafetensorsReader (FileHandle, Blob) and the shard readers;
 * - nabla wrote F32/F64/I32/BOOL, F16 and BF16 files and a sharded checkpoint, which Python loaded with
 *   safetensors.torch.load_file and checked bit for bit (recording their sha256); nabla still writes
 *   exactly those bytes.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DTypeError, SafetensorsReader, ShardedSafetensorsReader, Tensor, fromSafetensors, fromShardedSafetensors, toSafetensors,
  toShardedSafetensors,
} from '../src/index.js';
import { expectError } from './helpers/expect.js';

const root = new URL('./fixtures/safetensors/', import.meta.url);
const read = (path: string): Buffer => readFileSync(new URL(path, root));
const json = <T>(path: string): T => JSON.parse(read(path).toString('utf8')) as T;

interface Expected { dtype: string; shape: number[]; bits?: string[]; values?: number[] }
const expected = json<{ dtypes: Record<string, Expected>; sharded: Record<string, Expected>; nanPayloadF16: string }>('hf-expected.json');

/** The nabla dtype each file dtype becomes. */
const NABLA: Record<string, string> = {
  F64: 'float64', F32: 'float32', F16: 'float32', BF16: 'float32', F8_E4M3: 'float32', F8_E5M2: 'float32',
  I64: 'int32', I32: 'int32', I16: 'int32', I8: 'int32', U64: 'int32', U32: 'int32', U16: 'int32', U8: 'int32', BOOL: 'bool',
};

/** A tensor's elements as hex bits (floats) or numbers (integers, bool). */
function elements(t: Tensor): (string | number)[] {
  const data = t.toTypedArray();
  if (t.dtype === 'float32') return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length), (b) => `0x${b.toString(16).padStart(8, '0')}`);
  if (t.dtype === 'float64') return Array.from(new BigUint64Array(data.buffer, data.byteOffset, data.length), (b) => `0x${b.toString(16).padStart(16, '0')}`);
  return Array.from(data);
}

const isNaNBits = (hex: string): boolean => (hex.length === 10
  ? (Number(hex) & 0x7f800000) === 0x7f800000 && (Number(hex) & 0x7fffff) !== 0
  : (BigInt(hex) & 0x7ff0000000000000n) === 0x7ff0000000000000n && (BigInt(hex) & 0xfffffffffffffn) !== 0n);

/** The tensor is what torch read from the same file: dtype by the rule, shape, and bits (any NaN for a NaN: torch does not keep payloads). */
function expectAsTorch(name: string, t: Tensor, fileDType: string, e: Expected): void {
  expect([name, fileDType, t.dtype, t.shape]).toEqual([name, e.dtype, NABLA[e.dtype], e.shape]);
  const got = elements(t);
  if (e.values) expect(got, name).toEqual(e.values);
  else {
    e.bits!.forEach((bits, i) => {
      if (isNaNBits(bits)) expect(isNaNBits(got[i] as string), `${name}[${i}] is NaN`).toBe(true);
      else expect(got[i], `${name}[${i}]`).toBe(bits);
    });
  }
}

describe('files written by huggingface safetensors', () => {
  it('every dtype converts as the rule says (fromSafetensors)', () => {
    const { tensors, dtypes, metadata } = fromSafetensors(read('hf-dtypes.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected.dtypes).sort());
    for (const [name, e] of Object.entries(expected.dtypes)) expectAsTorch(name, tensors[name]!, dtypes[name]!, e);
    expect(Object.values(dtypes).sort()).toEqual(expect.arrayContaining(['BF16', 'BOOL', 'F16', 'F32', 'F64', 'I16', 'I32', 'I64', 'I8', 'U8']));
    // NaNs keep their sign and payload when widened (0xfe01 → 0xffc02000); a quiet NaN stays 0x7fc00000
    expect(expected.nanPayloadF16).toBe('0xfe01');
    expect(elements(tensors.f16!).slice(12)).toEqual(['0x7fc00000', '0xffc02000']);
    expect(tensors.u8!.toArray()).toEqual([0, 1, 127, 128, 200, 255]);
    expect(tensors.f16!.toArray()).toEqual([[0, -0, 1, -2, 65504, -65504, 2 ** -14], [2 ** -24, 3 * 2 ** -24, 0.333251953125, Infinity, -Infinity, NaN, NaN]]);
  });

  it('the reader gives the same tensors from a FileHandle and a Blob, reading the header only when opened', async () => {
    const bytes = read('hf-dtypes.safetensors');
    const handle = await open(new URL('hf-dtypes.safetensors', root));
    try {
      for (const source of [handle, new Blob([bytes])]) {
        const reader = await SafetensorsReader.open(source);
        expect(reader.names.sort()).toEqual(Object.keys(expected.dtypes).sort());
        expect(reader.info('f16')).toMatchObject({ dtype: 'F16', shape: [2, 7] });
        for (const [name, e] of Object.entries(expected.dtypes)) expectAsTorch(name, await reader.tensor(name), reader.dtypes[name]!, e);
      }
    } finally {
      await handle.close();
    }
  });

  it('an int64 out of int32 range is a DTypeError naming the tensor, the element and the value', async () => {
    const message = '"step" is I64 [3], and its element 1 is 2147483648, outside int32\'s range [-2147483648, 2147483647] (nabla holds integers as int32)';
    expectError(() => fromSafetensors(read('hf-int64-overflow.safetensors')), DTypeError, `[fromSafetensors] ${message}`);
    const reader = await SafetensorsReader.open(read('hf-int64-overflow.safetensors'));
    expect(reader.info('step')).toEqual({ dtype: 'I64', shape: [3], dataOffsets: [0, 24] });
    expect((await reader.tensor('ok')).toArray()).toEqual([1]);
    await expect(reader.tensor('step')).rejects.toThrow(new DTypeError(`[SafetensorsReader.tensor] ${message}`));
  });

  it('the 2-shard checkpoint loads through its index, in memory and shard by shard', async () => {
    const index = read('hf-sharded/model.safetensors.index.json').toString('utf8');
    const files = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    const content = fromShardedSafetensors(index, Object.fromEntries(files.map((f) => [f, read(`hf-sharded/${f}`)])));
    expect(content.metadata).toEqual({ total_size: 272 });
    expect(Object.keys(content.tensors).sort()).toEqual(Object.keys(expected.sharded).sort());
    for (const [name, e] of Object.entries(expected.sharded)) expectAsTorch(name, content.tensors[name]!, content.dtypes[name]!, e);

    const reader = await ShardedSafetensorsReader.open(index, (file) => open(new URL(`hf-sharded/${file}`, root)));
    try {
      expect(reader.files).toEqual(files);
      expect(reader.fileOf('embed.weight')).toBe(files[0]);
      expect(reader.dtypes['layers.0.weight']).toBe('BF16');
      for (const [name, e] of Object.entries(expected.sharded)) expectAsTorch(name, await reader.tensor(name), reader.dtypes[name]!, e);
    } finally {
      await reader.close();
    }
  });
});

interface Input { dtype: 'float32' | 'float64' | 'int32' | 'bool'; shape: number[]; bits: (string | number)[] }

/** The tensors of nabla-inputs.json, bit for bit. */
function inputs(): Record<string, Tensor> {
  const { tensors } = json<{ tensors: Record<string, Input> }>('nabla-inputs.json');
  return Object.fromEntries(Object.entries(tensors).map(([name, { dtype, shape, bits }]) => {
    let data: Float32Array | Float64Array | Int32Array | Uint8Array;
    if (dtype === 'float32') data = new Float32Array(new Uint32Array(bits.map((b) => Number(b))).buffer);
    else if (dtype === 'float64') data = new Float64Array(new BigUint64Array(bits.map((b) => BigInt(b))).buffer);
    else data = dtype === 'int32' ? Int32Array.from(bits as number[]) : Uint8Array.from(bits as number[]);
    return [name, Tensor.fromData(data, shape, dtype)];
  }));
}

describe('files written by nabla, checked by huggingface safetensors', () => {
  const checked = json<{ sha256: Record<string, string> }>('nabla-checked.json').sha256;
  const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

  it('PyTorch checked exactly the committed bytes, and nabla still writes them', () => {
    const state = inputs();
    const written: Record<string, Uint8Array> = {
      'nabla-f32.safetensors': toSafetensors(state, { writer: 'nabla' }),
      'nabla-f16.safetensors': toSafetensors(state, { writer: 'nabla' }, { floatFormat: 'F16' }),
      'nabla-bf16.safetensors': toSafetensors(state, { writer: 'nabla' }, { floatFormat: 'BF16' }),
    };
    const sharded = toShardedSafetensors(state, { maxShardSize: 96 });
    written[`nabla-sharded/${sharded.indexFileName}`] = new TextEncoder().encode(sharded.indexJson);
    for (const [file, bytes] of Object.entries(sharded.shards)) written[`nabla-sharded/${file}`] = bytes;
    expect(Object.keys(written).sort()).toEqual(Object.keys(checked).sort());
    for (const [file, bytes] of Object.entries(written)) {
      expect(sha(read(file)), `${file} is the file Python checked`).toBe(checked[file]);
      expect(sha(bytes), `nabla writes ${file} today`).toBe(checked[file]);
    }
  });

  it('nabla reads its F16/BF16 files back as float32 that round to the same bits again', () => {
    for (const format of ['F16', 'BF16'] as const) {
      const file = read(`nabla-${format.toLowerCase()}.safetensors`);
      const { tensors, dtypes } = fromSafetensors(file);
      expect(dtypes).toEqual({ f32: format, f64: format, matrix: format, i32: 'I32', mask: 'BOOL', empty: format, scalar: format });
      expect(tensors.f64!.dtype).toBe('float32');
      expect(Buffer.from(toSafetensors(tensors, { writer: 'nabla' }, { floatFormat: format })).equals(file)).toBe(true);
    }
    const f16 = fromSafetensors(read('nabla-f16.safetensors')).tensors.f32!.toArray() as number[];
    // 65519 → 65504, 65520 and 1e6 → inf, 2^-25 (a tie) → 0, 3·2^-25 (a tie) → 2^-23, 1 + 2^-11 (a tie) → 1
    expect([f16[7], f16[8], f16[9], f16[12], f16[13], f16[16], f16[17]]).toEqual([65504, Infinity, Infinity, 0, 2 ** -23, 1, 1 + 2 ** -9]);
  });
});
