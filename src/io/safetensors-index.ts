/**
 * The index of a sharded checkpoint (`model.safetensors.index.json`, as transformers writes it):
 * `{ "metadata": { "total_size": N }, "weight_map": { "<tensor name>": "model-00001-of-00002.safetensors", … } }`.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { repeatedKey } from './safetensors-header.js';

/** A checked shard index: where each tensor is (`weight_map`) and the index's `metadata` (`total_size`, …). */
export interface SafetensorsIndex {
  metadata: Record<string, unknown>;
  weight_map: Record<string, string>;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Parses and checks a shard index, given as JSON text or the parsed object: `weight_map` an object
 * of file names (plain names, no folders: no `/`, `\` or `..`), each tensor name once, `metadata` an
 * object (if present) whose `total_size` (if present) is a whole number. Throws an ArgumentError naming
 * what is wrong.
 * @example
 * const { weight_map } = parseSafetensorsIndex(readFileSync('model.safetensors.index.json', 'utf8'));
 * new Set(Object.values(weight_map)); // the shard files
 */
export function parseSafetensorsIndex(index: string | object): SafetensorsIndex {
  return readIndex(index, 'parseSafetensorsIndex');
}

/**
 * `parseSafetensorsIndex` for the function `op` (its errors name it).
 * @example
 * const parsed = readIndex(indexJson, 'fromShardedSafetensors');
 */
export function readIndex(index: string | object, op: string): SafetensorsIndex {
  let parsed: unknown = index;
  if (typeof index === 'string') {
    try {
      parsed = JSON.parse(index);
    } catch (e) {
      throw new ArgumentError(`[${op}] the index is not valid JSON: ${(e as Error).message}`);
    }
    const repeat = repeatedKey(index);
    check(repeat === null, ArgumentError, () => (repeat!.path.join('.') === 'weight_map'
      ? `[${op}] tensor "${repeat!.key}" appears more than once in the index's weight_map`
      : `[${op}] "${repeat!.key}" appears more than once in the index${repeat!.path.length > 0 ? `'s "${repeat!.path.join('.')}"` : ''}`));
  }
  check(isObject(parsed), ArgumentError, () => `[${op}] the index must be a JSON object { metadata, weight_map }, got ${fmt(parsed)}`);
  const { metadata = {}, weight_map: weightMap } = parsed;
  check(isObject(weightMap), ArgumentError, () => `[${op}] the index's weight_map must be an object of tensor name → shard file, got ${fmt(weightMap)}`);
  for (const [name, file] of Object.entries(weightMap)) {
    check(typeof file === 'string' && isFileName(file), ArgumentError,
      () => `[${op}] the index puts "${name}" in ${fmt(file)}: expected a shard's file name (no folders)`);
  }
  check(isObject(metadata), ArgumentError, () => `[${op}] the index's metadata must be an object, got ${fmt(metadata)}`);
  const total = metadata.total_size;
  check(total === undefined || (Number.isSafeInteger(total) && (total as number) >= 0), ArgumentError,
    () => `[${op}] the index's metadata.total_size must be a whole number of bytes, got ${fmt(total)}`);
  // fromEntries: a tensor named "__proto__" stays a name
  return { metadata: Object.fromEntries(Object.entries(metadata)), weight_map: Object.fromEntries(Object.entries(weightMap)) as Record<string, string> };
}

/** A plain file name: not empty, no folder separators, not `.` or `..`. */
function isFileName(file: string): boolean {
  return file !== '' && file !== '.' && file !== '..' && !/[/\\]/.test(file);
}

/**
 * The shard files an index names, sorted (HF's names sort in shard order).
 * @example
 * shardFiles(index); // ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']
 */
export function shardFiles(index: SafetensorsIndex): string[] {
  return [...new Set(Object.values(index.weight_map))].sort();
}

/**
 * Checks shards against their index: each tensor in exactly one shard (checked first), the one the index
 * names; each tensor the index names present. `contents` maps each shard file to the tensor names in its header.
 * @example
 * checkShards('fromShardedSafetensors', index, new Map([['model-00001-of-00001.safetensors', ['w', 'b']]]));
 */
export function checkShards(op: string, index: SafetensorsIndex, contents: ReadonlyMap<string, readonly string[]>): void {
  const foundIn = new Map<string, string>();
  for (const [file, names] of contents) {
    for (const name of names) {
      const other = foundIn.get(name);
      check(other === undefined, ArgumentError, () => `[${op}] tensor "${name}" is in two shards, "${other}" and "${file}"`);
      foundIn.set(name, file);
    }
  }
  for (const [name, file] of foundIn) {
    const listed = Object.hasOwn(index.weight_map, name) ? index.weight_map[name] : undefined;
    check(listed !== undefined, ArgumentError, () => `[${op}] shard "${file}" holds tensor "${name}", which the index does not list`);
    check(listed === file, ArgumentError, () => `[${op}] shard "${file}" holds tensor "${name}", which the index puts in "${listed}"`);
  }
  for (const [name, file] of Object.entries(index.weight_map)) {
    check(foundIn.has(name), ArgumentError, () => `[${op}] the index puts tensor "${name}" in "${file}", but that shard has no such tensor`);
  }
}

/**
 * Checks that a shard the index names was given.
 * @example
 * checkShardGiven('fromShardedSafetensors', index, 'model-00002-of-00002.safetensors', shards[file] !== undefined);
 */
export function checkShardGiven(op: string, index: SafetensorsIndex, file: string, given: boolean): void {
  check(given, ArgumentError, () => {
    const first = Object.keys(index.weight_map).find((name) => index.weight_map[name] === file);
    return `[${op}] the index puts tensor "${first}" in shard "${file}", which was not given`;
  });
}
