/**
 * A persistent pool of worker threads sharing the wasm heap: each worker instantiates the same
 * kernel module over the same shared memory and waits on an atomic flag for work, so handing a
 * kernel call to a thread costs a few microseconds (no messages, no copies). In Node the workers
 * are `worker_threads`; on a cross-origin-isolated page they are Web Workers (web-workers.ts).
 */
import { BackendError } from '../../base/errors.js';
import type { WasmKernels } from './kernels.js';
import { createRequire } from './node-require.js';
import { threadSupport } from './runtime.js';
import { FAILED, spawnWebWorkers } from './web-workers.js';

/** A kernel call: the export's name and its (integer) arguments. */
export interface Task {
  kernel: keyof WasmKernels;
  args: number[];
}

const SLOT = 32; // int32 words per worker: [flag, kernel id, argc, args...]
const KERNEL_IDS: (keyof WasmKernels)[] = ['sgemm', 'sgemmBatch', 'dgemm', 'dgemmBatch', 'binary2d', 'unary2d', 'unfold', 'fold', 'maxPoolIndices', 'attentionForward', 'attentionBackward', 'geluForward', 'geluBackward'];

/**
 * What a Node worker runs: wait for its flag, call the kernel, clear the flag, notify. A plain string,
 * so that no bundler can inject helpers into it (it runs in a bare worker context).
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index, names } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm kernel aborted'); } } });
const slot = new Int32Array(control, index * ${SLOT} * 4, ${SLOT});
for (;;) {
  Atomics.wait(slot, 0, 0);
  const fn = instance.exports[names[slot[1]]];
  const args = [];
  for (let i = 0; i < slot[2]; i++) args.push(slot[3 + i]);
  fn(...args);
  Atomics.store(slot, 0, 0);
  Atomics.notify(slot, 0);
}
`;

/** Whether this thread may block in `Atomics.wait` (not a browser's main thread, which must spin). */
function canBlock(words: Int32Array): boolean {
  try {
    Atomics.wait(words, 0, 1, 0); // words[0] is 0: returns 'not-equal' at once where waiting is allowed
    return true;
  } catch {
    return false;
  }
}

/**
 * Worker threads that run kernel calls on the shared heap.
 * @example
 * const pool = new ThreadPool(1, kernelModule(), heap.memory);
 * pool.run([taskForWorker], () => kernels.sgemm(...mainThreadPart));
 */
export class ThreadPool {
  private readonly control: Int32Array;
  private readonly workers: { terminate(): unknown }[] = [];
  /** Web Workers: one word per worker, 1 once its kernels are instantiated (Node's workers need no wait). */
  private readonly readyFlags: Int32Array | null = null;
  private allReady: boolean;
  /** False on a browser's main thread: waiting for a worker then spins instead of blocking. */
  private readonly blocking: boolean;
  /** Set when a worker fails: the pool is then unusable and `run` throws instead of waiting forever. */
  failure: Error | null = null;

  constructor(readonly size: number, module: WebAssembly.Module, memory: WebAssembly.Memory) {
    const buffer = new SharedArrayBuffer(Math.max(size, 1) * SLOT * 4);
    this.control = new Int32Array(buffer);
    this.blocking = canBlock(this.control);
    this.allReady = true;
    if (size === 0) return;
    if (threadSupport() === 'web') {
      this.readyFlags = new Int32Array(new SharedArrayBuffer(size * 4));
      this.allReady = false;
      const setup = { module, memory, control: buffer, ready: this.readyFlags, slotWords: SLOT, names: KERNEL_IDS };
      // a worker that cannot start fails the pool; a kernel that throws later is reported through its slot (run)
      this.workers = spawnWebWorkers(size, setup, (message) => {
        if (!this.ready) this.failure ??= new BackendError(message);
      });
      return;
    }
    // worker_threads is Node's; loaded lazily so that the library has no static dependency on it
    const { Worker } = createRequire('node:worker_threads') as typeof import('node:worker_threads');
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control: buffer, index: i, names: KERNEL_IDS } });
      worker.on('error', (e: Error) => (this.failure = e));
      worker.on('exit', () => (this.failure ??= new Error('a worker thread exited')));
      worker.unref(); // idle workers never keep the process alive
      this.workers.push(worker);
    }
  }

  /**
   * True once every worker can take work. Node's can at once; Web Workers start only after the page's
   * thread returns to its event loop (until then the kernels run on one thread).
   */
  get ready(): boolean {
    if (!this.allReady && this.readyFlags !== null) {
      this.allReady = this.readyFlags.every((_, i) => Atomics.load(this.readyFlags!, i) === 1);
    }
    return this.allReady;
  }

  /**
   * Resolves once every worker is ready; rejects with the failure of one that cannot start.
   * @example
   * await pool.whenReady();
   */
  async whenReady(): Promise<void> {
    while (!this.ready) {
      if (this.failure !== null) throw this.failure;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * Runs `tasks[i]` on worker i while `onMain` runs on this thread; returns when all are done.
   * @example
   * pool.run([{ kernel: 'sgemm', args }], () => k.sgemm(...own));
   */
  run(tasks: readonly Task[], onMain: () => void): void {
    tasks.forEach((task, i) => {
      const base = i * SLOT;
      this.control[base + 1] = KERNEL_IDS.indexOf(task.kernel);
      this.control[base + 2] = task.args.length;
      task.args.forEach((a, j) => (this.control[base + 3 + j] = a));
      Atomics.store(this.control, base, 1);
      Atomics.notify(this.control, base);
    });
    onMain();
    let failedKernel: string | null = null;
    tasks.forEach((task, i) => {
      let state: number;
      while ((state = Atomics.load(this.control, i * SLOT)) !== 0) {
        if (state === FAILED) {
          // a Web Worker's kernel threw: the others finish first, then this call throws
          Atomics.store(this.control, i * SLOT, 0);
          failedKernel = task.kernel;
          break;
        }
        if (this.blocking) Atomics.wait(this.control, i * SLOT, state, 100);
        if (this.failure !== null && Atomics.load(this.control, i * SLOT) !== 0) throw new Error(`[wasm] worker thread failed: ${this.failure.message}`);
      }
    });
    if (failedKernel !== null) throw new BackendError(`[wasm] a worker failed in the kernel ${failedKernel}`);
  }

  /** Stops the workers. */
  terminate(): void {
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
