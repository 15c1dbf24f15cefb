/**
 * The lifetime model: `scope`/`keep`, backward freeing gradients as it goes, optimiser state kept
 * wherever a subclass keeps it, engine memory that no allocation can reach, the heap's limit with
 * its spill arena (same bits), validated settings, and no V8 flag set behind the user's back.
 */
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError, F, Generator, configureWasm, getNumThreads, keep, nn, optim, randn, scope, setBackend, setNumThreads,
  tensor, wasmKernels, wasmMemoryStats, type Backend, type Tensor,
} from '../src/index.js';
import { WasmHeap } from '../src/backend/wasm/heap.js';

/** Whether relaxed SIMD validates before anything has loaded the kernels (see the flag test below). */
const RELAXED_BEFORE_LOAD = WebAssembly.validate(relaxedModule());

let previous: Backend;
beforeAll(() => {
  previous = setBackend('wasm');
});
afterAll(() => {
  setBackend(previous);
});

const g = new Generator(5);

describe('scope', () => {
  it('frees what fn created and did not return; returned tensors (in arrays, objects, Maps) survive', () => {
    const x = randn([64, 64], { generator: g });
    let inner: Tensor | null = null;
    const before = wasmMemoryStats().bytesInUse;
    const out = scope(() => {
      inner = x.exp();
      const a = inner.add(1);
      const b = inner.mul(2);
      return { pair: [a], map: new Map([['b', b]]) };
    });
    expect(inner!.disposed).toBe(true);
    expect(out.pair[0]!.disposed).toBe(false);
    expect(out.map.get('b')!.disposed).toBe(false);
    expect(() => inner!.sum()).toThrow(/storage has been disposed/);
    expect(wasmMemoryStats().bytesInUse - before).toBe(2 * 64 * 64 * 4);
    expect(out.pair[0]!.sub(x.exp().add(1)).abs().max().item()).toBe(0);
    expect(x.disposed).toBe(false); // created outside
  });

  it('nests: an inner result belongs to the outer scope, which frees it unless it returns it too', () => {
    const x = randn([32, 32], { generator: g });
    let fromInner: Tensor | null = null;
    const kept = scope(() => {
      fromInner = scope(() => x.mul(3).add(1));
      expect(fromInner.disposed).toBe(false);
      return fromInner.sum();
    });
    expect(fromInner!.disposed).toBe(true);
    expect(kept.item()).toBeCloseTo(x.mul(3).add(1).sum().item(), 2);
  });

  it('keep makes a tensor outlive every scope', () => {
    const x = randn([32, 32], { generator: g });
    let best: Tensor | null = null;
    scope(() => scope(() => {
      best = keep(x.tanh());
      x.sigmoid();
    }));
    expect(best!.disposed).toBe(false);
    expect(best!.sub(x.tanh()).abs().max().item()).toBe(0);
  });

  it('defers what the graph saved until backward has used it, and the gradients are exact', () => {
    const w = randn([64, 64], { generator: g, requiresGrad: true });
    const x = randn([16, 64], { generator: g });
    let hidden: Tensor | null = null;
    const loss = scope(() => {
      hidden = x.matmul(w).tanh(); // tanh saves its output for backward
      return hidden.square().sum();
    });
    expect(hidden!.disposed).toBe(false); // saved by square, still needed
    loss.backward();
    expect(hidden!.disposed).toBe(true); // freed once backward released it
    const h = x.matmul(w.detach()).tanh();
    const expected = x.t().matmul(h.mul(2).mul(h.square().neg().add(1)));
    expect(w.grad!.sub(expected).abs().max().item()).toBeLessThan(1e-4);
  });

  it('frees nothing when fn throws, and rejects async functions', () => {
    const x = randn([32, 32], { generator: g });
    let made: Tensor | null = null;
    expect(() => scope(() => {
      made = x.exp();
      throw new Error('boom');
    })).toThrow('boom');
    expect(made!.disposed).toBe(false);
    // @ts-expect-error an async function is a type error too
    expect(() => scope(async () => x.exp())).toThrow(/\[scope\] fn must be synchronous/);
  });
});

describe('backward frees gradients as it goes', () => {
  it('a long chain needs about one gradient in flight, not one per node', () => {
    const x = randn([128, 128], { generator: g, requiresGrad: true });
    const block = 128 * 128 * 4;
    let y = x;
    for (let i = 0; i < 40; i++) y = y.mul(1.01).add(0.01);
    const loss = y.sum();
    const start = wasmMemoryStats();
    // the peak counter only grows: measure the rise above what is live now
    const peakBefore = start.peakBytes;
    loss.backward();
    const rise = wasmMemoryStats().peakBytes - Math.max(peakBefore, start.bytesInUse);
    expect(rise).toBeLessThanOrEqual(6 * block);
    // d/dx of 40 steps of (·1.01 + 0.01) is 1.01^40 everywhere
    expect(x.grad!.sub(1.01 ** 40).abs().max().item()).toBeLessThan(1e-4);
  });

  it('add returning one gradient for both inputs is not freed under the second', () => {
    const a = randn([64, 64], { generator: g, requiresGrad: true });
    const b = randn([64, 64], { generator: g, requiresGrad: true });
    const h = a.mul(2);
    h.add(h).add(b.mul(3)).exp().sum().backward();
    const e = a.detach().mul(4).add(b.detach().mul(3)).exp();
    expect(a.grad!.sub(e.mul(4)).abs().max().item()).toBeLessThan(1e-2 * e.abs().max().item() * 1e-3 + 1e-4);
    expect(b.grad!.sub(e.mul(3)).abs().max().item()).toBeLessThan(1e-2 * e.abs().max().item() * 1e-3 + 1e-4);
  });
});

describe('optimiser state is kept wherever the optimiser keeps it', () => {
  it('a subclass keeping tensors in its own Map field', () => {
    class Lookahead extends optim.Optimizer<{ lr: number }, Record<string, never>> {
      readonly slow = new Map<Tensor, Tensor>();
      constructor(params: Tensor[]) {
        super('Lookahead', params, { lr: 0.1 });
      }
      protected validate(): void {}
      protected initState(): Record<string, never> {
        return {};
      }
      protected update(p: Tensor, grad: Tensor): void {
        const slow = this.slow.get(p);
        this.slow.set(p, slow === undefined ? p.clone() : slow.mul(0.5).add(p.mul(0.5)));
        p.sub_(grad.mul(0.1));
      }
    }
    const w = randn([64, 64], { generator: g, requiresGrad: true });
    const opt = new Lookahead([w]);
    for (let i = 0; i < 3; i++) {
      w.grad = randn([64, 64], { generator: g });
      opt.step();
    }
    expect(opt.slow.get(w)!.disposed).toBe(false);
    expect(Number.isFinite(opt.slow.get(w)!.sum().item())).toBe(true);
  });
});

describe('engine memory', () => {
  it('reserved memory is never handed out by allocate, whatever is allocated and disposed around it', () => {
    const heap = new WasmHeap(64 * 2 ** 20);
    const reserved: [number, number][] = [];
    const live: Float32Array[] = [];
    for (let round = 0; round < 50; round++) {
      const bytes = 1000 + ((round * 7919) % 50_000);
      const at = heap.reserve(bytes);
      reserved.push([at, at + bytes]);
      new Uint8Array(heap.buffer, at, bytes).fill(0xab);
      for (let k = 0; k < 4; k++) live.push(heap.allocate('float32', 100 + ((round * 31 + k * 977) % 20_000)) as Float32Array);
      while (live.length > 6) heap.dispose(live.splice((round * 13) % live.length, 1)[0]!);
      for (const v of live) {
        for (const [lo, hi] of reserved) expect(v.byteOffset + v.byteLength <= lo || v.byteOffset >= hi).toBe(true);
      }
    }
    for (const [lo, hi] of reserved) expect(new Uint8Array(heap.buffer, lo, hi - lo).every((b) => b === 0xab)).toBe(true);
  });

  it('a heap at its limit sends new storage to the JS heap, and the kernels give the same bits there', () => {
    const x = randn([300, 200], { generator: g });
    const w = randn([200, 150], { generator: g });
    const reference = { mm: x.matmul(w).toTypedArray(), ew: x.exp().mul(x).toTypedArray(), red: x.sum(0).toTypedArray() };
    const limit = wasmMemoryStats().limitBytes;
    try {
      // fill the heap past a small limit with live tensors, then compute on JS-heap copies
      configureWasm({ heapLimitBytes: 2 ** 24 });
      const fill: Tensor[] = [];
      const declinedBefore = wasmMemoryStats().declined;
      while (wasmMemoryStats().declined === declinedBefore) fill.push(randn([1024, 1024], { generator: g }));
      // free blocks of a size class are still reused: clone until the clones land on the JS heap
      const offHeap = (t: Tensor): Tensor => {
        let copy = t.clone();
        while (copy.data.buffer instanceof SharedArrayBuffer) {
          fill.push(copy);
          copy = t.clone();
        }
        return copy;
      };
      const xs = offHeap(x);
      const ws = offHeap(w);
      expect(xs.data.buffer instanceof SharedArrayBuffer).toBe(false);
      expect(Array.from(xs.matmul(ws).toTypedArray())).toEqual(Array.from(reference.mm));
      expect(Array.from(xs.exp().mul(xs).toTypedArray())).toEqual(Array.from(reference.ew));
      expect(Array.from(xs.sum(0).toTypedArray())).toEqual(Array.from(reference.red));
      fill.forEach((t) => t.dispose());
    } finally {
      configureWasm({ heapLimitBytes: limit });
    }
  });
});

describe('settings are validated', () => {
  it('setNumThreads takes an integer from 1 to the cores available', () => {
    const threads = getNumThreads();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 0, -3, 2.5, 1000, '2' as unknown as number]) {
      expect(() => setNumThreads(bad)).toThrow(ArgumentError);
      expect(() => setNumThreads(bad)).toThrow(/\[setNumThreads\] n must be an integer from 1 to \d+/);
    }
    expect(getNumThreads()).toBe(threads);
    setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    setNumThreads(threads);
  });

  it('configureWasm rejects unknown options and bad values, changing nothing', () => {
    const before = wasmMemoryStats().limitBytes;
    expect(() => configureWasm({ minElement: 4 } as never)).toThrow(/unknown option "minElement"/);
    expect(() => configureWasm({ minElements: 0 })).toThrow(/minElements must be an integer/);
    expect(() => configureWasm({ parallelMinMacs: -1 })).toThrow(ArgumentError);
    expect(() => configureWasm({ heapLimitBytes: 1000 })).toThrow(/heapLimitBytes/);
    expect(() => configureWasm({ relaxedSimd: 'no' as never })).toThrow(/relaxedSimd must be a boolean/);
    expect(() => configureWasm(null as never)).toThrow(ArgumentError);
    expect(() => configureWasm([] as never)).toThrow(/options must be an object/);
    // the kernels' build is chosen once: the other one afterwards is refused, the same one accepted
    const loaded = wasmKernels();
    expect(() => configureWasm({ relaxedSimd: loaded !== 'relaxed-simd', minElements: 512 })).toThrow(/relaxedSimd: (true|false) comes too late/);
    configureWasm({ relaxedSimd: loaded === 'relaxed-simd' });
    expect(wasmKernels()).toBe(loaded);
    expect(wasmMemoryStats().limitBytes).toBe(before);
  });
});

/** A module using f32x4.relaxed_madd: valid only where relaxed SIMD is on. */
function relaxedModule(): Uint8Array {
  const v128 = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0, ...v128, ...v128, ...v128, 0xfd, 0x85, 0x02, 0x0b];
  return new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 10, body.length + 2, 1, body.length, ...body]);
}

describe('no engine flag behind the user\'s back', () => {
  it('the kernels take relaxed SIMD only where the runtime accepts it as it is (no V8 flag flipped)', () => {
    const before = RELAXED_BEFORE_LOAD;
    randn([1000], { generator: g }).exp();
    expect(WebAssembly.validate(relaxedModule())).toBe(before);
    expect(wasmKernels()).toBe(before ? 'relaxed-simd' : 'simd');
  });

  it('using the wasm backend sets no V8 flag: a new vm context has no global gc', () => {
    const m = new nn.Linear(300, 300);
    F.mseLoss(m.forward(randn([64, 300], { generator: g })), tensor(0).expand([64, 300])).backward();
    expect(wasmMemoryStats().forcedCollections).toBe(false);
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});

describe('setBackend and registerBackend check what they are given', () => {
  it('null, a number or an object without kernels is an ArgumentError, and the backend stays', () => {
    const before = setBackend('wasm');
    for (const bad of [null, undefined, 3, {}, { name: 'half' }, { name: 'half', unary: () => null }]) {
      expect(() => setBackend(bad as never)).toThrow(ArgumentError);
    }
    expect(() => setBackend(null as never)).toThrow(/\[setBackend\] expected a backend name \(js, wasm\) or a Backend object, got null/);
    expect(() => setBackend({ name: 'half' } as never)).toThrow(/backend "half" lacks the kernels unary, binary/);
    expect(() => setBackend('nope')).toThrow(/unknown backend "nope"/);
    expect(setBackend(before).name).toBe('wasm');
  });
});

describe('keep and zeroGrad, and tensors of another copy of the library', () => {
  it('zeroGrad drops a gradient user code kept instead of freeing it', () => {
    const m = new nn.Linear(64, 64);
    m.forward(randn([4, 64], { generator: g })).sum().backward();
    const kept = keep(m.weight.grad!);
    const copy = kept.clone();
    m.zeroGrad();
    expect(m.weight.grad).toBe(null);
    expect(kept.disposed).toBe(false);
    expect(kept.sub(copy).abs().max().item()).toBe(0);
  });

  it('an error names a tensor of another copy (ESM and CJS both loaded) as such, and a tensor as Tensor', () => {
    const foreign = { _storage: {}, shape: [2], strides: [1], offset: 0, dtype: 'float32' };
    expect(() => tensor([1, 2]).add(foreign as never)).toThrow(/a Tensor from another copy of nabla/);
    expect(() => tensor([1, 2]).add(foreign as never)).not.toThrow(/_Tensor/);
    expect(() => randn([2], { generator: g }).pow(tensor([1, 2]) as never as number)).not.toThrow(/another copy/);
  });
});

describe('backward options first, as PyTorch keywords', () => {
  it('loss.backward({ retainGraph: true }) keeps the graph for a second backward', () => {
    const w = randn([8], { generator: g, requiresGrad: true });
    const loss = w.square().sum();
    loss.backward({ retainGraph: true });
    loss.backward();
    expect(w.grad!.sub(w.detach().mul(4)).abs().max().item()).toBeLessThan(1e-5);
    expect(() => loss.backward()).toThrow(/backward through the graph a second time/);
    expect(() => w.square().sum().backward({} as never, {})).toThrow(/options given twice/);
  });
});

describe('a plain loop under memory pressure', () => {
  it('backward moves the activations it released off the full heap; tensors user code still holds keep their values', () => {
    const limit = wasmMemoryStats().limitBytes;
    const fill: Tensor[] = [];
    try {
      configureWasm({ heapLimitBytes: 2 ** 24 });
      // live tensors past half the limit: the heap is under pressure
      while (wasmMemoryStats().bytesInUse <= 2 ** 23) fill.push(randn([256, 256], { generator: g }));
      const w = randn([512, 512], { generator: g, requiresGrad: true });
      const x = randn([64, 512], { generator: g });
      const hidden = x.matmul(w).tanh();               // an activation user code holds
      const before = hidden.toTypedArray();
      expect(hidden.data.buffer instanceof SharedArrayBuffer).toBe(true);
      const inUse = wasmMemoryStats().bytesInUse;
      hidden.square().sum().backward();
      expect(hidden.data.buffer instanceof SharedArrayBuffer).toBe(false); // moved to the JS heap …
      expect(Array.from(hidden.toTypedArray())).toEqual(Array.from(before)); // … with its values
      expect(wasmMemoryStats().bytesInUse).toBeLessThan(inUse + 512 * 512 * 4); // its block (and the rest) came back
      const h = x.matmul(w.detach()).tanh();
      const expected = x.t().matmul(h.mul(2).mul(h.square().neg().add(1)));
      expect(w.grad!.sub(expected).abs().max().item()).toBeLessThan(1e-3);
    } finally {
      fill.forEach((t) => t.dispose());
      configureWasm({ heapLimitBytes: limit });
    }
  });
});
