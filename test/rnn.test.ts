/**
 * Recurrent layers against real PyTorch (test/fixtures/rnn.json, written by scripts/fixtures/rnn.py):
 * each PyTorch state dict loads with strict loading and gives the same outputs, final states and
 * gradients (input, initial states, every parameter), in float64 and in float32 on both backends.
 * Then: names and init, variable-length batches against running each sequence alone (property
 * test), the fused kernels of both backends against each other, dropout, and the errors.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, DTypeError, F, ShapeError, autograd, backend, configureWasm, gradcheck, manualSeed, nn, randn, setBackend, stack, tensor,
  type DType, type Tensor,
} from '../src/index.js';
import { expectError, values } from './helpers/expect.js';

interface Arr { shape: number[]; data: number[] }
interface Case {
  name: string;
  kind: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  args: [number, number];
  options: Record<string, unknown>;
  state: Record<string, Arr>;
  input: Arr;
  h0: Arr | null;
  c0: Arr | null;
  lengths: number[] | null;
  output: Arr;
  hN: Arr | null;
  cN: Arr | null;
  cot: { output: Arr; hN: Arr | null; cN: Arr | null };
  grads: { input: Arr; h0: Arr | null; c0: Arr | null; params: Record<string, Arr> };
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/rnn.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  names: { kind: 'LSTM' | 'GRUCell'; args: [number, number]; options: Record<string, unknown>; keys: [string, number[]][] }[];
};

const CLASSES = { RNN: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU, RNNCell: nn.RNNCell, LSTMCell: nn.LSTMCell, GRUCell: nn.GRUCell };
const toTensor = (a: Arr, dtype: DType, requiresGrad = false): Tensor => tensor(Float64Array.from(a.data), { shape: a.shape, dtype, requiresGrad });

function expectClose(actual: Tensor, expected: Arr, tol: number, what: string): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const got = values(actual);
  got.forEach((g, i) => {
    if (Math.abs(g - expected.data[i]!) > tol * (1 + Math.abs(expected.data[i]!))) {
      throw new Error(`${what}[${i}]: got ${g}, PyTorch ${expected.data[i]} (tolerance ${tol})`);
    }
  });
}

/** Runs a case: the module with PyTorch's state, its outputs and the gradients of sum(out·cot). */
function replay(c: Case, dtype: DType): { outputs: Record<string, Tensor | null>; grads: Record<string, Tensor | null> } {
  const module = new CLASSES[c.kind](c.args[0], c.args[1], { ...c.options, dtype } as never) as nn.Module;
  const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, toTensor(v, dtype)]));
  expect(module.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
  const x = toTensor(c.input, dtype, true);
  const h0 = c.h0 ? toTensor(c.h0, dtype, true) : null;
  const c0 = c.c0 ? toTensor(c.c0, dtype, true) : null;
  const batchFirst = c.options.batchFirst === true;
  let output: Tensor;
  let hN: Tensor | null = null;
  let cN: Tensor | null = null;
  if (c.kind === 'LSTMCell') {
    [output, cN] = (module as nn.LSTMCell).forward(x, h0 && c0 ? [h0, c0] : null);
  } else if (c.kind === 'RNNCell' || c.kind === 'GRUCell') {
    output = (module as nn.GRUCell).forward(x, h0);
  } else {
    const input = c.lengths ? nn.packPaddedSequence(x, c.lengths, { batchFirst, enforceSorted: false }) : x;
    const [out, state] = c.kind === 'LSTM'
      ? (module as nn.LSTM).forward(input as Tensor, h0 && c0 ? [h0, c0] : null)
      : (module as nn.GRU).forward(input as Tensor, h0);
    output = out instanceof nn.PackedSequence ? nn.padPackedSequence(out, { batchFirst, totalLength: c.input.shape[batchFirst ? 1 : 0] })[0] : out;
    [hN, cN] = Array.isArray(state) ? state : [state, null];
  }
  let loss = output.mul(toTensor(c.cot.output, dtype)).sum();
  if (hN && c.cot.hN) loss = loss.add(hN.mul(toTensor(c.cot.hN, dtype)).sum());
  if (cN && c.cot.cN) loss = loss.add(cN.mul(toTensor(c.cot.cN, dtype)).sum());
  const params = module.namedParameters();
  const wrt = [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...params.map(([, p]) => p)];
  const gs = autograd.grad(loss, wrt);
  const grads: Record<string, Tensor | null> = { input: gs[0]! };
  let k = 1;
  if (h0) grads.h0 = gs[k++]!;
  if (c0) grads.c0 = gs[k++]!;
  params.forEach(([name]) => (grads[name] = gs[k++]!));
  return { outputs: { output, hN, cN }, grads };
}

function checkCase(c: Case, dtype: DType, tol: number): void {
  const { outputs, grads } = replay(c, dtype);
  expectClose(outputs.output!, c.output, tol, `${c.name} output`);
  if (c.hN) expectClose(outputs.hN!, c.hN, tol, `${c.name} hN`);
  if (c.cN) expectClose(outputs.cN!, c.cN, tol, `${c.name} cN`);
  expectClose(grads.input!, c.grads.input, tol, `${c.name} d input`);
  if (c.grads.h0) expectClose(grads.h0!, c.grads.h0, tol, `${c.name} d h0`);
  if (c.grads.c0) expectClose(grads.c0!, c.grads.c0, tol, `${c.name} d c0`);
  for (const [name, g] of Object.entries(c.grads.params)) expectClose(grads[name]!, g, tol, `${c.name} d ${name}`);
}

describe('recurrent layers against PyTorch (committed fixtures)', () => {
  it('covers every layer, with lengths, unbatched inputs and cells', () => {
    expect(new Set(fixture.cases.map((c) => c.kind))).toEqual(new Set(Object.keys(CLASSES)));
    expect(fixture.cases.filter((c) => c.lengths).length).toBeGreaterThanOrEqual(6);
  });
  for (const c of fixture.cases) {
    it(`${c.name}: float64 outputs, states and gradients`, () => checkCase(c, 'float64', 1e-10));
    for (const b of ['js', 'wasm'] as const) {
      it(`${c.name}: float32 on ${b}`, () => {
        const previous = setBackend(b);
        if (b === 'wasm') configureWasm({ minElements: 1 });
        try {
          checkCase(c, 'float32', 2e-4);
        } finally {
          configureWasm({ minElements: 256 });
          setBackend(previous);
        }
      });
    }
  }

  it('parameters are typed fields (weightIhL0 ↔ weight_ih_l0) and allWeights lists them per layer and direction', () => {
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    expect(lstm.weightHhL1Reverse).toBe(lstm.allWeights[3]![1]);
    expect(lstm.biasIhL0!.shape).toEqual([16]);
    expect(lstm.stateDict()['weight_hh_l1_reverse']!.shape).toEqual(lstm.weightHhL1Reverse!.shape);
  });

  it('parameter names and shapes are PyTorch\'s; init is U(−1/√H, 1/√H)', () => {
    for (const n of fixture.names) {
      const options = { ...n.options };
      delete options.projSize;
      const m = new CLASSES[n.kind](n.args[0], n.args[1], options as never) as nn.Module;
      expect(Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape])).toEqual(n.keys);
      const bound = 1 / Math.sqrt(n.args[1]);
      for (const p of m.parameters()) {
        const v = values(p);
        expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
        expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(0.8 * bound);
      }
    }
  });
});

describe('variable-length batches', () => {
  const kinds = [nn.RNN, nn.LSTM, nn.GRU] as const;
  it('a padded batch with lengths gives each sequence the outputs and final state of running it alone (property)', () => {
    fc.assert(fc.property(
      fc.constantFrom(0, 1, 2), fc.boolean(), fc.boolean(), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 1000 }),
      (kind, bidirectional, batchFirst, lengths, seed) => {
        manualSeed(seed);
        const m = new kinds[kind](2, 3, { bidirectional, batchFirst, numLayers: 2, dtype: 'float64' }) as nn.GRU;
        const seqs = lengths.map((n) => randn([n, 2], { dtype: 'float64' }));
        const longest = Math.max(...lengths);
        const padded = stack(seqs.map((q) => q.pad([0, 0, 0, longest - q.shape[0]!])), batchFirst ? 0 : 1);
        const [out, state] = m.forward(nn.packPaddedSequence(padded, lengths, { batchFirst, enforceSorted: false }));
        const [unpacked] = nn.padPackedSequence(out, { batchFirst });
        const hN = (Array.isArray(state) ? state[0] : state) as Tensor;
        seqs.forEach((s, b) => {
          const [alone, aloneState] = m.forward(batchFirst ? s.unsqueeze(0) : s.unsqueeze(1));
          const aloneH = (Array.isArray(aloneState) ? aloneState[0] : aloneState) as Tensor;
          const mine = batchFirst ? unpacked.select(0, b) : unpacked.select(1, b);
          const n = lengths[b]!;
          expect(values(mine.narrow(0, 0, n)).map((v, i) => v - values(alone.flatten(0, 1))[i]!).every((d) => Math.abs(d) < 1e-12)).toBe(true);
          if (n < mine.shape[0]!) expect(values(mine.narrow(0, n, mine.shape[0]! - n)).every((v) => v === 0)).toBe(true);
          const diff = values(hN.select(1, b)).map((v, i) => Math.abs(v - values(aloneH.select(1, 0))[i]!));
          expect(Math.max(...diff)).toBeLessThan(1e-12);
        });
      },
    ), { numRuns: 40 });
  });

  it('gradcheck through a packed bidirectional LSTM', () => {
    manualSeed(3);
    const m = new nn.LSTM(2, 3, { bidirectional: true, dtype: 'float64' });
    const x = randn([4, 3, 2], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((a) => nn.padPackedSequence(m.forward(nn.packPaddedSequence(a, [4, 1, 3], { enforceSorted: false }))[0])[0], [x])).toBe(true);
  });

  it('padPackedSequence pads the time dim to totalLength (batch-first or not), with paddingValue', () => {
    const p = nn.packPaddedSequence(tensor([[1, 2], [3, 4], [5, 0]]), [3, 2]);
    const [a, lengths] = nn.padPackedSequence(p, { totalLength: 5, paddingValue: -1 });
    expect(a.toArray()).toEqual([[1, 2], [3, 4], [5, -1], [-1, -1], [-1, -1]]);
    expect(values(lengths)).toEqual([3, 2]);
    const [b] = nn.padPackedSequence(nn.packPaddedSequence(randn([4, 2, 3]), [3, 2]), { totalLength: 6, batchFirst: true });
    expect(b.shape).toEqual([2, 6, 3]);
  });

  it('what lies past a sequence\'s end is never read: NaN or ∞ padding changes no output and no gradient', () => {
    manualSeed(4);
    const m = new nn.LSTM(2, 3, { bidirectional: true, dtype: 'float64' });
    const clean = randn([4, 2, 2], { dtype: 'float64' });
    const run = (x: Tensor): number[][] => {
      const leaf = x.detach().requiresGrad_();
      const [out, [h]] = m.forward(nn.packPaddedSequence(leaf, [4, 2]));
      const loss = nn.padPackedSequence(out)[0].sum().add(h.sum());
      const grads = autograd.grad(loss, [leaf, ...m.parameters()]);
      return grads.map((g) => values(g!));
    };
    const padded = clean.clone();
    padded.narrow(0, 2, 2).select(1, 1).fill_(Number.NaN);
    padded.narrow(0, 3, 1).select(1, 1).fill_(Infinity);
    expect(run(padded)).toEqual(run(clean));
  });

  it('packPaddedSequence checks its lengths as PyTorch does', () => {
    const x = randn([4, 2, 3]);
    expectError(() => nn.packPaddedSequence(x, [2, 3]), ArgumentError,
      '[packPaddedSequence] lengths must be sorted in decreasing order when enforceSorted is true (got 2, 3); pass { enforceSorted: false } to pack unsorted sequences');
    expectError(() => nn.packPaddedSequence(x, [5, 3]), ArgumentError, '[packPaddedSequence] lengths[0] must be an integer in [1, 4] (the padded length), got 5');
    expectError(() => nn.packPaddedSequence(x, [3]), ShapeError, '[packPaddedSequence] expected 2 lengths (one per sequence of the batch), got 1');
    expectError(() => nn.packPaddedSequence(x, [0, 0], { enforceSorted: false }), ArgumentError, '[packPaddedSequence] lengths[0] must be an integer in [1, 4] (the padded length), got 0');
  });
});

describe('fused cell kernels', () => {
  it('the wasm kernels (SIMD groups and tail) agree with the TypeScript reference, forward and backward', () => {
    manualSeed(5);
    for (const h of [1, 4, 7, 64]) {
      const run = (b: 'js' | 'wasm'): number[][] => {
        const previous = setBackend(b);
        configureWasm({ minElements: 1 });
        try {
          manualSeed(h);
          const gi = randn([3, 4 * h], { requiresGrad: true });
          const gh = randn([3, 4 * h], { requiresGrad: true });
          const c = randn([3, h], { requiresGrad: true });
          const [h1, c1] = F.lstmCell(gi, gh, c);
          const g1 = autograd.grad(h1.mul(randn([3, h])).sum().add(c1.mul(randn([3, h])).sum()), [gi, gh, c]);
          const gri = randn([3, 3 * h], { requiresGrad: true });
          const grh = randn([3, 3 * h], { requiresGrad: true });
          const hp = randn([3, h], { requiresGrad: true });
          const h2 = F.gruCell(gri, grh, hp);
          const g2 = autograd.grad(h2.mul(randn([3, h])).sum(), [gri, grh, hp]);
          expect(backend().name).toBe(b);
          return [h1, c1, ...g1, h2, ...g2].map((t) => values(t!));
        } finally {
          configureWasm({ minElements: 256 });
          setBackend(previous);
        }
      };
      const [js, wasm] = [run('js'), run('wasm')];
      js.forEach((a, k) => a.forEach((v, i) => expect(Math.abs(v - wasm[k]![i]!), `h=${h} tensor ${k} [${i}]`).toBeLessThan(2e-6 * (1 + Math.abs(v)))));
    }
  });
});

describe('layer behaviour and errors', () => {
  it('dropout applies between layers in training only', () => {
    manualSeed(1);
    const m = new nn.GRU(3, 4, { numLayers: 2, dropout: 0.5 });
    const x = randn([5, 2, 3]);
    const [a] = m.forward(x);
    const [b] = m.forward(x);
    expect(values(a)).not.toEqual(values(b));
    m.eval();
    expect(values(m.forward(x)[0])).toEqual(values(m.forward(x)[0]));
  });

  it('prints as PyTorch does', () => {
    expect(new nn.LSTM(10, 20, { numLayers: 2, batchFirst: true }).toString()).toBe('LSTM(10, 20, numLayers=2, batchFirst=true)');
    expect(new nn.RNN(3, 4, { nonlinearity: 'relu' }).toString()).toBe("RNN(3, 4, nonlinearity='relu')");
  });

  it('bad arguments and inputs throw typed errors naming the layer', () => {
    expectError(() => new nn.LSTM(0, 3), ArgumentError, '[LSTM] inputSize must be a positive integer, got 0');
    expectError(() => new nn.GRU(3, 4, { dropout: 2 }), ArgumentError, '[GRU] dropout must be a number in [0, 1], got 2');
    expectError(() => new nn.LSTM(3, 4, { batch_first: true } as never), ArgumentError,
      '[LSTM] unknown option "batch_first"; the options are numLayers, bias, batchFirst, dropout, bidirectional, dtype');
    expectError(() => new nn.LSTM(3, 4, { nonlinearity: 'relu' } as never), ArgumentError, /\[LSTM\] unknown option "nonlinearity"/);
    expectError(() => new nn.LSTMCell(3, 4, { nonlinearity: 'relu' } as never), ArgumentError, /\[LSTMCell\] unknown option "nonlinearity"/);
    expectError(() => nn.packPaddedSequence(randn([2, 1, 3]), [2], { batch_first: true } as never), ArgumentError, /\[packPaddedSequence\] unknown option "batch_first"/);
    expectError(() => new nn.GRU(3, 4).forward(randn([0, 2, 3])), ShapeError, '[GRU] expected a sequence length larger than 0, got input shape [0,2,3]');
    expectError(() => new nn.RNN(3, 4, { nonlinearity: 'sigmoid' as never }), ArgumentError, '[RNN] nonlinearity must be \'tanh\' or \'relu\', got "sigmoid"');
    const lstm = new nn.LSTM(3, 4);
    expectError(() => lstm.forward(randn([5, 2, 6])), ShapeError, '[LSTM] input.size(-1) must be equal to inputSize: expected 3, got 6 (input shape [5,2,6])');
    expectError(() => lstm.forward(randn([5, 4])), ShapeError, /input.size\(-1\) must be equal to inputSize/);
    expectError(() => lstm.forward(randn([2, 5, 2, 3])), ShapeError, /\[LSTM\] expected a 3-d input/);
    expectError(() => lstm.forward(randn([5, 2, 3]), [randn([1, 3, 4]), randn([1, 2, 4])]), ShapeError,
      '[LSTM] expected h0 of shape [1,2,4] ([numLayers·numDirections, B, hiddenSize]), got [1,3,4]');
    expectError(() => lstm.forward(randn([5, 2, 3], { dtype: 'float64' })), DTypeError, '[LSTM] input must be float32 (the parameters\' dtype), got float64');
    expectError(() => lstm.forward(randn([5, 2, 3]), randn([1, 2, 4]) as never), ArgumentError, /\[LSTM\] the state must be a pair \[h0, c0\]/);
    expectError(() => new nn.GRUCell(3, 4).forward(randn([2, 5])), ShapeError, '[GRUCell] expected an input of shape [B, 3] or [3], got [2,5]');
    expectError(() => new nn.GRU(3, 4, { dtype: 'int32' as never }), DTypeError, '[GRU] dtype must be float32 or float64, got "int32"');
    expectError(() => new nn.LSTMCell(3, 4).forward(randn([2, 3]), [randn([2, 4]), randn([3, 4])]), ShapeError, '[LSTMCell] expected c of shape [2,4], got [3,4]');
    expectError(() => new nn.GRUCell(3, 4).forward(randn([3]), randn([2, 4])), ShapeError, '[GRUCell] expected h of shape [4], got [2,4]');
    expectError(() => F.gruCell(randn([2, 6]), randn([2, 6]), randn([2, 2], { dtype: 'float64' })), DTypeError,
      '[gruCell] expects gi, gh and h of one float dtype, got float32, float32 and float64');
    expectError(() => new nn.PackedSequence(randn([4]), [1]), ShapeError, '[PackedSequence] data must be a time-major [T, B, *] tensor, got [4]');
    expectError(() => nn.padPackedSequence(nn.packPaddedSequence(randn([4, 2, 1]), [3, 2]), { totalLength: 2 }), ArgumentError,
      '[padPackedSequence] totalLength must be an integer at least the longest sequence (3), got 2');
    expectError(() => nn.padPackedSequence({} as never), ArgumentError, /\[padPackedSequence\] expected a PackedSequence/);
    expectError(() => F.lstmCell(randn([2, 8]), randn([2, 8]), randn([2, 3])), ShapeError,
      '[lstmCell] expects gi and gh of shape [B, 4H] and c of shape [B, H], got gi [2,8], gh [2,8], c [2,3]');
  });
});
