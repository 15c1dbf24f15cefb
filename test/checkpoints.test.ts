/**
 * PyTorch checkpoints load in nabla and nabla's load in PyTorch, for every built-in layer with state
 * (test/fixtures/checkpoints/, made offline by scripts/fixtures/checkpoints.py and
 * scripts/fixtures/checkpoints-nabla.ts; see the former for the order). For each case:
 * (a) PyTorch's `state_dict()` saved with safetensors.torch.save_file loads with strict loading into the
 *     module nabla builds from the same constructor call; nabla's keys are PyTorch's, in PyTorch's order,
 *     and the file's; the eval-mode outputs (an RNN's final state and attention weights included) are
 *     PyTorch's;
 * (b) nabla's committed file (nabla's own seeded init) is what a freshly built module saves (same keys,
 *     same order: not stale), PyTorch loaded it with load_state_dict(strict=True), and nabla computes
 *     from it the outputs PyTorch computed from it;
 * (c) saving the state loaded from PyTorch's file gives back the same tensors, bit for bit (PyTorch's
 *     int64 num_batches_tracked is read as int32, as nabla keeps it).
 * Parameter-free layers sit inside Sequentials (their keys are absent, as in PyTorch). PositionalEncoding
 * is nabla-only (PyTorch has no such module), so it has no case here; its table is a non-persistent
 * buffer, which the last test checks adds no key to a model.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, fromSafetensors, nn, toSafetensors, type Tensor } from '../src/index.js';
import { build, runCase, type Arr, type Case } from './helpers/checkpoints.js';
import { expectError, values } from './helpers/expect.js';

const root = new URL('./fixtures/checkpoints/', import.meta.url);
const { cases } = JSON.parse(readFileSync(new URL('cases.json', root), 'utf8')) as { cases: Case[] };
const file = (side: 'torch' | 'nabla', name: string): Record<string, Tensor> =>
  fromSafetensors(readFileSync(new URL(`${side}/${name}.safetensors`, root))).tensors;

/** float32 against float32: |got − want| ≤ 1e-5·(max |want|, at least 1) + 1e-5·|want| (the largest seen is 2.2e-7·scale). */
function expectOutputs(got: Tensor[], want: Arr[], what: string): void {
  expect(got.map((t) => t.shape), `${what}: shapes`).toEqual(want.map((a) => a.shape));
  got.forEach((t, j) => {
    const expected = want[j]!.data as number[];
    const scale = Math.max(1, ...expected.map(Math.abs));
    values(t).forEach((g, i) => {
      const e = expected[i]!;
      if (!(Math.abs(g - e) <= 1e-5 * scale + 1e-5 * Math.abs(e))) throw new Error(`${what}: output ${j}[${i}] is ${g}, PyTorch ${e}`);
    });
  });
}

/** The tensor's bytes, to compare bit for bit. */
const bytesOf = (t: Tensor): Uint8Array => {
  const a = t.toTypedArray();
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
};

describe('PyTorch checkpoints ⇄ nabla (test/fixtures/checkpoints)', () => {
  it('covers every built-in layer with state and the containers', () => {
    const classes = new Set<string>();
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (typeof v === 'object' && v !== null && 'class' in v) {
        const spec = v as Case['module'];
        classes.add(spec.class);
        [...spec.args, ...Object.values(spec.options)].forEach(visit);
      }
    };
    cases.forEach((c) => visit(c.module));
    const layers = ['Linear', 'Conv1d', 'Conv2d', 'BatchNorm1d', 'BatchNorm2d', 'LayerNorm', 'GroupNorm', 'Embedding', 'RNN', 'LSTM', 'GRU',
      'RNNCell', 'LSTMCell', 'GRUCell', 'MultiheadAttention', 'TransformerEncoderLayer', 'TransformerDecoderLayer', 'TransformerEncoder',
      'TransformerDecoder', 'Transformer', 'Sequential', 'SmallCNN'];
    const parameterFree = ['ReLU', 'MaxPool2d', 'Flatten', 'ELU', 'AvgPool2d', 'LeakyReLU', 'AdaptiveAvgPool2d', 'Dropout', 'Identity', 'GELU',
      'SiLU', 'Tanh', 'Softplus', 'Sigmoid', 'Softmax', 'LogSoftmax'];
    expect([...classes].sort()).toEqual([...layers, ...parameterFree].sort());
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    it("(a) PyTorch's file loads strictly, with PyTorch's keys, and gives PyTorch's outputs", () => {
      const state = file('torch', c.name);
      const model: nn.Module = build(c.module);
      expect(Object.keys(model.stateDict())).toEqual(c.keys);
      expect(Object.keys(state).sort()).toEqual([...c.keys].sort());
      expect(model.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      for (const key of c.keys.filter((k) => k.endsWith('num_batches_tracked'))) {
        expect([state[key]!.dtype, state[key]!.item()], key).toEqual(['int32', 3]); // three training-mode forwards
        expect(model.stateDict()[key]!.item(), key).toBe(3);
      }
      expectOutputs(runCase(model, c), c.output, `${c.name} (PyTorch's weights)`);
    });

    it("(b) nabla's file is a fresh module's, and PyTorch computed from it what nabla does", () => {
      const state = file('nabla', c.name);
      const model: nn.Module = build(c.module);
      expect(Object.keys(model.stateDict())).toEqual(Object.keys(state));
      for (const [key, t] of Object.entries(model.stateDict())) expect([key, state[key]!.dtype, state[key]!.shape]).toEqual([key, t.dtype, t.shape]);
      expect(model.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expect(c.torchOutputOfNablaFile, 'stage 3 of checkpoints.py has run').toBeDefined();
      expectOutputs(runCase(model, c), c.torchOutputOfNablaFile!, `${c.name} (nabla's weights)`);
    });

    it('(c) the state loaded from PyTorch saves back bit for bit', () => {
      const state = file('torch', c.name);
      const model: nn.Module = build(c.module);
      model.loadStateDict(state);
      const again = fromSafetensors(toSafetensors(model.stateDict())).tensors;
      expect(Object.keys(again).sort()).toEqual(Object.keys(state).sort());
      for (const [key, t] of Object.entries(state)) {
        expect([key, again[key]!.dtype, again[key]!.shape]).toEqual([key, t.dtype, t.shape]);
        expect(bytesOf(again[key]!), key).toEqual(bytesOf(t));
      }
    });
  });

  it("strict loading refuses PyTorch's file for another configuration, naming the keys", () => {
    expectError(() => new nn.Linear(4, 3).loadStateDict(file('torch', 'linear_nobias_3d')), ArgumentError,
      '[loadStateDict] error(s) loading the state into Linear: missing key(s) in state: "bias"');
    expectError(() => new nn.Conv2d(2, 3, 5).loadStateDict(file('torch', 'conv2d')), ShapeError,
      /size mismatch for weight: copying a tensor of shape \[3,2,3,3\], the shape in the current model is \[3,2,5,5\]/);
    expectError(() => new nn.RNN(3, 4, { numLayers: 2 }).loadStateDict(file('torch', 'rnn_tanh')), ArgumentError,
      /missing key\(s\) in state: "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"$/);
    expectError(() => new nn.MultiheadAttention(8, 2).loadStateDict(file('torch', 'mha_kdim_vdim_nobias')), ArgumentError,
      /unexpected key\(s\) in state: "k_proj_weight", "q_proj_weight", "v_proj_weight"; missing key\(s\) in state: "in_proj_weight", "in_proj_bias", "out_proj.bias"$/);
  });

  it('PositionalEncoding (nabla-only) adds no key: its table is a non-persistent buffer', () => {
    const model = new nn.Sequential(new nn.Embedding(10, 4), new nn.PositionalEncoding(4, { maxLen: 16 }), new nn.Linear(4, 2));
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '2.weight', '2.bias']);
    expect(model.buffers().map((b) => b.shape)).toEqual([[16, 4]]);
  });
});
