/**
 * SafetensorsReader reads a file in pieces: the length and header when opened (checked exactly as
 * fromSafetensors checks them: same errors), then only the byte ranges of the tensors asked for, from
 * bytes, a Blob, a Node FileHandle or a plain `{ size, read }` source; `loadInto` fills a module one
 * tensor at a time with loadStateDict's rules.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ArgumentError, DTypeError, NablaError, SafetensorsReader, ShapeError, fromSafetensors, nn, randn, tensor, toSafetensors,
  type ByteSource, type Tensor,
} from '../src/index.js';
import { expectRejects } from './helpers/expect.js';

const bits = (t: Tensor): number[] => Array.from(new Uint8Array(t.toTypedArray().buffer, t.toTypedArray().byteOffset, t.toTypedArray().byteLength));


/** A `{ size, read }` source over bytes that logs each read as [position, length]. */
function logged(bytes: Uint8Array): ByteSource & { reads: [number, number][] } {
  const reads: [number, number][] = [];
  return { size: bytes.length, reads, read: async (position, length) => (reads.push([position, length]), bytes.slice(position, position + length)) };
}

const state = { 'fc.weight': randn([3, 4]), 'fc.bias': randn([3]), steps: tensor([7], { dtype: 'int32' }), mask: tensor([true, false]) };
const bytes = toSafetensors(state, { epoch: '2' });
const dir = mkdtempSync(join(tmpdir(), 'nabla-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SafetensorsReader', () => {
  it('reads the same tensors from bytes, a Blob, a FileHandle and a { size, read } source', async () => {
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, bytes);
    const handle = await open(path);
    try {
      for (const source of [bytes, new Blob([bytes]), handle, logged(bytes)]) {
        const reader = await SafetensorsReader.open(source);
        expect(reader.names).toEqual(['fc.weight', 'fc.bias', 'steps', 'mask']);
        expect(reader.metadata).toEqual({ epoch: '2' });
        expect(reader.dtypes).toEqual({ 'fc.weight': 'F32', 'fc.bias': 'F32', steps: 'I32', mask: 'BOOL' });
        expect(reader.info('fc.bias')).toEqual({ dtype: 'F32', shape: [3], dataOffsets: [48, 60] });
        expect(reader.has('fc.bias') && !reader.has('nope')).toBe(true);
        const all = await reader.tensors();
        for (const [name, t] of Object.entries(state)) expect([name, all[name]!.dtype, all[name]!.shape, bits(all[name]!)]).toEqual([name, t.dtype, t.shape, bits(t)]);
      }
    } finally {
      await handle.close();
    }
  });

  it('reads the length and header when opened, then only the ranges asked for', async () => {
    const source = logged(bytes);
    const reader = await SafetensorsReader.open(source);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(source.reads).toEqual([[0, 8], [8, n]]);
    expect((await reader.tensor('steps')).toArray()).toEqual([7]);
    expect(source.reads.slice(2)).toEqual([[8 + n + 60, 4]]);
    expect(Object.keys(await reader.tensors(['mask', 'fc.bias']))).toEqual(['mask', 'fc.bias']);
    expect(source.reads.slice(3)).toEqual([[8 + n + 64, 2], [8 + n + 48, 12]]);
  });

  it('checks the header as fromSafetensors does: the same error for the same file', async () => {
    const header = (h: string, data = 8): Uint8Array => {
      const text = new TextEncoder().encode(h);
      const out = new Uint8Array(8 + text.length + data);
      new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
      out.set(text, 8);
      return out;
    };
    const broken = [
      header('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'),
      header('{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}'),
      header('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}'),
      header('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'),
      header('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"n":1}}'),
      header('[]'),
      header('{"a":'),
      bytes.slice(0, 20),
      new Uint8Array(5),
    ];
    for (const f of broken) {
      let want: unknown = null;
      try {
        fromSafetensors(f);
      } catch (e) {
        want = e;
      }
      expect(want).toBeInstanceOf(NablaError);
      const message = (want as Error).message.replace('[fromSafetensors] expected the bytes of a safetensors file (at least 8 bytes)',
        `[SafetensorsReader.open] expected a safetensors file (at least 8 bytes), got ${f.length} bytes`).replace('[fromSafetensors]', '[SafetensorsReader.open]');
      await expectRejects(SafetensorsReader.open(new Blob([f])), (want as Error).constructor as new (m: string) => Error, message);
    }
    // and names the file when told it
    await expectRejects(SafetensorsReader.open(broken[1]!, { fileName: 'shard.safetensors' }), DTypeError,
      /^\[SafetensorsReader\.open: shard\.safetensors\] "a" has dtype "C64", which nabla does not read/);
  });

  it('refuses a header over safetensors\' 100 MB limit without reading it', async () => {
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, 150_000_000n, true);
    const source = { size: 200_000_000, reads: 0, read: async (p: number, n: number) => (source.reads++, p === 0 ? prefix : new Uint8Array(n)) };
    await expectRejects(SafetensorsReader.open(source), ArgumentError, "[SafetensorsReader.open] the header length 150000000 is over safetensors' limit of 100000000 bytes");
    expect(source.reads).toBe(1);
  });

  it('says what is wrong with a source, a short read, or a name', async () => {
    await expectRejects(SafetensorsReader.open({} as never), ArgumentError,
      '[SafetensorsReader.open] expected a source: bytes (Uint8Array), a FileHandle, a Blob or { size, read(position, length) }; got Object');
    await expectRejects(SafetensorsReader.open({ size: -1, read: async () => new Uint8Array(0) }), ArgumentError,
      "[SafetensorsReader.open] the source's size must be a whole number of bytes, got -1");
    const source = logged(bytes);
    const reader = await SafetensorsReader.open(source);
    source.read = async () => new Uint8Array(3); // the file changed since it was opened
    await expectRejects(reader.tensor('steps'), ArgumentError, /^\[SafetensorsReader\.tensor\] reading bytes \[\d+, \d+\) of the file gave 3 bytes: was it truncated or changed since it was opened\?$/);
    await expectRejects(reader.tensor('fc.wieght'), ArgumentError, '[SafetensorsReader.tensor] the file has no tensor "fc.wieght" (it has "fc.weight", "fc.bias", "steps", "mask")');
    await expectRejects(reader.tensors(['steps', 'x']), ArgumentError, /^\[SafetensorsReader\.tensors\] the file has no tensor "x"/);
    expect(() => reader.info('x')).toThrow(ArgumentError);
  });

  it('reads a FileHandle that was truncated after opening as a short read', async () => {
    const path = join(dir, 'short.safetensors');
    writeFileSync(path, bytes);
    const handle = await open(path, 'r+');
    try {
      const reader = await SafetensorsReader.open(handle);
      await handle.truncate(bytes.length - 2);
      await expectRejects(reader.tensor('mask'), ArgumentError, /gave 0 bytes: was it truncated/);
      expect((await reader.tensor('fc.bias')).shape).toEqual([3]);
    } finally {
      await handle.close();
    }
  });
});

describe('SafetensorsReader.loadInto', () => {
  const make = (): nn.Module => new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3));

  it('fills a module tensor by tensor, bit-exactly, converting dtypes (BF16 → float32, I64 → int32)', async () => {
    const a = make();
    const file = toSafetensors(a.stateDict());
    const b = make();
    expect(await (await SafetensorsReader.open(file)).loadInto(b)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const [name, t] of Object.entries(a.stateDict())) expect(bits(b.stateDict()[name]!), name).toEqual(bits(t));
    const half = await SafetensorsReader.open(toSafetensors(a.stateDict(), {}, { floatFormat: 'BF16' }));
    const c = make();
    await half.loadInto(c);
    expect(c.stateDict()['0.weight']!.dtype).toBe('float32');
    const w = a.stateDict()['0.weight']!.toTypedArray();
    Array.from(c.stateDict()['0.weight']!.toTypedArray()).forEach((v, i) => expect(Math.abs(v - w[i]!)).toBeLessThanOrEqual(Math.abs(w[i]!) * 2 ** -8));
  });

  it('strict loading names missing and unexpected keys; shapes are checked before anything is read', async () => {
    const source = logged(toSafetensors({ '0.weight': randn([3, 4]), extra: randn([1]) }));
    const reader = await SafetensorsReader.open(source);
    await expectRejects(reader.loadInto(make()), ArgumentError,
      '[SafetensorsReader.loadInto] error(s) loading the file into Sequential: unexpected key(s) in the file: "extra"; missing key(s) in the file: "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"');
    const m = make();
    const before = bits(m.stateDict()['0.bias']!);
    expect(await reader.loadInto(m, { strict: false })).toEqual({
      missingKeys: ['0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked'], unexpectedKeys: ['extra'],
    });
    expect(bits(m.stateDict()['0.bias']!)).toEqual(before);
    const wrong = logged(toSafetensors({ '0.weight': randn([4, 3]) }));
    const reads = (await SafetensorsReader.open(wrong)).loadInto(make(), { strict: false });
    await expectRejects(reads, ShapeError,
      '[SafetensorsReader.loadInto] error(s) loading the file into Sequential: size mismatch for 0.weight: the file\'s tensor has shape [4,3], the shape in the current model is [3,4]');
    expect(wrong.reads).toHaveLength(2); // the length and the header only
  });
});
