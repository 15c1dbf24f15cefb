/**
 * Loads a Node built-in module in both module systems without a static import (the library must
 * also load where these modules do not exist). It uses `process.getBuiltinModule` (Node 20.16+,
 * 22.3+) and nothing else: no `require` (absent in ES modules) and no `new Function` (refused by
 * a strict Content-Security-Policy).
 */
import { BackendError } from '../../base/errors.js';

/**
 * The built-in module `id` (e.g. 'node:worker_threads'); throws a `BackendError` where the runtime
 * has no `process.getBuiltinModule` (not Node, or Node older than 20.16) or no such module.
 * @example
 * const { Worker } = createRequire('node:worker_threads') as typeof import('node:worker_threads');
 */
export function createRequire(id: string): unknown {
  const g = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; version?: string } };
  const getBuiltinModule = g.process?.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') {
    const runtime = g.process?.version === undefined ? 'this runtime is not Node' : `this is Node ${g.process.version}`;
    throw new BackendError(
      `[wasm] cannot load the built-in module '${id}': process.getBuiltinModule is missing (${runtime}; it needs Node >= 20.16.0)`,
    );
  }
  const builtin = getBuiltinModule.call(g.process, id);
  if (builtin === undefined) throw new BackendError(`[wasm] the runtime has no built-in module '${id}'`);
  return builtin;
}
