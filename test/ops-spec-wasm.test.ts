/**
 * The op spec table (test/helpers/op-table.ts) on the wasm backend, with every float32 op — however
 * small — routed to the wasm kernels where they apply; each row also checks that its forward and
 * backward free every heap block they allocate.
 */
import { afterAll, beforeAll } from 'vitest';
import { configureWasm, setBackend, type Backend } from '../src/index.js';
import { defineOpTable } from './helpers/op-table.js';

let previous: Backend;
beforeAll(() => {
  previous = setBackend('wasm');
  configureWasm({ minElements: 1 });
});
afterAll(() => {
  configureWasm({ minElements: 256 });
  setBackend(previous);
});

defineOpTable({ heapAccounting: true });
