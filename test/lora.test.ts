import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, fromSafetensors, manualSeed, nn, noGrad, optim, randn, tensor, toSafetensors, type Tensor } from '../src/index.js';
import { EmbedMLP, SmallCNN, buildLoraCase } from './helpers/lora-models.js';
import { expectError } from './helpers/expect.js';

// Fixtures made by Hugging Face PEFT 0.21.0 (scripts/fixtures/lora.py): a base model, PEFT's adapter for it
// (save_pretrained's adapter_model.safetensors + adapter_config.json), PEFT's outputs, and PEFT's output
// on the adapter nabla wrote (scripts/fixtures/lora-nabla.ts).
const ROOT = join(import.meta.dirname, 'fixtures', 'lora');
interface Encoded { shape: number[]; data: number[] }
interface Case {
  name: string;
  targets: string[];
  options: { r: number; lora_alpha: number; use_rslora: boolean };
  input: Encoded;
  inputDtype: 'int32' | 'float32';
  peftOutput: Encoded;
  mergedOutput: Encoded;
  peftOutputOfNablaAdapter: Encoded;
}
const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'lora.json'), 'utf8')) as { cases: Case[] };
const file = (...parts: string[]): Buffer => readFileSync(join(ROOT, ...parts));
const values = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);
const input = (c: Case): Tensor => tensor(c.input.data, { dtype: c.inputDtype }).reshape(c.input.shape);

function expectClose(actual: Tensor, expected: Encoded, tol = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = values(actual);
  const scale = Math.max(1, ...expected.data.map(Math.abs));
  const worst = Math.max(...a.map((v, i) => Math.abs(v - expected.data[i]!)));
  expect(worst).toBeLessThan(tol * scale);
}

function baseModel(c: Case): nn.Module {
  const model = buildLoraCase(c.name);
  model.loadStateDict(fromSafetensors(file(c.name, 'base.safetensors')).tensors);
  return model.eval();
}

describe.each(FIXTURE.cases.map((c) => [c.name, c] as const))('LoRA and PEFT: %s', (_, c) => {
  it('loads PEFT’s adapter (adapter_config.json + adapter_model.safetensors) and computes PEFT’s output', () => {
    const model = baseModel(c);
    const lora = nn.loadLora(model, JSON.parse(file(c.name, 'peft', 'adapter_config.json').toString()), fromSafetensors(file(c.name, 'peft', 'adapter_model.safetensors')).tensors);
    expectClose(model.forward(input(c)), c.peftOutput);
    // the adapter nabla would save is PEFT's file, key for key and bit for bit
    const peftTensors = fromSafetensors(file(c.name, 'peft', 'adapter_model.safetensors')).tensors;
    const ours = lora.adapterStateDict();
    expect(Object.keys(ours).sort()).toEqual(Object.keys(peftTensors).sort());
    for (const [k, t] of Object.entries(ours)) expect(values(t), k).toEqual(values(peftTensors[k]!));
    lora.merge();
    expectClose(model.forward(input(c)), c.mergedOutput);
  });

  it('writes an adapter that PEFT loads and computes the same output from', () => {
    const model = baseModel(c);
    const config = JSON.parse(file(c.name, 'nabla', 'adapter_config.json').toString());
    const lora = nn.loadLora(model, config, fromSafetensors(file(c.name, 'nabla', 'adapter_model.safetensors')).tensors);
    expectClose(model.forward(input(c)), c.peftOutputOfNablaAdapter);
    // the committed file is what applyLora + adapterStateDict write today (same seed as lora-nabla.ts)
    const fresh = baseModel(c);
    manualSeed(21);
    const again = nn.applyLora(fresh, { targetModules: c.targets, r: c.options.r, alpha: c.options.lora_alpha, useRslora: c.options.use_rslora, initLoraWeights: false });
    expect(Buffer.from(toSafetensors(again.adapterStateDict()))).toEqual(file(c.name, 'nabla', 'adapter_model.safetensors'));
    expect(again.adapterConfig()).toEqual(config);
    expect(lora.adapterConfig()).toMatchObject({ peft_type: 'LORA', r: c.options.r, lora_alpha: c.options.lora_alpha, target_modules: c.targets, bias: 'none' });
  });
});

describe('applyLora', () => {
  it('wraps only the matching layers, freezes the rest and names the state as PEFT does', () => {
    manualSeed(1);
    const model = new EmbedMLP();
    const before = model.forward(tensor([[1, 2, 3]], { dtype: 'int32' }));
    const lora = nn.applyLora(model, { targetModules: ['fc1', 'emb'], r: 2, alpha: 4 });
    expect(lora.layers().map(([name, l]) => [name, l.constructor.name])).toEqual([['emb', 'LoraEmbedding'], ['fc1', 'LoraLinear']]);
    expect(Object.keys(model.stateDict())).toEqual([
      'emb.base_layer.weight', 'emb.lora_embedding_A.default', 'emb.lora_embedding_B.default',
      'fc1.base_layer.weight', 'fc1.base_layer.bias', 'fc1.lora_A.default.weight', 'fc1.lora_B.default.weight',
      'fc2.weight', 'fc2.bias',
    ]);
    expect(model.parameters().filter((p) => p.requiresGrad)).toEqual(lora.trainableParameters());
    expect(nn.summary(model, tensor([[1]], { dtype: 'int32' })).trainableParams).toBe(2 * 10 + 6 * 2 + 2 * 6 + 8 * 2);
    // PEFT's init: B = 0 (Linear), A = 0 (Embedding): the adapted model starts as the base model, bit for bit
    expect(values(model.forward(tensor([[1, 2, 3]], { dtype: 'int32' })))).toEqual(values(before));
  });

  it('matches names as PEFT does: a list by whole dotted segments, a string as a full-match pattern', () => {
    const make = () => new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1)));
    expect(nn.applyLora(make(), { targetModules: ['0'] }).layers().map(([n]) => n)).toEqual(['0', '2.0']); // '0' and '….0'
    expect(() => nn.applyLora(make(), { targetModules: ['1'] })).toThrow('"1" is a ReLU'); // as PEFT: a matched layer it cannot adapt is an error
    expect(nn.applyLora(make(), { targetModules: '2\\.\\d' }).layers().map(([n]) => n)).toEqual(['2.0', '2.1']);
    expect(nn.applyLora(make(), { targetModules: /0/ }).layers().map(([n]) => n)).toEqual(['0']); // whole-name match: '2.0' does not match /0/
  });

  it('only the adapters learn; gradients agree with float64 central differences', () => {
    manualSeed(4);
    const model = new SmallCNN().double();
    const lora = nn.applyLora(model, { targetModules: ['conv', 'head'], r: 2, alpha: 3, initLoraWeights: false });
    const x = randn([2, 2, 4, 4], { dtype: 'float64' });
    const cot = randn([2, 3], { dtype: 'float64' });
    const loss = (): Tensor => model.forward(x).mul(cot).sum();
    loss().backward();
    expect(model.parameters().filter((p) => p.grad !== null)).toEqual(lora.trainableParameters());
    for (const p of lora.trainableParameters()) {
      const flat = p.data as Float64Array;
      for (const i of [0, flat.length - 1, flat.length >> 1]) {
        const keep = flat[i]!;
        const f = (v: number): number => { flat[i] = v; return noGrad(() => loss().item()); };
        const numeric = (f(keep + 1e-6) - f(keep - 1e-6)) / 2e-6;
        flat[i] = keep;
        expect(Math.abs((p.grad!.data as Float64Array)[i]! - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
      }
    }
  });

  it('merge folds the update in, unmerge restores the base weight bit for bit, mergeAndUnload gives the plain model', () => {
    manualSeed(2);
    const model = new SmallCNN();
    const x = randn([3, 2, 4, 4]);
    const baseWeights = model.stateDict();
    const original = Object.fromEntries(Object.entries(baseWeights).map(([k, t]) => [k, values(t)]));
    const lora = nn.applyLora(model, { targetModules: ['conv', 'head'], r: 2, alpha: 8, initLoraWeights: false });
    const adapted = values(model.forward(x));
    lora.merge();
    expect(values((model.conv as unknown as nn.LoraConv2d).baseLayer.weight)).not.toEqual(original['conv.weight']);
    const merged = values(model.forward(x));
    expect(Math.max(...merged.map((v, i) => Math.abs(v - adapted[i]!)))).toBeLessThan(1e-5);
    lora.unmerge();
    expect(values((model.conv as unknown as nn.LoraConv2d).baseLayer.weight)).toEqual(original['conv.weight']);
    expect(values((model.head as unknown as nn.LoraLinear).baseLayer.weight)).toEqual(original['head.weight']);
    const plain = lora.mergeAndUnload();
    expect(Object.keys(plain.stateDict())).toEqual(Object.keys(baseWeights));
    expect(model.conv).toBeInstanceOf(nn.Conv2d);
    const after = values(plain.forward(x));
    expect(Math.max(...after.map((v, i) => Math.abs(v - adapted[i]!)))).toBeLessThan(1e-5);
  });

  it('a LoRA model trains: the loss falls while the base weights stay as they were', () => {
    manualSeed(3);
    const model = new nn.Sequential(new nn.Linear(4, 16), new nn.Tanh(), new nn.Linear(16, 1));
    const base = values((model.at(0) as nn.Linear).weight);
    const lora = nn.applyLora(model, { targetModules: ['0', '2'], r: 4, alpha: 8 });
    const opt = new optim.Adam(lora.trainableParameters(), { lr: 0.02 });
    const x = randn([64, 4]);
    const y = x.sum(1, true).sin();
    const loss = (): Tensor => model.forward(x).sub(y).pow(2).mean();
    const first = loss().item();
    for (let i = 0; i < 200; i++) {
      opt.zeroGrad();
      loss().backward();
      opt.step();
    }
    expect(loss().item()).toBeLessThan(first / 4);
    expect(values((model.at(0) as unknown as nn.LoraLinear).baseLayer.weight)).toEqual(base);
  });

  it('reads the effective weight of a wrapped Linear (code that reads .weight sees the adapter)', () => {
    manualSeed(6);
    const layer = new nn.LoraLinear(new nn.Linear(3, 2), { r: 1, alpha: 2, dropout: 0, useRslora: false, initLoraWeights: false });
    const x = randn([4, 3]);
    const viaWeight = values(nn.functional.linear(x, layer.weight, layer.bias));
    const viaForward = values(layer.forward(x));
    expect(Math.max(...viaWeight.map((v, i) => Math.abs(v - viaForward[i]!)))).toBeLessThan(1e-6);
  });

  it('refuses what it cannot do, with the reason', () => {
    expectError(() => nn.applyLora(new EmbedMLP(), { targetModules: ['nothing'] }), ArgumentError, '[applyLora] no layer of EmbedMLP matches targetModules ["nothing"]');
    expectError(() => nn.applyLora(new nn.Sequential(new nn.LayerNorm(2)), { targetModules: ['0'] }), ArgumentError,
      '[applyLora] "0" is a LayerNorm; LoRA adapts Linear, Embedding and Conv2d layers');
    const model = new EmbedMLP();
    nn.applyLora(model, { targetModules: ['fc1'] });
    expectError(() => nn.applyLora(model, { targetModules: ['fc2'] }), ArgumentError, '[applyLora] the model already has LoRA adapters (one adapter per model)');
    expect(() => nn.applyLora(new EmbedMLP(), { targetModules: [] })).toThrow(/targetModules must be a non-empty list/);
    expect(() => nn.applyLora(new EmbedMLP(), { targetModules: ['fc1'], r: 0 })).toThrow(/\[LoRA\] r must be a positive integer, got 0/);
    expect(() => nn.applyLora(new nn.Sequential(new nn.Conv2d(4, 4, 3, { groups: 2 })), { targetModules: ['0'] })).toThrow(/groups=2 is not supported/);
    const config = JSON.parse(file('embed_mlp', 'peft', 'adapter_config.json').toString());
    const tensors = fromSafetensors(file('embed_mlp', 'peft', 'adapter_model.safetensors')).tensors;
    expect(() => nn.loadLora(new EmbedMLP(), { ...config, use_dora: true }, tensors)).toThrow(/no DoRA/);
    expect(() => nn.loadLora(new EmbedMLP(), { ...config, rank_pattern: { fc1: 2 } }, tensors)).toThrow(/rank_pattern/);
    const { 'base_model.model.fc2.lora_B.weight': _, ...missing } = tensors;
    expect(() => nn.loadLora(new EmbedMLP(), config, missing)).toThrow(/missing \["base_model.model.fc2.lora_B.weight"\]/);
    expect(() => nn.loadLora(new EmbedMLP(), { ...config, r: 2 }, tensors)).toThrow(ShapeError);
  });
});

describe('Module.getSubmodule / setSubmodule', () => {
  it('walk dotted state-dict paths, array fields included, and name what is missing', () => {
    class Net extends nn.Module {
      blocks = [new nn.Linear(2, 2), new nn.Sequential(new nn.Linear(2, 3))];
      outProj = new nn.Linear(3, 1);
      forward(x: Tensor): Tensor { return x; }
    }
    const net = new Net();
    expect(net.getSubmodule('blocks.1.0')).toBeInstanceOf(nn.Linear);
    expect(net.getSubmodule('out_proj')).toBe(net.outProj);
    const replacement = new nn.Linear(3, 1);
    net.setSubmodule('out_proj', replacement);
    expect(net.outProj).toBe(replacement);
    net.setSubmodule('blocks.0', new nn.Identity());
    expect(net.blocks[0]).toBeInstanceOf(nn.Identity);
    expectError(() => net.getSubmodule('blocks.1.5'), ArgumentError, '[getSubmodule] Net has no submodule "blocks.1.5": nothing named "5" under "blocks.1"');
  });
});
