/**
 * The op spec table (test/helpers/op-table.ts) on the wasm backend, with every float32 op — however
 * small — routed to the wasm kernels where they apply.
 */
import { afterAll, beforeAll } from 'vitest';
import { configureWasm, setBackend } from '../src/index.js';
import { defineOpTable } from './helpers/op-table.js';

beforeAll(() => {
  setBackend('wasm');
  configureWasm({ minElements: 1 });
});
afterAll(() => {
  configureWasm({ minElements: 256 });
  setBackend('js');
});

defineOpTable();
