/**
 * Loads a Node built-in module in both module systems without a static import (the library must
 * also load where these modules do not exist).
 */

/**
 * The built-in module `id` (e.g. 'node:worker_threads'); throws where there is none.
 * @example
 * const { Worker } = createRequire('node:worker_threads') as typeof import('node:worker_threads');
 */
export function createRequire(id: string): unknown {
  const g = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const builtin = g.process?.getBuiltinModule?.(id);
  if (builtin !== undefined) return builtin;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('id', 'return require(id)')(id);
}
