/**
 * Checking an options object: every key must be one the function knows (a misspelt option, such as
 * PyTorch's `batch_first` for `batchFirst`, would otherwise be ignored silently).
 */
import { ArgumentError, check, fmt } from './errors.js';

/**
 * Throws an ArgumentError unless `options` is an object whose keys are all in `names`.
 * @example
 * checkOptionNames(options, ['vocabSize', 'specials'], 'BPETokenizer.train');
 */
export function checkOptionNames(options: unknown, names: readonly string[], op: string): asserts options is Record<string, unknown> {
  check(typeof options === 'object' && options !== null && !Array.isArray(options), ArgumentError,
    () => `[${op}] options must be an object, got ${fmt(options)}`);
  for (const key of Object.keys(options)) {
    check(names.includes(key), ArgumentError, () => `[${op}] unknown option ${fmt(key)}; the options are ${names.join(', ')}`);
  }
}
