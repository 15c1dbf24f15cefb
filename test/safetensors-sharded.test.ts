/**
 * Sharded checkpoints in Hugging Face's layout: toShardedSafetensors splits a state dict as
 * transformers' save_pretrained does (file names, total_size, sorted weight_map), and the shard readers
 * (fromShardedSafetensors in memory, ShardedSafetensorsReader from sources) load it back, checking the
 * shards against the index with typed errors that name the file and the tensor.
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, ShardedSafetensorsReader, fromShardedSafetensors, nn, parseSafetensorsIndex, randn, tensor, toSafetensors,
  toShardedSafetensors, type Tensor,
} from '../src/index.js';
import { expectError, expectRejects } from './helpers/expect.js';

const bits = (t: Tensor): number[] => Array.from(new Uint8Array(t.toTypedArray().buffer, t.toTypedArray().byteOffset, t.toTypedArray().byteLength));


// 40, 40, 40, 200 and 8 bytes
const state = { a: randn([10]), b: randn([10]), c: randn([10]), d: randn([50]), e: tensor([1, 2], { dtype: 'int32' }) };
const file = (i: number, n: number): string => `model-0000${i}-of-0000${n}.safetensors`;

describe('toShardedSafetensors', () => {
  it("splits as transformers does: in order, a new shard when the next tensor won't fit, a tensor over the limit alone", () => {
    const { index, indexJson, indexFileName, shards } = toShardedSafetensors(state, { maxShardSize: 100 });
    expect(index).toEqual({
      metadata: { total_size: 328 },
      weight_map: { a: file(1, 3), b: file(1, 3), c: file(3, 3), d: file(2, 3), e: file(3, 3) },
    });
    expect(indexFileName).toBe('model.safetensors.index.json');
    expect(indexJson).toBe(`${JSON.stringify(index, null, 2)}\n`);
    expect(Object.keys(shards)).toEqual([file(1, 3), file(2, 3), file(3, 3)]);
    const shard3 = fromShardedSafetensors(indexJson, shards);
    for (const [name, t] of Object.entries(state)) expect(bits(shard3.tensors[name]!), name).toEqual(bits(t));
    expect(shard3.metadata).toEqual({ total_size: 328 });
    // each shard is a plain safetensors file, with transformers' metadata
    expect(toSafetensors({ d: state.d }, { format: 'pt' })).toEqual(shards[file(2, 3)]);
  });

  it('counts F16/BF16 bytes, sorts the weight_map, takes sizes as transformers does, and one shard when all fit', () => {
    const half = toShardedSafetensors(state, { maxShardSize: '0.1KB', floatFormat: 'BF16', prefix: 'pytorch_model', metadata: {} });
    expect(half.index.metadata.total_size).toBe(20 + 20 + 20 + 100 + 8);
    // 20 + 20 + 20, then 100 (it fits the limit, not the shard), then 8
    expect(Object.keys(half.shards)).toEqual([1, 2, 3].map((i) => `pytorch_model-0000${i}-of-00003.safetensors`));
    expect(Object.values(half.index.weight_map)).toEqual([1, 1, 1, 2, 3].map((i) => `pytorch_model-0000${i}-of-00003.safetensors`));
    expect(half.indexFileName).toBe('pytorch_model.safetensors.index.json');
    const back = fromShardedSafetensors(half.index, half.shards);
    expect(back.dtypes).toEqual({ a: 'BF16', b: 'BF16', c: 'BF16', d: 'BF16', e: 'I32' });
    const sorted = toShardedSafetensors({ z: randn([1]), b: randn([1]), m: randn([1]) }, { maxShardSize: 4 }).index.weight_map;
    expect(Object.keys(sorted)).toEqual(['b', 'm', 'z']);
    expect(Object.keys(toShardedSafetensors(state, { maxShardSize: '1KiB' }).shards)).toEqual([file(1, 1)]);
    expect(Object.keys(toShardedSafetensors(state).shards)).toEqual([file(1, 1)]); // default: 5GB
    expect(toShardedSafetensors({}).index).toEqual({ metadata: { total_size: 0 }, weight_map: {} });
    for (const bad of [0, -5, 1.5, '5 parsecs', 'GB', '']) {
      expectError(() => toShardedSafetensors(state, { maxShardSize: bad }), ArgumentError,
        `[toShardedSafetensors] maxShardSize must be a positive whole number of bytes or a size such as '5GB' or '2GiB', got ${JSON.stringify(bad)}`);
    }
    expectError(() => toShardedSafetensors(state, { prefix: '../model' }), ArgumentError, '[toShardedSafetensors] prefix must be a file name without folders, got "../model"');
    expectError(() => toShardedSafetensors({ w: [1] as never }), ArgumentError, '[toShardedSafetensors] "w" must be a Tensor, got [1]');
  });
});

describe('reading shards against the index', () => {
  const { index, indexJson, shards } = toShardedSafetensors(state, { maxShardSize: 100 });

  it('ShardedSafetensorsReader reads from a record of sources or a function, one tensor at a time, and closes what it opened', async () => {
    const blobs = Object.fromEntries(Object.entries(shards).map(([f, b]) => [f, new Blob([b])]));
    const fromRecord = await ShardedSafetensorsReader.open(indexJson, blobs);
    expect(fromRecord.files).toEqual([file(1, 3), file(2, 3), file(3, 3)]);
    expect(fromRecord.names).toEqual(['a', 'b', 'd', 'c', 'e']); // shard by shard
    expect(fromRecord.metadata).toEqual({ total_size: 328 });
    expect([fromRecord.fileOf('c'), fromRecord.info('e'), fromRecord.has('e'), fromRecord.has('f')]).toEqual([file(3, 3), { dtype: 'I32', shape: [2], dataOffsets: [40, 48] }, true, false]);
    const all = await fromRecord.tensors();
    for (const [name, t] of Object.entries(state)) expect(bits(all[name]!), name).toEqual(bits(t));

    const closed: string[] = [];
    const opener = async (f: string) => ({ size: shards[f]!.length, read: async (p: number, n: number) => shards[f]!.slice(p, p + n), close: async () => { closed.push(f); } });
    const reader = await ShardedSafetensorsReader.open(index, opener);
    expect(bits(await reader.tensor('d'))).toEqual(bits(state.d));
    await reader.close();
    expect(closed).toEqual(reader.files);
    await expectRejects(reader.tensor('nope'), ArgumentError, '[ShardedSafetensorsReader.tensor] no shard holds a tensor "nope"');
    // a failed open closes what the function opened
    closed.length = 0;
    const missing = (f: string) => (f === file(3, 3) ? undefined : opener(f));
    await expectRejects(ShardedSafetensorsReader.open(index, missing), ArgumentError,
      `[ShardedSafetensorsReader.open] the index puts tensor "c" in shard "${file(3, 3)}", which was not given`);
    expect(closed).toEqual([file(1, 3), file(2, 3)]);
  });

  it('loadInto fills a module from its shards', async () => {
    const a = new nn.Sequential(new nn.Linear(8, 8), new nn.Linear(8, 2));
    const { index: i, shards: s } = toShardedSafetensors(a.stateDict(), { maxShardSize: 200 });
    // 256 bytes alone, then 32 + 64 + 8
    expect(i.weight_map).toEqual({ '0.weight': file(1, 2), '0.bias': file(2, 2), '1.weight': file(2, 2), '1.bias': file(2, 2) });
    const b = new nn.Sequential(new nn.Linear(8, 8), new nn.Linear(8, 2));
    expect(await (await ShardedSafetensorsReader.open(i, s)).loadInto(b)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const [name, t] of Object.entries(a.stateDict())) expect(bits(b.stateDict()[name]!), name).toEqual(bits(t));
  });

  /** Both readers throw the same error (but for the function's name) for this index and these shards. */
  async function expectBoth(idx: string | object, given: Record<string, Uint8Array>, message: string): Promise<void> {
    expectError(() => fromShardedSafetensors(idx, given), ArgumentError, `[fromShardedSafetensors] ${message}`);
    await expectRejects(ShardedSafetensorsReader.open(idx, given), ArgumentError, `[ShardedSafetensorsReader.open] ${message}`);
  }

  it('a shard the index names but not given; a tensor missing from its shard; one the index does not list; one in two shards', async () => {
    const { [file(2, 3)]: _, ...without2 } = shards;
    await expectBoth(index, without2, `the index puts tensor "d" in shard "${file(2, 3)}", which was not given`);
    await expectBoth({ ...index, weight_map: { ...index.weight_map, f: file(1, 3) } }, shards,
      `the index puts tensor "f" in "${file(1, 3)}", but that shard has no such tensor`);
    const { e: __, ...noE } = index.weight_map;
    await expectBoth({ ...index, weight_map: noE }, shards, `shard "${file(3, 3)}" holds tensor "e", which the index does not list`);
    await expectBoth({ ...index, weight_map: { ...index.weight_map, e: file(1, 3) } }, shards,
      `shard "${file(3, 3)}" holds tensor "e", which the index puts in "${file(1, 3)}"`);
    const twice = { ...shards, [file(1, 3)]: toSafetensors({ a: state.a, b: state.b, d: state.d }, { format: 'pt' }) };
    await expectBoth(index, twice, `tensor "d" is in two shards, "${file(1, 3)}" and "${file(2, 3)}"`);
    // a shard's own format errors name the file
    const broken = { ...shards, [file(2, 3)]: new Uint8Array(4) };
    expectError(() => fromShardedSafetensors(index, broken), ArgumentError,
      `[fromShardedSafetensors: ${file(2, 3)}] expected the bytes of a safetensors file (at least 8 bytes)`);
    await expectRejects(ShardedSafetensorsReader.open(index, broken), ArgumentError,
      `[SafetensorsReader.open: ${file(2, 3)}] expected a safetensors file (at least 8 bytes), got 4 bytes`);
  });

  it('the index itself: JSON, shape, file names, total_size, each tensor once', async () => {
    const cases: [string | object, string][] = [
      ['{"weight_map": {', /^the index is not valid JSON: /.source],
      ['[1]', 'the index must be a JSON object { metadata, weight_map }, got [1]'],
      [{ metadata: {} }, "the index's weight_map must be an object of tensor name → shard file, got undefined"],
      [{ weight_map: { w: 3 } }, 'the index puts "w" in 3: expected a shard\'s file name (no folders)'],
      [{ weight_map: { w: '../../secret' } }, 'the index puts "w" in "../../secret": expected a shard\'s file name (no folders)'],
      [{ weight_map: { w: '..' } }, 'the index puts "w" in "..": expected a shard\'s file name (no folders)'],
      [{ weight_map: {}, metadata: [] }, "the index's metadata must be an object, got []"],
      [{ weight_map: {}, metadata: { total_size: '12' } }, "the index's metadata.total_size must be a whole number of bytes, got \"12\""],
      ['{"weight_map": {"w": "a.safetensors", "w": "b.safetensors"}}', 'tensor "w" appears more than once in the index\'s weight_map'],
      ['{"weight_map": {}, "weight_map": {}}', '"weight_map" appears more than once in the index'],
    ];
    for (const [idx, message] of cases) {
      if (message.startsWith('^')) expect(() => parseSafetensorsIndex(idx)).toThrow(new RegExp(`^\\[parseSafetensorsIndex\\] ${message.slice(1)}`));
      else expectError(() => parseSafetensorsIndex(idx), ArgumentError, `[parseSafetensorsIndex] ${message}`);
    }
    await expectBoth('[1]', shards, 'the index must be a JSON object { metadata, weight_map }, got [1]');
    expect(parseSafetensorsIndex('{"weight_map": {"__proto__": "a.safetensors"}}').weight_map).toEqual(JSON.parse('{"__proto__": "a.safetensors"}'));
    expect(parseSafetensorsIndex({ weight_map: {} })).toEqual({ metadata: {}, weight_map: {} });
    expectError(() => fromShardedSafetensors(index, null as never), ArgumentError, '[fromShardedSafetensors] shards must be an object of file name → bytes, got null');
    await expectRejects(ShardedSafetensorsReader.open(index, 3 as never), ArgumentError,
      '[ShardedSafetensorsReader.open] shards must be an object of file name → source, or a function (fileName) => source; got 3');
  });
});
