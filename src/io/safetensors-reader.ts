/**
 * Reading a safetensors file tensor by tensor without loading it whole: `SafetensorsReader.open` reads
 * the 8-byte length and the header only (checked as `fromSafetensors` checks it), and each `tensor(name)`
 * reads that tensor's byte range.
 */
import { ArgumentError, ShapeError, check } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import { noGrad } from '../core/grad-mode.js';
import { type Tensor } from '../core/tensor.js';
import { type LoadResult, type Module } from '../nn/module.js';
import { entryTensor } from './safetensors.js';
import { parseHeader, readHeaderLength, type SafetensorsEntry } from './safetensors-header.js';
import { byteSource, readExactly, type ByteSource, type SafetensorsSource } from './safetensors-source.js';

/** A tensor as the header describes it: its dtype code in the file, its shape and its byte range in the data section. */
export interface SafetensorsTensorInfo {
  dtype: string;
  shape: number[];
  dataOffsets: [number, number];
}

/** Options of `SafetensorsReader.open`. */
export interface SafetensorsReaderOptions {
  /** A name for the file in error messages (e.g. a shard's file name). */
  fileName?: string;
}

/** What `loadTensorsInto` needs of a reader: its names, each tensor's shape, and a way to read one. */
export interface TensorSource {
  readonly names: readonly string[];
  info(name: string): SafetensorsTensorInfo;
  tensor(name: string): Promise<Tensor>;
}

/**
 * A safetensors file opened for reading in pieces: names, metadata, dtypes and shapes come from the
 * header; `tensor(name)` and `tensors(names)` read only those tensors' bytes (converted to nabla's
 * dtypes as `fromSafetensors` does). The source is a Uint8Array, a Node `fs/promises` FileHandle, a
 * Blob/File, or any `{ size, read(position, length) }`; the reader never closes it.
 * @example
 * const handle = await open('model.safetensors');            // node:fs/promises
 * const reader = await SafetensorsReader.open(handle);
 * reader.dtypes['lm_head.weight'];                            // 'BF16'
 * const w = await reader.tensor('lm_head.weight');            // float32, only its bytes read
 * await reader.loadInto(model);                               // tensor by tensor, strict
 * await handle.close();
 */
export class SafetensorsReader implements TensorSource {
  /** The tensors' names, in header order. */
  readonly names: string[];
  /** The header's `__metadata__` (empty when absent). */
  readonly metadata: Record<string, string>;
  /** Each tensor's dtype code in the file (`'F32'`, `'BF16'`, `'I64'`, …). */
  readonly dtypes: Record<string, string>;
  private readonly _entries: Map<string, SafetensorsEntry>;

  private constructor(
    private readonly _source: ByteSource,
    private readonly _dataStart: number,
    entries: SafetensorsEntry[],
    metadata: Record<string, string>,
    private readonly _label: string,
  ) {
    this.names = entries.map((e) => e.name);
    this.metadata = metadata;
    this.dtypes = Object.fromEntries(entries.map((e) => [e.name, e.code]));
    this._entries = new Map(entries.map((e) => [e.name, e]));
  }

  /**
   * Opens a source: reads and checks the header (not the data), throwing the typed errors
   * `fromSafetensors` throws.
   * @example
   * const reader = await SafetensorsReader.open(fileInput.files[0]); // a File, in a browser
   */
  static async open(source: SafetensorsSource, options: SafetensorsReaderOptions = {}): Promise<SafetensorsReader> {
    const label = options.fileName === undefined ? '' : `: ${options.fileName}`;
    const op = `SafetensorsReader.open${label}`;
    const bytes = await byteSource(source, op);
    check(bytes.size >= 8, ArgumentError, () => `[${op}] expected a safetensors file (at least 8 bytes), got ${bytes.size} bytes`);
    const headerLength = readHeaderLength(await readExactly(bytes, 0, 8, op), bytes.size, op);
    const dataStart = 8 + headerLength;
    const { entries, metadata } = parseHeader(await readExactly(bytes, 8, headerLength, op), bytes.size - dataStart, op);
    return new SafetensorsReader(bytes, dataStart, entries, metadata, label);
  }

  /**
   * Whether the file holds a tensor of this name.
   * @example
   * reader.has('fc.weight'); // true
   */
  has(name: string): boolean {
    return this._entries.has(name);
  }

  /**
   * A tensor's dtype in the file, shape and byte range, from the header.
   * @example
   * reader.info('fc.weight'); // { dtype: 'F16', shape: [10, 784], dataOffsets: [0, 15680] }
   */
  info(name: string): SafetensorsTensorInfo {
    const e = this.entry(name, 'info');
    return { dtype: e.code, shape: [...e.shape], dataOffsets: [e.begin, e.end] };
  }

  /**
   * Reads one tensor (only its bytes), converted to nabla's dtype as `fromSafetensors` does.
   * @example
   * const embedding = await reader.tensor('model.embed_tokens.weight');
   */
  async tensor(name: string): Promise<Tensor> {
    const e = this.entry(name, 'tensor');
    const op = `SafetensorsReader.tensor${this._label}`;
    return entryTensor(op, e, await readExactly(this._source, this._dataStart + e.begin, e.end - e.begin, op));
  }

  /**
   * Reads the named tensors (all of them by default), one byte range at a time.
   * @example
   * const { 'fc.weight': w, 'fc.bias': b } = await reader.tensors(['fc.weight', 'fc.bias']);
   */
  async tensors(names: readonly string[] = this.names): Promise<Record<string, Tensor>> {
    for (const name of names) this.entry(name, 'tensors');
    const out: [string, Tensor][] = [];
    for (const name of names) out.push([name, await this.tensor(name)]);
    return Object.fromEntries(out); // fromEntries: "__proto__" stays a name
  }

  /**
   * Loads the file into a module's parameters and buffers, one tensor in memory at a time, with
   * `loadStateDict`'s rules: strict (the default) needs exactly the module's keys; shapes must match.
   * @example
   * const { missingKeys } = await reader.loadInto(model, { strict: false });
   */
  loadInto(module: Module, options: { strict?: boolean } = {}): Promise<LoadResult> {
    return loadTensorsInto('SafetensorsReader.loadInto', module, this, options.strict ?? true);
  }

  private entry(name: string, method: string): SafetensorsEntry {
    const e = this._entries.get(name);
    check(e !== undefined, ArgumentError, () => `[SafetensorsReader.${method}${this._label}] the file has no tensor "${name}" (it has ${listNames(this.names)})`);
    return e;
  }
}

/**
 * Names for a message, the first few quoted.
 * @example
 * listNames(['a', 'b']); // '"a", "b"'
 */
export function listNames(names: readonly string[], most = 8): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, most).map((n) => `"${n}"`).join(', ');
  return names.length > most ? `${shown} and ${names.length - most} more` : shown;
}

/**
 * Loads what `reader` holds into `module`, checking keys (when strict) and shapes from the header
 * before reading anything, then copying one tensor at a time.
 * @example
 * await loadTensorsInto('SafetensorsReader.loadInto', model, reader, true);
 */
export async function loadTensorsInto(op: string, module: Module, reader: TensorSource, strict: boolean): Promise<LoadResult> {
  const own = module.stateDict();
  const inFile = new Set(reader.names);
  const missingKeys = Object.keys(own).filter((k) => !inFile.has(k));
  const unexpectedKeys = reader.names.filter((k) => !Object.hasOwn(own, k));
  const problems: string[] = [];
  if (strict && unexpectedKeys.length > 0) problems.push(`unexpected key(s) in the file: ${listNames(unexpectedKeys, Infinity)}`);
  if (strict && missingKeys.length > 0) problems.push(`missing key(s) in the file: ${listNames(missingKeys, Infinity)}`);
  const common = Object.keys(own).filter((k) => inFile.has(k));
  for (const name of common) {
    const shape = reader.info(name).shape;
    if (showShape(shape) !== showShape(own[name]!.shape)) {
      problems.push(`size mismatch for ${name}: the file's tensor has shape ${showShape(shape)}, the shape in the current model is ${showShape(own[name]!.shape)}`);
    }
  }
  check(problems.length === 0, problems.some((p) => p.startsWith('size mismatch')) ? ShapeError : ArgumentError,
    () => `[${op}] error(s) loading the file into ${module.constructor.name}: ${problems.join('; ')}`);
  for (const name of common) {
    const t = await reader.tensor(name);
    noGrad(() => own[name]!.copy_(t));
  }
  return { missingKeys, unexpectedKeys };
}
