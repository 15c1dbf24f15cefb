/**
 * The nn.functional checks against PyTorch (test/nn-functional.test.ts) again on the wasm backend,
 * with every float32 op — however small — routed to the wasm kernels (max-pool indices, gathers,
 * convolution windows, fused relu gradients, …).
 */
import { afterAll, beforeAll } from 'vitest';
import { configureWasm, setBackend, type Backend } from '../src/index.js';
import './nn-functional.test.js';

let previous: Backend;
beforeAll(() => {
  previous = setBackend('wasm');
  configureWasm({ minElements: 1 });
});
afterAll(() => {
  configureWasm({ minElements: 256 });
  setBackend(previous);
});
