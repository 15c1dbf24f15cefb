/**
 * MultiheadAttention and the Transformer modules against real PyTorch (test/fixtures/transformer.json,
 * written by scripts/fixtures/transformer.py): each PyTorch state dict loads with strict loading, the
 * keys are PyTorch's in PyTorch's order, and outputs, attention weights and gradients (every input and
 * parameter) match, in float64 and in float32 on both backends. Then: shapes of the weights, the two
 * attention paths and the mask conventions against each other, init, deep copies, the causal mask and
 * the positional encoding against closed forms, dropout, and the errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, DTypeError, ShapeError, autograd, configureWasm, manualSeed, nn, noGrad, randn, setBackend, tensor, zeros,
  type DType, type Tensor,
} from '../src/index.js';
import { expectError, stats, values } from './helpers/expect.js';

interface Arr { shape: number[]; data: number[] }
interface MaskJson { kind: 'bool' | 'float' | 'causal'; shape: number[]; data?: (number | boolean)[]; size?: number; hint?: boolean }
type Kind = 'MultiheadAttention' | 'TransformerEncoderLayer' | 'TransformerDecoderLayer' | 'TransformerEncoder' | 'TransformerDecoder' | 'Transformer';
interface Spec { kind: Kind; args: number[]; options: Record<string, unknown>; norm?: boolean; layer?: Spec }
interface Case extends Spec {
  name: string;
  selfAttention: boolean;
  call: { needWeights?: boolean; averageAttnWeights?: boolean };
  keys: string[];
  state: Record<string, Arr>;
  inputs: Record<string, Arr>;
  masks: Record<string, MaskJson>;
  output: Arr;
  weights: Arr | null;
  cot: { output: Arr; weights: Arr | null };
  grads: { inputs: Record<string, Arr>; params: Record<string, Arr> };
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/transformer.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  names: (Spec & { keys: [string, number[]][] })[];
};

const toTensor = (a: Arr, dtype: DType, requiresGrad = false): Tensor => tensor(Float64Array.from(a.data), { shape: a.shape, dtype, requiresGrad });

const maxAbs = (t: Tensor): number => values(t).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

function expectClose(actual: Tensor, expected: Arr, tol: number, what: string): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  values(actual).forEach((g, i) => {
    if (!(Math.abs(g - expected.data[i]!) <= tol * (1 + Math.abs(expected.data[i]!)))) {
      throw new Error(`${what}[${i}]: got ${g}, PyTorch ${expected.data[i]} (tolerance ${tol})`);
    }
  });
}

/** The fixture's options with nabla's values ('tanh' stands for a user's function). */
function options(spec: Spec, dtype: DType): Record<string, unknown> {
  const out: Record<string, unknown> = { ...spec.options, dtype };
  if (out.activation === 'tanh') out.activation = (x: Tensor): Tensor => x.tanh();
  return out;
}

function build(spec: Spec, dtype: DType): nn.Module {
  const [a, b] = spec.args as [number, number];
  switch (spec.kind) {
    case 'MultiheadAttention': return new nn.MultiheadAttention(a, b, options(spec, dtype));
    case 'TransformerEncoderLayer': return new nn.TransformerEncoderLayer(a, b, options(spec, dtype));
    case 'TransformerDecoderLayer': return new nn.TransformerDecoderLayer(a, b, options(spec, dtype));
    case 'TransformerEncoder':
    case 'TransformerDecoder': {
      const norm = spec.norm ? new nn.LayerNorm(spec.layer!.args[0]!, { dtype }) : null;
      const Stack = spec.kind === 'TransformerEncoder' ? nn.TransformerEncoder : nn.TransformerDecoder;
      return new Stack(build(spec.layer!, dtype), a, { norm });
    }
    case 'Transformer': return new nn.Transformer(options(spec, dtype));
  }
}

/** The forward options a case's masks give (a causal mask with `hint` also sets PyTorch 2's isCausal hint). */
function maskOptions(c: Case, dtype: DType): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const hintName: Record<string, string> = {
    attnMask: 'isCausal', mask: 'isCausal', srcMask: c.kind === 'Transformer' ? 'srcIsCausal' : 'isCausal', tgtMask: 'tgtIsCausal', memoryMask: 'memoryIsCausal',
  };
  for (const [name, m] of Object.entries(c.masks)) {
    if (m.kind === 'causal') {
      out[name] = nn.generateSquareSubsequentMask(m.size!, { dtype });
      if (m.hint) out[hintName[name]!] = true;
    } else if (m.kind === 'bool') out[name] = tensor(Uint8Array.from(m.data!, Number), { shape: m.shape, dtype: 'bool' });
    else out[name] = toTensor(m as Arr, dtype);
  }
  return out;
}

/** Runs a case with PyTorch's state: the output, the weights and the gradients of sum(out·cot) + sum(weights·cot). */
function replay(c: Case, dtype: DType): { module: nn.Module; output: Tensor; weights: Tensor | null; grads: Map<string, Tensor> } {
  const module = build(c, dtype);
  expect(Object.keys(module.stateDict()), `${c.name} state-dict keys`).toEqual(c.keys);
  const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, toTensor(v, dtype)]));
  expect(module.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
  const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, toTensor(v, dtype, true)]));
  const masks = maskOptions(c, dtype);
  let output: Tensor;
  let weights: Tensor | null = null;
  if (c.kind === 'MultiheadAttention') {
    const q = inputs.query!;
    const [k, v] = c.selfAttention ? [q, q] : [inputs.key!, inputs.value!];
    [output, weights] = (module as nn.MultiheadAttention).forward(q, k, v, { ...masks, ...c.call });
  } else if (c.kind === 'TransformerEncoderLayer' || c.kind === 'TransformerEncoder') {
    output = (module as nn.TransformerEncoder).forward(inputs.src!, masks);
  } else if (c.kind === 'Transformer') {
    output = (module as nn.Transformer).forward(inputs.src!, inputs.tgt!, masks);
  } else {
    output = (module as nn.TransformerDecoder).forward(inputs.tgt!, inputs.memory!, masks);
  }
  let loss = output.mul(toTensor(c.cot.output, dtype)).sum();
  if (weights !== null && c.cot.weights) loss = loss.add(weights.mul(toTensor(c.cot.weights, dtype)).sum());
  const params = module.namedParameters();
  const names = [...Object.keys(inputs), ...params.map(([name]) => name)];
  const gs = autograd.grad(loss, [...Object.values(inputs), ...params.map(([, p]) => p)]);
  return { module, output, weights, grads: new Map(names.map((name, i) => [name, gs[i]!])) };
}

function checkCase(c: Case, dtype: DType, tol: number): void {
  const { output, weights, grads } = replay(c, dtype);
  expectClose(output, c.output, tol, `${c.name} output`);
  if (c.weights) expectClose(weights!, c.weights, tol, `${c.name} weights`);
  else expect(weights).toBeNull();
  for (const [name, g] of Object.entries(c.grads.inputs)) expectClose(grads.get(name)!, g, tol, `${c.name} d ${name}`);
  expect(Object.keys(c.grads.params)).toEqual(c.keys);
  for (const [name, g] of Object.entries(c.grads.params)) expectClose(grads.get(name)!, g, tol, `${c.name} d ${name}`);
}

function onBackend(b: 'js' | 'wasm', fn: () => void): void {
  const previous = setBackend(b);
  if (b === 'wasm') configureWasm({ minElements: 1 });
  try {
    fn();
  } finally {
    configureWasm({ minElements: 256 });
    setBackend(previous);
  }
}

describe('attention and Transformer modules against PyTorch (committed fixtures)', () => {
  it('covers every module, both attention paths, every mask kind and batchFirst', () => {
    const kinds = new Set(fixture.cases.map((c) => c.kind));
    expect(kinds).toEqual(new Set(['MultiheadAttention', 'TransformerEncoderLayer', 'TransformerDecoderLayer', 'TransformerEncoder', 'TransformerDecoder', 'Transformer']));
    const mha = fixture.cases.filter((c) => c.kind === 'MultiheadAttention');
    expect(mha.some((c) => c.call.needWeights === false) && mha.some((c) => c.call.needWeights !== false)).toBe(true);
    const maskKinds = new Set(fixture.cases.flatMap((c) => Object.values(c.masks).map((m) => m.kind)));
    expect(maskKinds).toEqual(new Set(['bool', 'float', 'causal']));
  });
  for (const c of fixture.cases) {
    it(`${c.name}: float64 outputs, weights and gradients`, () => checkCase(c, 'float64', 1e-10));
    for (const b of ['js', 'wasm'] as const) it(`${c.name}: float32 on ${b}`, () => onBackend(b, () => checkCase(c, 'float32', 5e-4)));
  }

  it('state-dict keys and shapes are PyTorch\'s for larger modules', () => {
    for (const n of fixture.names) {
      const m = build(n, 'float32');
      expect(Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape]), n.kind).toEqual(n.keys);
    }
  });
});

describe('MultiheadAttention', () => {
  const [E, H, L, S, N] = [8, 2, 3, 5, 4];
  const inputs = (batchFirst = false): [Tensor, Tensor, Tensor] =>
    batchFirst ? [randn([N, L, E]), randn([N, S, E]), randn([N, S, E])] : [randn([L, N, E]), randn([S, N, E]), randn([S, N, E])];

  it('returns weights of PyTorch\'s shapes that are rows of a softmax', () => {
    manualSeed(1);
    const mha = new nn.MultiheadAttention(E, H);
    const [q, k, v] = inputs();
    const [out, w] = mha.forward(q, k, v);
    expect(out.shape).toEqual([L, N, E]);
    expect(w!.shape).toEqual([N, L, S]);
    values(w!.sum(-1)).forEach((x) => expect(x).toBeCloseTo(1, 6));
    expect(mha.forward(q, k, v, { averageAttnWeights: false })[1]!.shape).toEqual([N, H, L, S]);
    expect(mha.forward(q, k, v, { needWeights: false })[1]).toBeNull();
    const [o1, w1] = mha.forward(q.select(1, 0), k.select(1, 0), v.select(1, 0), { averageAttnWeights: false });
    expect([o1.shape, w1!.shape]).toEqual([[L, E], [H, L, S]]);
    const extra = new nn.MultiheadAttention(E, H, { addBiasKv: true, addZeroAttn: true, batchFirst: true });
    const [qb, kb, vb] = inputs(true);
    const [o2, w2] = extra.forward(qb, kb, vb);
    expect([o2.shape, w2!.shape]).toEqual([[N, L, E], [N, L, S + 2]]);
  });

  it('the explicit-weights path and F.scaledDotProductAttention agree, with every kind of mask', () => {
    manualSeed(2);
    for (const options of [{}, { addBiasKv: true }, { addZeroAttn: true }, { kdim: 3, vdim: 6 }]) {
      const mha = new nn.MultiheadAttention(E, H, { ...options, dtype: 'float64' });
      const kdim = (options as { kdim?: number }).kdim ?? E;
      const vdim = (options as { vdim?: number }).vdim ?? E;
      const [q, k, v] = [randn([L, N, E], { dtype: 'float64' }), randn([S, N, kdim], { dtype: 'float64' }), randn([S, N, vdim], { dtype: 'float64' })];
      const masks = [
        {},
        { attnMask: randn([L, S], { dtype: 'float64' }) },
        { attnMask: randn([N * H, L, S], { dtype: 'float64' }).gt(0.8), keyPaddingMask: tensor([[0, 0, 0, 1, 1], [0, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]]).gt(0) },
        { keyPaddingMask: randn([N, S], { dtype: 'float64' }) },
      ];
      for (const m of masks) {
        const a = values(mha.forward(q, k, v, m)[0]);
        const b = values(mha.forward(q, k, v, { ...m, needWeights: false })[0]);
        a.forEach((x, i) => expect(x).toBeCloseTo(b[i]!, 10));
      }
    }
  });

  it('a boolean mask (true = masked out) equals the float mask with −∞ there; isCausal equals the causal mask', () => {
    manualSeed(3);
    const mha = new nn.MultiheadAttention(E, H, { dtype: 'float64' });
    const x = randn([L, N, E], { dtype: 'float64' });
    const boolMask = tensor([[0, 1, 1], [0, 0, 1], [1, 0, 0]]).gt(0);
    const floatMask = zeros([L, L], { dtype: 'float64' }).maskedFill(boolMask, -Infinity);
    const close = (a: Tensor, b: Tensor): void => values(a).forEach((v, i) => expect(v).toBeCloseTo(values(b)[i]!, 12));
    close(mha.forward(x, x, x, { attnMask: boolMask })[0], mha.forward(x, x, x, { attnMask: floatMask })[0]);
    const causal = mha.forward(x, x, x, { attnMask: nn.generateSquareSubsequentMask(L, { dtype: 'float64' }) });
    for (const needWeights of [true, false]) close(mha.forward(x, x, x, { isCausal: true, needWeights })[0], causal[0]);
    const kpm = tensor([[false, false, true], [false, true, true], [false, false, false], [true, false, false]]);
    const kpmFloat = zeros([N, L], { dtype: 'float64' }).maskedFill(kpm, -Infinity);
    close(mha.forward(x, x, x, { keyPaddingMask: kpm })[1]!, mha.forward(x, x, x, { keyPaddingMask: kpmFloat })[1]!);
    expect(values(mha.forward(x, x, x, { keyPaddingMask: kpm, averageAttnWeights: false })[1]!.select(0, 1).narrow(-1, 1, 2).abs().sum())[0]).toBe(0);
  });

  it('a query that may attend to no key gets zero weights and a finite output (both paths; PyTorch ≥ 2.5 SDPA)', () => {
    manualSeed(4);
    const mha = new nn.MultiheadAttention(E, H, { dtype: 'float64' });
    const x = randn([L, 1, E], { dtype: 'float64' });
    const attnMask = tensor([[true, true, true], [false, true, true], [false, false, false]]);
    const [out, w] = mha.forward(x, x, x, { attnMask });
    expect(values(w!.select(1, 0))).toEqual([0, 0, 0]);
    expect(values(out).every(Number.isFinite)).toBe(true);
    // the masked query's output is the out-projection's bias (zero at init)
    expect(values(out.select(0, 0)).every((v) => v === 0)).toBe(true);
    const [out2] = mha.forward(x, x, x, { attnMask, needWeights: false });
    values(out2).forEach((v, i) => expect(v).toBeCloseTo(values(out)[i]!, 12));
  });

  it('has PyTorch\'s init: xavier_uniform_ in-projections, zero biases, xavier_normal_ bias_k/bias_v', () => {
    manualSeed(5);
    const e = 256;
    const mha = new nn.MultiheadAttention(e, 4, { addBiasKv: true });
    const bound = Math.sqrt(6 / (e + 3 * e));
    expect(maxAbs(mha.inProjWeight!)).toBeLessThanOrEqual(bound);
    expect(maxAbs(mha.inProjWeight!)).toBeGreaterThan(0.99 * bound);
    expect(values(mha.inProjBias!).every((x) => x === 0) && values(mha.outProj.bias!).every((x) => x === 0)).toBe(true);
    expect(maxAbs(mha.outProj.weight)).toBeLessThanOrEqual(1 / Math.sqrt(e));
    expect(stats(values(mha.biasK!)).std).toBeGreaterThan(0.8 * Math.sqrt(2 / (2 * e)));
    expect(stats(values(mha.biasK!)).std).toBeLessThan(1.2 * Math.sqrt(2 / (2 * e)));
    const separate = new nn.MultiheadAttention(16, 4, { kdim: 8, vdim: 32 });
    expect(maxAbs(separate.vProjWeight!)).toBeLessThanOrEqual(Math.sqrt(6 / (16 + 32)));
    expect(separate.inProjWeight).toBeNull();
  });

  it('dropout changes the output in training mode only', () => {
    manualSeed(6);
    const mha = new nn.MultiheadAttention(E, H, { dropout: 0.5 });
    const [q, k, v] = inputs();
    for (const needWeights of [true, false]) {
      mha.train();
      const a = values(mha.forward(q, k, v, { needWeights })[0]);
      const b = values(mha.forward(q, k, v, { needWeights })[0]);
      expect(a).not.toEqual(b);
      mha.eval();
      expect(values(mha.forward(q, k, v, { needWeights })[0])).toEqual(values(mha.forward(q, k, v, { needWeights })[0]));
    }
  });

  it('throws typed errors naming the argument and the shapes', () => {
    const mha = new nn.MultiheadAttention(E, H);
    const [q, k, v] = inputs();
    expectError(() => new nn.MultiheadAttention(10, 3), ArgumentError, '[MultiheadAttention] embedDim must be divisible by numHeads, got embedDim 10 and numHeads 3');
    expectError(() => new nn.MultiheadAttention(E, H, { batch_first: true } as never), ArgumentError, /\[MultiheadAttention\] unknown option "batch_first"/);
    expectError(() => new nn.MultiheadAttention(E, H, { dropout: 1 }), ArgumentError, /dropout must be a number in \[0, 1\)/);
    expectError(() => mha.forward(q, k, v, { need_weights: false } as never), ArgumentError, /\[MultiheadAttention.forward\] unknown option "need_weights"/);
    expectError(() => mha.forward(q.unsqueeze(0), k, v), ShapeError,
      '[MultiheadAttention] query should be unbatched 2-d [L, E] or batched 3-d [L, N, E], got shape [1,3,4,8]');
    expectError(() => mha.forward(q, k.narrow(2, 0, 4), v), ShapeError, /expected query, key and value of widths embedDim 8, kdim 8 and vdim 8, got query \[3,4,8\], key \[5,4,4\]/);
    expectError(() => mha.forward(q, k, v.narrow(0, 0, 4)), ShapeError, /key and value must agree on their sequence and batch dims/);
    expectError(() => mha.forward(q, k.narrow(1, 0, 2), v.narrow(1, 0, 2)), ShapeError, /same batch size/);
    expectError(() => mha.forward(q, k, v, { attnMask: zeros([L, S + 1]) }), ShapeError,
      '[MultiheadAttention.forward] attnMask must be [L, S] = [3,5] or [N·numHeads, L, S] = [8,3,5], got [3,6]');
    expectError(() => mha.forward(q, k, v, { attnMask: zeros([L, S], { dtype: 'int32' }) }), DTypeError,
      '[MultiheadAttention.forward] attnMask must be bool (true = masked out) or float32 (added to the scores), got int32');
    expectError(() => mha.forward(q, k, v, { keyPaddingMask: zeros([S, N]).gt(0) }), ShapeError, /keyPaddingMask must be \[N, S\] = \[4,5\], got \[5,4\]/);
    expectError(() => mha.forward(q.double(), k.double(), v.double()), DTypeError, /must be float32 \(the parameters' dtype\), got float64/);
  });
});

describe('Transformer layers and model', () => {
  const D = 8;

  it('the layers\' submodules and state-dict keys are PyTorch\'s names; bias: false drops every bias', () => {
    const enc = new nn.TransformerEncoderLayer(D, 2, { dimFeedforward: 16 });
    expect(enc.namedChildren().map(([n]) => n)).toEqual(['self_attn', 'linear1', 'dropout', 'linear2', 'norm1', 'norm2', 'dropout1', 'dropout2']);
    const dec = new nn.TransformerDecoderLayer(D, 2, { dimFeedforward: 16, bias: false });
    expect(Object.keys(dec.stateDict())).toEqual(['self_attn.in_proj_weight', 'self_attn.out_proj.weight', 'multihead_attn.in_proj_weight',
      'multihead_attn.out_proj.weight', 'linear1.weight', 'linear2.weight', 'norm1.weight', 'norm2.weight', 'norm3.weight']);
    const model = new nn.Transformer({ dModel: D, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, bias: false });
    expect(Object.keys(model.stateDict()).filter((k) => k.endsWith('bias'))).toEqual([]);
    const gelu = new nn.TransformerEncoderLayer(D, 2, { activation: new nn.GELU() });
    expect(gelu.namedChildren().map(([n]) => n)).toContain('activation');
  });

  it('an activation given as a module or a function equals the named one', () => {
    manualSeed(7);
    const named = new nn.TransformerEncoderLayer(D, 2, { dimFeedforward: 16, activation: 'gelu', dtype: 'float64' }).eval();
    const x = randn([4, 2, D], { dtype: 'float64' });
    const expected = values(named.forward(x));
    for (const activation of [new nn.GELU(), (t: Tensor): Tensor => nn.functional.gelu(t)]) {
      const layer = new nn.TransformerEncoderLayer(D, 2, { dimFeedforward: 16, activation, dtype: 'float64' }).eval();
      layer.loadStateDict(named.stateDict());
      expect(values(layer.forward(x))).toEqual(expected);
    }
  });

  it('stacks hold deep copies of the layer (equal weights, separate parameters); Transformer re-initialises with xavier_uniform_', () => {
    manualSeed(8);
    const layer = new nn.TransformerEncoderLayer(D, 2, { dimFeedforward: 16 });
    const encoder = new nn.TransformerEncoder(layer, 3);
    const layers = [...encoder.layers] as nn.TransformerEncoderLayer[];
    expect(layers.length).toBe(3);
    for (const l of layers) {
      expect(l).not.toBe(layer);
      expect(l.linear1.weight).not.toBe(layer.linear1.weight);
      expect(values(l.linear1.weight)).toEqual(values(layer.linear1.weight));
    }
    expect(layers[0]!.selfAttn.inProjWeight).not.toBe(layers[1]!.selfAttn.inProjWeight);
    const model = new nn.Transformer({ dModel: D, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 16 });
    for (const [name, p] of model.namedParameters()) {
      if (p.ndim < 2) continue;
      const bound = Math.sqrt(6 / (p.shape[0]! + p.shape[1]!));
      expect(maxAbs(p), name).toBeLessThanOrEqual(bound);
    }
    expect(Object.keys(model.stateDict())).toContain('encoder.norm.weight');
    expect(Object.keys(model.stateDict())).toContain('decoder.norm.bias');
  });

  it('deepCopy keeps tied weights tied and leaves the original alone', () => {
    const a = new nn.Linear(3, 3);
    const tied = new nn.Sequential(a, a);
    const copy = nn.deepCopy(tied);
    expect(copy.at(0)).toBe(copy.at(1));
    expect(copy.at(0)).not.toBe(a);
    const w = values(a.weight);
    expect(values((copy.at(0) as nn.Linear).weight)).toEqual(w);
    noGrad(() => (copy.at(0) as nn.Linear).weight.fill_(7));
    expect(values(a.weight)).toEqual(w);
    expect(copy.parameters().length).toBe(2);
  });

  it('dropout changes the output in training mode and not in eval', () => {
    manualSeed(9);
    const model = new nn.Transformer({ dModel: D, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, dropout: 0.3 });
    const [src, tgt] = [randn([5, 2, D]), randn([4, 2, D])];
    expect(values(model.forward(src, tgt))).not.toEqual(values(model.forward(src, tgt)));
    model.eval();
    expect(values(model.forward(src, tgt))).toEqual(values(model.forward(src, tgt)));
  });

  it('throws typed errors for bad arguments', () => {
    expectError(() => new nn.TransformerEncoderLayer(10, 3), ArgumentError, '[TransformerEncoderLayer] dModel must be divisible by nhead, got dModel 10 and nhead 3');
    expectError(() => new nn.TransformerEncoderLayer(D, 2, { activation: 'swish' as never }), ArgumentError, /activation should be 'relu', 'gelu', a function or a Module, not "swish"/);
    expectError(() => new nn.TransformerDecoderLayer(D, 2, { norm_first: true } as never), ArgumentError, /unknown option "norm_first"/);
    expectError(() => new nn.Transformer({ d_model: 8 } as never), ArgumentError, /\[Transformer\] unknown option "d_model"/);
    const model = new nn.Transformer({ dModel: D, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
    expectError(() => model.forward(randn([5, 2, D]), randn([4, 3, D])), ShapeError, /the batch number of src and tgt must be equal \(dim 1\), got src \[5,2,8\], tgt \[4,3,8\]/);
    expectError(() => model.forward(randn([5, 2, 4]), randn([4, 2, 4])), ShapeError, /the feature number of src and tgt must be equal to dModel 8/);
    expectError(() => model.forward(randn([5, 2, D]), randn([4, 2, D]), { tgt_mask: null } as never), ArgumentError, /unknown option "tgt_mask"/);
    const layer = new nn.TransformerEncoderLayer(D, 2);
    expectError(() => layer.forward(randn([5, 2, D]), { srcMask: zeros([4, 4]) }), ShapeError, /attnMask must be \[L, S\] = \[5,5\]/);
    expectError(() => new nn.TransformerEncoder(layer, 2, { norm: 'layer' } as never), ArgumentError, /norm must be a Module or null/);
  });
});

describe('causal mask and positional encoding', () => {
  it('generateSquareSubsequentMask is 0 on and below the diagonal and −∞ above', () => {
    for (const size of [1, 2, 5]) {
      const mask = nn.Transformer.generateSquareSubsequentMask(size);
      expect(mask.shape).toEqual([size, size]);
      const v = values(mask);
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) expect(v[i * size + j]).toBe(j > i ? -Infinity : 0);
    }
    expect(nn.generateSquareSubsequentMask(3, { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('sinusoidalPositionalEncoding is sin(pos/10000^(2i/d)) in even and cos in odd columns', () => {
    for (const [length, d] of [[7, 6], [4, 5]] as const) {
      const pe = values(nn.sinusoidalPositionalEncoding(length, d, { dtype: 'float64' }));
      for (let pos = 0; pos < length; pos++) {
        for (let i = 0; 2 * i < d; i++) {
          const angle = pos / 10000 ** ((2 * i) / d);
          expect(pe[pos * d + 2 * i]).toBeCloseTo(Math.sin(angle), 14);
          if (2 * i + 1 < d) expect(pe[pos * d + 2 * i + 1]).toBeCloseTo(Math.cos(angle), 14);
        }
      }
    }
  });

  it('PositionalEncoding adds the table (any layout), keeps it out of the state dict and checks the length', () => {
    const pos = new nn.PositionalEncoding(6, { maxLen: 10, dropout: 0 });
    expect(Object.keys(pos.stateDict())).toEqual([]);
    expect(pos.namedBuffers().map(([n, t]) => [n, t.shape])).toEqual([['pe', [10, 6]]]);
    const table = nn.sinusoidalPositionalEncoding(4, 6);
    expect(values(pos.forward(zeros([4, 2, 6])).select(1, 1))).toEqual(values(table));
    expect(values(pos.forward(zeros([4, 6])))).toEqual(values(table));
    const batchFirst = new nn.PositionalEncoding(6, { maxLen: 10, dropout: 0, batchFirst: true });
    expect(values(batchFirst.forward(zeros([3, 4, 6])).select(0, 2))).toEqual(values(table));
    expectError(() => pos.forward(zeros([11, 1, 6])), ShapeError, '[PositionalEncoding] the sequence length 11 exceeds maxLen 10 (input shape [11,1,6])');
    expectError(() => pos.forward(zeros([4, 1, 5])), ShapeError, /expected an input \[L, N, dModel\] or \[L, dModel\] with dModel 6, got shape \[4,1,5\]/);
    const training = new nn.PositionalEncoding(6, { maxLen: 10, dropout: 0.5 });
    expect(values(training.forward(zeros([4, 2, 6])))).not.toEqual(values(training.forward(zeros([4, 2, 6]))));
    expect(values(training.eval().forward(zeros([4, 2, 6])))).toEqual(values(pos.forward(zeros([4, 2, 6]))));
  });
});
