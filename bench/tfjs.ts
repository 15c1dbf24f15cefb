/**
 * TensorFlow.js, for side-by-side figures: tfjs-core with its cpu and wasm backends (wasm SIMD,
 * one thread in Node), and tfjs-layers imported so that every gradient function is registered.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

let ready: Promise<void> | null = null;

/** Initialises both backends once (the wasm binaries load from node_modules). */
export function initTfjs(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    setWasmPaths(`${wasmDir}/`);
    for (const name of ['wasm', 'cpu']) {
      await tf.setBackend(name);
      await tf.ready();
    }
  })();
  return ready;
}

/** Switches the active backend; synchronous once `initTfjs` has run (both backends are initialised). */
export function useBackend(name: 'cpu' | 'wasm'): void {
  void tf.setBackend(name);
  if (tf.getBackend() !== name) throw new Error(`tfjs backend ${name} is not initialised`);
}
