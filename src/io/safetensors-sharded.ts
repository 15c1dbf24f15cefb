/**
 * Sharded checkpoints as Hugging Face stores large models: several safetensors files
 * (`model-00001-of-00003.safetensors`, …) and an index (`model.safetensors.index.json`) that says which
 * file holds each tensor. Reading checks the shards against the index; writing splits a state dict as
 * transformers' `save_pretrained` does.
 */
import { DTYPE_BYTES } from '../base/dtype.js';
import { ArgumentError, check, fmt } from '../base/errors.js';
import { Tensor } from '../core/tensor.js';
import { type LoadResult, type Module } from '../nn/module.js';
import { entryTensor, splitSafetensors, toSafetensors } from './safetensors.js';
import { type FloatFormat } from './safetensors-dtypes.js';
import { checkShardGiven, checkShards, readIndex, shardFiles, type SafetensorsIndex } from './safetensors-index.js';
import { SafetensorsReader, loadTensorsInto, type SafetensorsTensorInfo, type TensorSource } from './safetensors-reader.js';
import { type SafetensorsSource } from './safetensors-source.js';

/** What `fromShardedSafetensors` returns: the tensors of every shard, their dtypes in the files, and the index's metadata. */
export interface ShardedSafetensorsContent {
  tensors: Record<string, Tensor>;
  dtypes: Record<string, string>;
  metadata: Record<string, unknown>;
}

/**
 * Reads a sharded checkpoint held in memory: the index (JSON text or object) and each shard's bytes by
 * file name. Each shard is checked as `fromSafetensors` checks a file, and the shards against the index:
 * a shard the index names but not given, a tensor the index lists missing from its shard, a tensor in
 * a shard that the index does not list there, the same name in two shards — each an ArgumentError
 * naming the file and the tensor. Dtypes convert as in `fromSafetensors`.
 * @example
 * const index = readFileSync('model.safetensors.index.json', 'utf8');
 * const files = new Set(Object.values(JSON.parse(index).weight_map as Record<string, string>));
 * const { tensors } = fromShardedSafetensors(index, Object.fromEntries([...files].map((f) => [f, readFileSync(f)])));
 */
export function fromShardedSafetensors(index: string | object, shards: Record<string, Uint8Array>): ShardedSafetensorsContent {
  const op = 'fromShardedSafetensors';
  const parsed = readIndex(index, op);
  check(typeof shards === 'object' && shards !== null, ArgumentError, () => `[${op}] shards must be an object of file name → bytes, got ${fmt(shards)}`);
  const split = new Map<string, ReturnType<typeof splitSafetensors>>();
  for (const file of shardFiles(parsed)) {
    checkShardGiven(op, parsed, file, Object.hasOwn(shards, file) && shards[file] !== undefined);
    split.set(file, splitSafetensors(shards[file]!, `${op}: ${file}`));
  }
  checkShards(op, parsed, new Map([...split].map(([file, s]) => [file, s.entries.map((e) => e.name)])));
  const tensors: [string, Tensor][] = [];
  const dtypes: [string, string][] = [];
  for (const [file, { entries, data }] of split) {
    for (const e of entries) {
      tensors.push([e.name, entryTensor(`${op}: ${file}`, e, data.subarray(e.begin, e.end))]);
      dtypes.push([e.name, e.code]);
    }
  }
  return { tensors: Object.fromEntries(tensors), dtypes: Object.fromEntries(dtypes), metadata: parsed.metadata };
}

/** Where the shards come from: a record of sources by file name, or a function that opens one by file name. */
export type ShardSources =
  | Record<string, SafetensorsSource>
  | ((fileName: string) => SafetensorsSource | undefined | Promise<SafetensorsSource | undefined>);

/**
 * A sharded checkpoint opened for reading in pieces: `open` reads the index and every shard's header
 * only (checked as `fromShardedSafetensors` checks them); `tensor(name)` reads that tensor from its
 * shard. Shards are given as sources by file name, or by a function that opens them (sources it
 * opened that have a `close()`, such as FileHandles, are closed by `close()`).
 * @example
 * const dir = 'checkpoints/llama-tiny';
 * const reader = await ShardedSafetensorsReader.open(await readFile(`${dir}/model.safetensors.index.json`, 'utf8'),
 *   (file) => open(`${dir}/${file}`));                       // node:fs/promises
 * await reader.loadInto(model);                              // one tensor in memory at a time
 * await reader.close();
 */
export class ShardedSafetensorsReader implements TensorSource {
  /** The tensors' names, shard by shard. */
  readonly names: string[];
  /** Each tensor's dtype code in its file. */
  readonly dtypes: Record<string, string>;
  /** The index's metadata (`total_size`, …). */
  readonly metadata: Record<string, unknown>;
  /** The shard files the index names, sorted (HF's names sort in shard order). */
  readonly files: string[];
  private readonly _where = new Map<string, { file: string; reader: SafetensorsReader }>();

  private constructor(index: SafetensorsIndex, readers: Map<string, SafetensorsReader>, private readonly _opened: SafetensorsSource[]) {
    this.files = [...readers.keys()];
    for (const [file, reader] of readers) for (const name of reader.names) this._where.set(name, { file, reader });
    this.names = [...this._where.keys()];
    this.dtypes = Object.fromEntries([...readers.values()].flatMap((r) => Object.entries(r.dtypes)));
    this.metadata = index.metadata;
  }

  /**
   * Opens a sharded checkpoint: parses the index, opens each shard's header and checks them together.
   * @example
   * const reader = await ShardedSafetensorsReader.open(indexJson, { 'model-00001-of-00001.safetensors': bytes });
   */
  static async open(index: string | object, shards: ShardSources): Promise<ShardedSafetensorsReader> {
    const op = 'ShardedSafetensorsReader.open';
    const parsed = readIndex(index, op);
    check(typeof shards === 'function' || (typeof shards === 'object' && shards !== null), ArgumentError,
      () => `[${op}] shards must be an object of file name → source, or a function (fileName) => source; got ${fmt(shards)}`);
    const readers = new Map<string, SafetensorsReader>();
    const opened: SafetensorsSource[] = [];
    try {
      for (const file of shardFiles(parsed)) {
        const source = typeof shards === 'function' ? await shards(file) : Object.hasOwn(shards, file) ? shards[file] : undefined;
        checkShardGiven(op, parsed, file, source !== undefined && source !== null);
        if (typeof shards === 'function') opened.push(source!);
        readers.set(file, await SafetensorsReader.open(source!, { fileName: file }));
      }
      checkShards(op, parsed, new Map([...readers].map(([file, r]) => [file, r.names])));
    } catch (e) {
      await closeAll(opened);
      throw e;
    }
    return new ShardedSafetensorsReader(parsed, readers, opened);
  }

  /**
   * Whether some shard holds a tensor of this name.
   * @example
   * reader.has('lm_head.weight'); // true
   */
  has(name: string): boolean {
    return this._where.has(name);
  }

  /**
   * A tensor's dtype in its file, shape and byte range there.
   * @example
   * reader.info('lm_head.weight').shape; // [151936, 896]
   */
  info(name: string): SafetensorsTensorInfo {
    return this.shardOf(name, 'info').reader.info(name);
  }

  /**
   * The file that holds a tensor.
   * @example
   * reader.fileOf('lm_head.weight'); // 'model-00002-of-00002.safetensors'
   */
  fileOf(name: string): string {
    return this.shardOf(name, 'fileOf').file;
  }

  /**
   * Reads one tensor from its shard.
   * @example
   * const w = await reader.tensor('model.embed_tokens.weight');
   */
  async tensor(name: string): Promise<Tensor> {
    return this.shardOf(name, 'tensor').reader.tensor(name);
  }

  /**
   * Reads the named tensors (all of them by default), one at a time.
   * @example
   * const state = await reader.tensors();
   */
  async tensors(names: readonly string[] = this.names): Promise<Record<string, Tensor>> {
    for (const name of names) this.shardOf(name, 'tensors');
    const out: [string, Tensor][] = [];
    for (const name of names) out.push([name, await this.tensor(name)]);
    return Object.fromEntries(out);
  }

  /**
   * Loads every shard into a module, one tensor in memory at a time, with `loadStateDict`'s rules.
   * @example
   * await reader.loadInto(model, { strict: true });
   */
  loadInto(module: Module, options: { strict?: boolean } = {}): Promise<LoadResult> {
    return loadTensorsInto('ShardedSafetensorsReader.loadInto', module, this, options.strict ?? true);
  }

  /**
   * Closes the sources that the shard function opened (those with a `close()`); a record's sources are the caller's.
   * @example
   * await reader.close();
   */
  async close(): Promise<void> {
    await closeAll(this._opened.splice(0));
  }

  private shardOf(name: string, method: string): { file: string; reader: SafetensorsReader } {
    const where = this._where.get(name);
    check(where !== undefined, ArgumentError, () => `[ShardedSafetensorsReader.${method}] no shard holds a tensor "${name}"`);
    return where;
  }
}

async function closeAll(sources: SafetensorsSource[]): Promise<void> {
  for (const s of sources) {
    const close = (s as { close?: unknown }).close;
    if (typeof close === 'function') await (close as () => Promise<void>).call(s);
  }
}

/** Options of `toShardedSafetensors`. */
export interface ShardOptions {
  /** The most tensor bytes per shard: a number, or a size as transformers takes it ('5GB', '500MB', '2GiB'). Default '5GB'. */
  maxShardSize?: number | string;
  /** Each shard's `__metadata__`; default `{ format: 'pt' }`, which transformers requires of a file that has metadata. */
  metadata?: Record<string, string>;
  /** Write every float tensor as F16 or BF16 (as `toSafetensors`). */
  floatFormat?: FloatFormat;
  /** The files' name before `-00001-of-0000N.safetensors`; default 'model'. */
  prefix?: string;
}

/** What `toShardedSafetensors` returns: the index (object and JSON text), its file name, and each shard's bytes by file name. */
export interface ShardedSafetensors {
  index: SafetensorsIndex;
  indexJson: string;
  indexFileName: string;
  shards: Record<string, Uint8Array>;
}

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 };

/** A shard size in bytes from a number or a string such as '5GB' (powers of ten) or '2GiB' (powers of two). */
function parseSize(size: number | string, op: string): number {
  const m = typeof size === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B)\s*$/i.exec(size) : null;
  const bytes = typeof size === 'number' ? size : m ? Math.floor(Number(m[1]) * (UNITS[m[2]!.toUpperCase()] ?? NaN)) : NaN;
  check(Number.isSafeInteger(bytes) && bytes > 0, ArgumentError,
    () => `[${op}] maxShardSize must be a positive whole number of bytes or a size such as '5GB' or '2GiB', got ${fmt(size)}`);
  return bytes;
}

/**
 * Splits a state dict into safetensors shards of at most `maxShardSize` tensor bytes, as transformers'
 * `save_pretrained` does: tensors in order, a new shard when the next one would not fit, a tensor larger
 * than the limit alone in its shard. Files are named `model-00001-of-00003.safetensors` (also when there
 * is one shard); the index is `{ metadata: { total_size }, weight_map }` with `total_size` the sum of the
 * tensors' bytes and `weight_map` sorted by name, as transformers writes it.
 * @example
 * const { indexJson, indexFileName, shards } = toShardedSafetensors(model.stateDict(), { maxShardSize: '2GB' });
 * writeFileSync(indexFileName, indexJson);
 * for (const [file, bytes] of Object.entries(shards)) writeFileSync(file, bytes);
 */
export function toShardedSafetensors(tensors: Record<string, Tensor>, options: ShardOptions = {}): ShardedSafetensors {
  const op = 'toShardedSafetensors';
  const { metadata = { format: 'pt' }, floatFormat, prefix = 'model' } = options;
  const limit = parseSize(options.maxShardSize ?? '5GB', op);
  check(typeof prefix === 'string' && prefix !== '' && !/[/\\]/.test(prefix), ArgumentError, () => `[${op}] prefix must be a file name without folders, got ${fmt(prefix)}`);
  const groups: [string, Tensor][][] = [];
  let current: [string, Tensor][] = [];
  let size = 0;
  let total = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = writtenBytes(name, t, floatFormat, op);
    total += bytes;
    if (bytes > limit) { // alone in its own shard, as transformers does
      groups.push([[name, t]]);
      continue;
    }
    if (size + bytes > limit && current.length > 0) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push([name, t]);
    size += bytes;
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  const pad = (i: number): string => String(i).padStart(5, '0');
  const shards: Record<string, Uint8Array> = {};
  const weightMap: [string, string][] = [];
  groups.forEach((group, i) => {
    const file = `${prefix}-${pad(i + 1)}-of-${pad(groups.length)}.safetensors`;
    shards[file] = toSafetensors(Object.fromEntries(group), metadata, { floatFormat });
    for (const [name] of group) weightMap.push([name, file]);
  });
  weightMap.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const index: SafetensorsIndex = { metadata: { total_size: total }, weight_map: Object.fromEntries(weightMap) };
  return { index, indexJson: `${JSON.stringify(index, null, 2)}\n`, indexFileName: `${prefix}.safetensors.index.json`, shards };
}

/** A tensor's size in the file: 2 bytes per element for float tensors written as F16/BF16, else its dtype's size. */
function writtenBytes(name: string, t: Tensor, floatFormat: FloatFormat | undefined, op: string): number {
  check(t instanceof Tensor, ArgumentError,
    () => `[${op}] "${name}" must be a Tensor, got ${fmt(t)}`);
  const float = t.dtype === 'float32' || t.dtype === 'float64';
  return t.numel() * (floatFormat !== undefined && float ? 2 : DTYPE_BYTES[t.dtype]);
}
