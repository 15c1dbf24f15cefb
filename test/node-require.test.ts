/**
 * How the wasm backend loads Node's built-in modules: through `process.getBuiltinModule` only (Node
 * 20.16+), with a BackendError that says what is missing elsewhere — never `require` (absent in ES
 * modules) or `new Function` (refused under a strict Content-Security-Policy). Internal: src only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../src/index.js';
import { createRequire } from '../src/backend/wasm/node-require.js';
import { expectError } from './helpers/expect.js';

const original = process.getBuiltinModule;
afterEach(() => {
  process.getBuiltinModule = original;
});

describe('createRequire (wasm/node-require.ts)', () => {
  it('returns the built-in module that process.getBuiltinModule gives', () => {
    expect(createRequire('node:os')).toBe(process.getBuiltinModule('node:os'));
    expect(typeof (createRequire('node:worker_threads') as { Worker: unknown }).Worker).toBe('function');
  });

  it('throws a BackendError naming the module and the missing API where getBuiltinModule is absent', () => {
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    expectError(() => createRequire('node:worker_threads'), BackendError,
      `[wasm] cannot load the built-in module 'node:worker_threads': process.getBuiltinModule is missing (this is Node ${process.version}; it needs Node >= 20.16.0)`);
  });

  it('throws a BackendError for a module the runtime does not have', () => {
    expectError(() => createRequire('node:no-such-module'), BackendError, "[wasm] the runtime has no built-in module 'node:no-such-module'");
  });
});
