/**
 * Web Workers for the wasm thread pool on a cross-origin-isolated page. Each worker gets the compiled
 * kernel module, the shared memory and the control words in one message, instantiates the kernels
 * over that memory, says it is ready, and from then on waits on an atomic flag for work, as Node's
 * worker threads do (threads.ts). The worker's code is a string loaded from a Blob URL: a bundler
 * needs no asset handling for it (no `new URL('./worker.js', import.meta.url)`), and a
 * Content-Security-Policy must allow it with `worker-src blob:`.
 */

/**
 * The flag a worker writes into its slot when a kernel threw (the main thread then throws too).
 * @example
 * if (Atomics.load(control, slot) === FAILED) throw new BackendError('[wasm] a worker failed');
 */
export const FAILED = -1;

/**
 * What a worker runs. A plain string, so that no bundler can inject helpers into it. `ready[index]`
 * becomes 1 once the kernels are instantiated (-1 if that failed); a kernel that throws sets its
 * slot's flag to FAILED and posts the message.
 */
const SOURCE = `
self.onmessage = (event) => {
  self.onmessage = null;
  const { module, memory, control, ready, index, slotWords, names } = event.data;
  let instance;
  try {
    instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm kernel aborted'); } } });
  } catch (e) {
    Atomics.store(ready, index, -1);
    self.postMessage('cannot instantiate the kernels: ' + (e && e.message));
    return;
  }
  const slot = new Int32Array(control, index * slotWords * 4, slotWords);
  Atomics.store(ready, index, 1);
  for (;;) {
    Atomics.wait(slot, 0, 0);
    let state = 0;
    try {
      const args = [];
      for (let i = 0; i < slot[2]; i++) args.push(slot[3 + i]);
      instance.exports[names[slot[1]]](...args);
    } catch (e) {
      state = ${FAILED};
      self.postMessage(names[slot[1]] + ': ' + (e && e.message));
    }
    Atomics.store(slot, 0, state);
    Atomics.notify(slot, 0);
  }
};
`;

/** The parts of the Web Worker API used here (the library's TypeScript lib has no DOM). */
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onerror: ((event: { message?: string }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}
interface WebGlobals {
  Worker: new (url: string, options?: { name?: string }) => WebWorker;
  Blob: new (parts: string[], options: { type: string }) => unknown;
  URL: { createObjectURL(blob: unknown): string };
}

let url: string | null = null;

/** The Blob URL of the worker code (made once; a few hundred bytes kept for the page's lifetime). */
function workerUrl(): string {
  const g = globalThis as unknown as WebGlobals;
  url ??= g.URL.createObjectURL(new g.Blob([SOURCE], { type: 'text/javascript' }));
  return url;
}

/** What `spawnWebWorkers` hands each worker. */
export interface WorkerSetup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** The control words: one slot of `slotWords` int32 per worker. */
  control: SharedArrayBuffer;
  /** One int32 per worker: 0 starting, 1 ready, -1 failed. */
  ready: Int32Array;
  slotWords: number;
  names: readonly string[];
}

/**
 * Starts `size` Web Workers over the shared memory; `onFailure` receives what a worker reports (a
 * kernel that threw, or a worker that could not start: e.g. a CSP without `worker-src blob:`).
 * Throws what `new Worker` throws (after stopping the workers already started).
 * @example
 * const workers = spawnWebWorkers(1, setup, (message) => console.warn(message));
 */
export function spawnWebWorkers(size: number, setup: WorkerSetup, onFailure: (message: string) => void): { terminate(): void }[] {
  const { Worker } = globalThis as unknown as WebGlobals;
  const workers: WebWorker[] = [];
  try {
    for (let index = 0; index < size; index++) {
      const worker = new Worker(workerUrl(), { name: `nabla-wasm-${index}` });
      worker.onerror = (event) => onFailure(`a Web Worker could not start${event.message ? `: ${event.message}` : ''} (a Content-Security-Policy must allow worker-src blob:)`);
      worker.onmessage = (event) => onFailure(`a Web Worker failed: ${String(event.data)}`);
      worker.postMessage({ ...setup, index });
      workers.push(worker);
    }
  } catch (e) {
    for (const w of workers) w.terminate();
    throw e;
  }
  return workers;
}
