/**
 * The Module API: registration from fields, PyTorch's naming (checked against the names PyTorch
 * gives the same trees, test/fixtures/nn.json), train/eval, zeroGrad, apply, freezing, state dicts,
 * toString and nn.summary.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectError } from './helpers/expect.js';
import {
  ArgumentError, F, ShapeError, Tensor, manualSeed, nn, noGrad, ones, randn, tensor, zeros,
} from '../src/index.js';

interface TreeFixture {
  name: string;
  namedParameters: [string, number[]][];
  namedBuffers: string[];
  stateDictKeys: string[];
  namedModules: [string, string][];
  namedChildren: string[];
  applyOrder: string[];
  inputShape: number[];
  summary: { name: string; type: string; params: number; outputShape?: number[] }[];
  totalParams: number;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/nn.json', import.meta.url), 'utf8')) as { trees: TreeFixture[] };

// ── the same module trees as scripts/fixtures/nn.py ──────────────────────────────────────────
class Features extends nn.Module {
  features = new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2));
  classifier = new nn.Sequential(new nn.Flatten(), new nn.Linear(4 * 2 * 2, 8), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(8, 2));
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x));
  }
}

class Blocks extends nn.Module {
  stem = new nn.Linear(3, 4);
  blocks = new nn.ModuleList([0, 1].map(() => new nn.Sequential(new nn.Linear(4, 4), new nn.LayerNorm(4))));
  heads = new nn.ModuleDict({ cls: new nn.Linear(4, 3), box: new nn.Linear(4, 2, { bias: false }) });
  forward(x: Tensor): Tensor {
    let h = this.stem.forward(x);
    for (const b of this.blocks) h = b.forward(h);
    return this.heads.get('cls').forward(h);
  }
}

class Shared extends nn.Module {
  a = new nn.Linear(3, 3);
  b = this.a;
  c = new nn.Linear(3, 2);
  forward(x: Tensor): Tensor {
    return this.c.forward(this.b.forward(this.a.forward(x)));
  }
}

class Tied extends nn.Module {
  emb = new nn.Embedding(5, 3);
  out = new nn.Linear(3, 5, { bias: false });
  constructor() {
    super();
    Object.assign(this.out, { weight: this.emb.weight });
  }
  forward(x: Tensor): Tensor {
    return this.out.forward(this.emb.forward(x));
  }
}

const BUILDERS: Record<string, () => nn.Module> = {
  'Sequential(Conv2d, ReLU, Flatten, Linear)': () => new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(2 * 4 * 4, 3)),
  Features: () => new Features(),
  Blocks: () => new Blocks(),
  Shared: () => new Shared(),
  Tied: () => new Tied(),
};

function inputFor(t: TreeFixture): Tensor {
  return t.name === 'Tied' ? zeros(t.inputShape, { dtype: 'int32' }) : zeros(t.inputShape);
}

const names = (entries: [string, unknown][]): string[] => entries.map(([n]) => n);
const values = (t: Tensor): number[] => Array.from(t.toTypedArray());

/** Asserts that `fn` throws exactly this error class with exactly this message. */

describe('module trees are named as PyTorch names them', () => {
  const trees = fixture.trees.map((t) => [t.name, t] as const);
  it('the fixture has every tree', () => expect(trees.map(([n]) => n)).toEqual(Object.keys(BUILDERS)));

  it.each(trees)('%s: namedParameters (names and shapes), each shared parameter once', (name, t) => {
    const model = BUILDERS[name]!();
    expect(model.namedParameters().map(([n, p]) => [n, [...p.shape]])).toEqual(t.namedParameters);
    expect(model.parameters().length).toBe(t.namedParameters.length);
  });

  it.each(trees)('%s: namedBuffers', (name, t) => {
    expect(names(BUILDERS[name]!().namedBuffers())).toEqual(t.namedBuffers);
  });

  it.each(trees)('%s: stateDict keys (parameters then buffers, per module)', (name, t) => {
    expect(Object.keys(BUILDERS[name]!().stateDict())).toEqual(t.stateDictKeys);
  });

  it.each(trees)('%s: namedModules with their types (each module once)', (name, t) => {
    expect(BUILDERS[name]!().namedModules().map(([n, m]) => [n, m.constructor.name])).toEqual(t.namedModules);
  });

  it.each(trees)('%s: namedChildren', (name, t) => {
    expect(names(BUILDERS[name]!().namedChildren())).toEqual(t.namedChildren);
  });

  it.each(trees)('%s: apply visits children first, each module once', (name, t) => {
    const model = BUILDERS[name]!();
    const nameOf = new Map(model.namedModules().map(([n, m]) => [m, n] as const));
    const order: string[] = [];
    expect(model.apply((m) => order.push(nameOf.get(m)!))).toBe(model);
    expect(order).toEqual(t.applyOrder);
  });

  it.each(trees)('%s: nn.summary rows (output shapes, own parameter counts) and total', (name, t) => {
    const model = BUILDERS[name]!().eval();
    const s = nn.summary(model, inputFor(t));
    expect(s.rows.map((r) => ({ name: r.name, type: r.type, params: r.params, outputShape: r.outputShape }))).toEqual(
      t.summary.map((r) => ({ name: r.name, type: r.type, params: r.params, outputShape: r.outputShape ?? null })),
    );
    expect(s.totalParams).toBe(t.totalParams);
    expect(s.trainableParams).toBe(t.totalParams);
  });
});

describe('registration from fields', () => {
  it('finds Parameters, modules, arrays of modules and arrays of parameters, in assignment order; skips _fields and plain tensors', () => {
    class Net extends nn.Module {
      scale = new nn.Parameter(ones([2]));
      layers = [new nn.Linear(2, 2), new nn.Linear(2, 1, { bias: false })];
      extras = [new nn.Parameter(zeros([3])), new nn.Parameter(zeros([1]))];
      head = new nn.Linear(1, 1);
      plain = ones([4]); // a plain tensor attribute is neither a parameter nor a buffer (as in PyTorch)
      _hidden = new nn.Linear(5, 5);
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const net = new Net();
    // PyTorch's order: the module's own parameters, then each child's
    expect(names(net.namedParameters())).toEqual([
      'scale', 'extras.0', 'extras.1', 'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'head.weight', 'head.bias',
    ]);
    expect(names(net.namedChildren())).toEqual(['layers.0', 'layers.1', 'head']);
    expect(names(net.namedModules())).toEqual(['', 'layers.0', 'layers.1', 'head']);
    expect(net.buffers()).toEqual([]);
    expect(Object.keys(net.stateDict())).not.toContain('plain');
  });

  it('own parameters come before submodules’ parameters, as in PyTorch (module by module)', () => {
    class Net extends nn.Module {
      fc = new nn.Linear(2, 2);
      gain = new nn.Parameter(ones([1]));
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    // PyTorch: named_parameters yields the module's own parameters first, then recurses
    expect(names(new Net().namedParameters())).toEqual(['gain', 'fc.weight', 'fc.bias']);
  });

  it('a Parameter shares the storage of the tensor it wraps and requires grad unless told not to', () => {
    const t = zeros([3]);
    const p = new nn.Parameter(t);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    noGrad(() => t.fill_(2));
    expect(values(p)).toEqual([2, 2, 2]);
    expect(new nn.Parameter(zeros([1]), false).requiresGrad).toBe(false);
  });

  it('buffers: registered by registerBuffer, in namedBuffers and stateDict but not parameters; a null buffer is skipped', () => {
    class Net extends nn.Module {
      fc = new nn.Linear(2, 2);
      declare stats: Tensor;
      declare unused: Tensor | null;
      constructor() {
        super();
        this.registerBuffer('stats', zeros([2]));
        this.registerBuffer('unused', null);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const net = new Net();
    expect(names(net.namedBuffers())).toEqual(['stats']);
    expect(names(net.namedParameters())).toEqual(['fc.weight', 'fc.bias']);
    // PyTorch's order: the module's own parameters and buffers, then each child's
    expect(Object.keys(net.stateDict())).toEqual(['stats', 'fc.weight', 'fc.bias']);
    expect(net.stats.requiresGrad).toBe(false);
    net.registerBuffer('stats', ones([2]));
    expect(values(net.stateDict().stats!)).toEqual([1, 1]);
  });

  it('an array of modules is named like a ModuleList', () => {
    class WithArray extends nn.Module {
      blocks = [new nn.Linear(2, 2), new nn.Linear(2, 2)];
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    class WithList extends nn.Module {
      blocks = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(names(new WithArray().namedParameters())).toEqual(names(new WithList().namedParameters()));
    expect(names(new WithList().namedModules())).toEqual(['', 'blocks', 'blocks.0', 'blocks.1']);
  });

  it('a shared parameter accumulates the gradients of both uses', () => {
    const tied = new Tied();
    const idx = tensor(new Int32Array([1, 3]));
    tied.forward(idx).sum().backward();
    const w = tied.emb.weight;
    expect(tied.out.weight).toBe(w);
    // d/dW of Σ out: from the Linear, every row gets the sum of the embeddings; from the lookup, rows 1 and 3 get Σ_j W[j]
    const W = w.detach().toArray() as number[][];
    const hidden = [0, 1, 2].map((k) => W[1]![k]! + W[3]![k]!);
    const colSums = [0, 1, 2].map((k) => W.reduce((s, row) => s + row[k]!, 0));
    const expected = W.map((_, r) => hidden.map((h, k) => h + ((r === 1 || r === 3) ? colSums[k]! : 0)));
    (w.grad!.toArray() as number[][]).flat().forEach((g, k) => expect(g).toBeCloseTo(expected.flat()[k]!, 5));
  });
});

describe('containers', () => {
  it('Sequential chains forward, indexes (negative too), appends and iterates', () => {
    const a = new nn.Linear(2, 3);
    const relu = new nn.ReLU();
    const seq = new nn.Sequential(a, relu);
    expect(seq.length).toBe(2);
    expect(seq.at(0)).toBe(a);
    expect(seq.at(-1)).toBe(relu);
    const b = new nn.Linear(3, 1);
    expect(seq.append(b)).toBe(seq);
    expect([...seq]).toEqual([a, relu, b]);
    expect(names(seq.namedParameters())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const x = randn([4, 2]);
    expect(values(seq.forward(x))).toEqual(values(b.forward(a.forward(x).relu())));
    expect(new nn.Sequential().forward(x)).toBe(x);
  });

  it('ModuleList has no forward; ModuleDict gets, sets and lists keys in insertion order', () => {
    const list = new nn.ModuleList([new nn.ReLU()]);
    expectError(() => list.forward(), ArgumentError, '[ModuleList] has no forward; iterate over its modules');
    const dict = new nn.ModuleDict({ b: new nn.Linear(1, 1), a: new nn.ReLU() });
    expect(dict.keys()).toEqual(['b', 'a']);
    const c = new nn.Tanh();
    expect(dict.set('c', c)).toBe(dict);
    expect(dict.get('c')).toBe(c);
    expect(names(dict.namedChildren())).toEqual(['b', 'a', 'c']);
    expect(names(dict.namedParameters())).toEqual(['b.weight', 'b.bias']);
    expectError(() => dict.forward(), ArgumentError, '[ModuleDict] has no forward; get its modules by key');
  });
});

describe('train/eval, zeroGrad, apply, freezing', () => {
  it('train(false)/eval()/train() recurse through the whole tree and return the module', () => {
    const model = new Features();
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(model.eval()).toBe(model);
    expect(model.modules().every((m) => !m.training)).toBe(true);
    expect(model.train()).toBe(model);
    expect(model.modules().every((m) => m.training)).toBe(true);
    model.train(false);
    expect(model.modules().every((m) => !m.training)).toBe(true);
    // eval changes behaviour deep inside: dropout off, batch norm on running statistics
    const x = randn([2, 3, 4, 4]);
    expect(values(model.forward(x))).toEqual(values(model.forward(x)));
  });

  it('zeroGrad sets every gradient to null', () => {
    const model = new Features();
    F.crossEntropy(model.forward(randn([2, 3, 4, 4])), tensor(new Int32Array([0, 1]))).backward();
    expect(model.parameters().every((p) => p.grad !== null)).toBe(true);
    model.zeroGrad();
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('apply can re-initialise every Linear', () => {
    const model = new Features();
    model.apply((m) => {
      if (m instanceof nn.Linear) {
        nn.init.constant_(m.weight, 0.5);
        if (m.bias) nn.init.zeros_(m.bias);
      }
    });
    const fc = model.classifier.at(1) as nn.Linear;
    expect(new Set(values(fc.weight))).toEqual(new Set([0.5]));
    expect(new Set(values(fc.bias!))).toEqual(new Set([0]));
  });

  it('requiresGrad_(false) freezes: frozen parameters get no gradient, the others do; requiresGrad_() unfreezes', () => {
    const model = new Features();
    expect(model.features.requiresGrad_(false)).toBe(model.features);
    const loss = F.crossEntropy(model.forward(randn([2, 3, 4, 4])), tensor(new Int32Array([1, 0])));
    loss.backward();
    for (const [name, p] of model.namedParameters()) {
      if (name.startsWith('features.')) expect(p.grad, name).toBeNull();
      else expect(p.grad, name).not.toBeNull();
    }
    expect(nn.summary(model.eval(), zeros([1, 3, 4, 4])).trainableParams).toBe(16 * 8 + 8 + 8 * 2 + 2);
    model.features.requiresGrad_();
    expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
  });
});

describe('stateDict / loadStateDict', () => {
  function trained(): Features {
    const model = new Features();
    // one training step moves the BatchNorm buffers away from their initial values
    F.crossEntropy(model.forward(randn([4, 3, 4, 4])), tensor(new Int32Array([0, 1, 1, 0]))).backward();
    return model;
  }

  it('holds detached tensors that share storage with the model', () => {
    const model = trained();
    const sd = model.stateDict();
    expect(Object.values(sd).every((t) => !t.requiresGrad)).toBe(true);
    expect(values(sd['features.1.num_batches_tracked']!)).toEqual([1]);
    expect(sd['features.1.num_batches_tracked']!.dtype).toBe('int32');
    noGrad(() => (model.classifier.at(4) as nn.Linear).bias!.fill_(7));
    expect(values(sd['classifier.4.bias']!)).toEqual([7, 7]);
  });

  it('keys are PyTorch\'s (camelCase fields become snake_case); a checkpoint with the old camelCase keys still loads', () => {
    expect(nn.stateKey('runningMean')).toBe('running_mean');
    expect(nn.stateKey('weightHhL1Reverse')).toBe('weight_hh_l1_reverse');
    expect(nn.stateKey('inProjWeight')).toBe('in_proj_weight');
    expect(nn.stateKey('linear1')).toBe('linear1');
    expect(nn.stateKey('QKVProj')).toBe('qkv_proj');
    const model = trained();
    const sd = model.stateDict();
    expect(Object.keys(sd).filter((k) => k.startsWith('features.1.'))).toEqual([
      'features.1.weight', 'features.1.bias', 'features.1.running_mean', 'features.1.running_var', 'features.1.num_batches_tracked',
    ]);
    const legacy = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k.replace('running_mean', 'runningMean').replace('running_var', 'runningVar')
      .replace('num_batches_tracked', 'numBatchesTracked'), t]));
    expect(Object.keys(legacy)).toContain('features.1.runningMean');
    const fresh = new Features();
    expect(fresh.loadStateDict(legacy)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(values((fresh.features.at(1) as nn.BatchNorm2d).runningMean!)).toEqual(values(sd['features.1.running_mean']!));
  });

  it('round-trips bit-exactly into a fresh model (parameters and buffers), which then computes the same outputs', () => {
    manualSeed(1);
    const a = trained();
    manualSeed(2);
    const b = new Features();
    expect(values(b.stateDict()['features.0.weight']!)).not.toEqual(values(a.stateDict()['features.0.weight']!));
    expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const sa = a.stateDict();
    const sb = b.stateDict();
    expect(Object.keys(sb)).toEqual(Object.keys(sa));
    for (const k of Object.keys(sa)) {
      expect(sb[k]!.dtype, k).toBe(sa[k]!.dtype);
      expect(sb[k]!.toTypedArray(), k).toEqual(sa[k]!.toTypedArray());
    }
    const x = randn([3, 3, 4, 4]);
    expect(values(b.eval().forward(x))).toEqual(values(a.eval().forward(x)));
    // copied, not aliased
    noGrad(() => a.features.at(0).parameters()[0]!.fill_(0));
    expect(values(b.features.at(0).parameters()[0]!).some((v) => v !== 0)).toBe(true);
    // the loaded parameters are still leaves that train
    expect(b.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
  });

  it('strict loading throws an ArgumentError naming missing and unexpected keys', () => {
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
    const sd = { ...model.stateDict() };
    delete sd['2.bias'];
    expectError(() => model.loadStateDict(sd), ArgumentError, '[loadStateDict] error(s) loading the state into Sequential: missing key(s) in state: "2.bias"');
    const extra: Record<string, Tensor> = { ...model.stateDict(), 'extra.weight': zeros([1]) };
    expectError(() => model.loadStateDict(extra), ArgumentError, '[loadStateDict] error(s) loading the state into Sequential: unexpected key(s) in state: "extra.weight"');
    delete extra['0.weight'];
    expectError(() => model.loadStateDict(extra), ArgumentError, '[loadStateDict] error(s) loading the state into Sequential: unexpected key(s) in state: "extra.weight"; missing key(s) in state: "0.weight"');
  });

  it('a shape mismatch throws a ShapeError (also when not strict); nothing is loaded', () => {
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1));
    const before = values(model.at(1).parameters()[1]!);
    const sd = { ...model.stateDict(), '0.weight': zeros([3, 2]), '1.bias': ones([1]) };
    const message = '[loadStateDict] error(s) loading the state into Sequential: size mismatch for 0.weight: copying a tensor of shape [3,2], the shape in the current model is [2,2]';
    expectError(() => model.loadStateDict(sd), ShapeError, message);
    expectError(() => model.loadStateDict(sd, { strict: false }), ShapeError, message);
    expect(values(model.at(1).parameters()[1]!)).toEqual(before);
  });

  it('a value that is not a tensor is an ArgumentError; so is a state that is not an object', () => {
    const model = new nn.Linear(2, 1);
    expectError(() => model.loadStateDict({ weight: [[1, 2]] as unknown as Tensor, bias: zeros([1]) }), ArgumentError, '[loadStateDict] error(s) loading the state into Linear: weight is not a Tensor (got [[1,2]])');
    expectError(() => model.loadStateDict(null as unknown as Record<string, Tensor>), ArgumentError, '[loadStateDict] state must be an object of tensors, got null');
  });

  it('strict: false loads what matches and reports the rest', () => {
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1));
    const result = model.loadStateDict({ '1.bias': tensor([3]), 'other': zeros([1]) }, { strict: false });
    expect(result).toEqual({ missingKeys: ['0.weight', '0.bias', '1.weight'], unexpectedKeys: ['other'] });
    expect(values(model.at(1).parameters()[1]!)).toEqual([3]);
  });

  it('loads a PyTorch-style state dict of a model with tied weights (both keys present)', () => {
    const source = new Tied();
    const sd = { 'emb.weight': source.emb.weight.detach(), 'out.weight': source.emb.weight.detach() };
    const target = new Tied();
    expect(target.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(values(target.out.weight)).toEqual(values(source.emb.weight));
  });
});

describe('toString', () => {
  it('prints the tree as PyTorch does, with nested indentation', () => {
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(32, 3));
    expect(String(model)).toBe([
      'Sequential(',
      '  (0): Conv2d(1, 2, kernelSize=[3, 3], stride=1)',
      '  (1): ReLU()',
      '  (2): Flatten(startDim=1, endDim=-1)',
      '  (3): Linear(inFeatures=32, outFeatures=3, bias=true)',
      ')',
    ].join('\n'));
    expect(String(new Features())).toBe([
      'Features(',
      '  (features): Sequential(',
      '    (0): Conv2d(3, 4, kernelSize=[3, 3], stride=1, padding=1)',
      '    (1): BatchNorm2d(4, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
      '    (2): ReLU()',
      '    (3): MaxPool2d(kernelSize=2, stride=2, padding=0, dilation=1)',
      '  )',
      '  (classifier): Sequential(',
      '    (0): Flatten(startDim=1, endDim=-1)',
      '    (1): Linear(inFeatures=16, outFeatures=8, bias=true)',
      '    (2): ReLU()',
      '    (3): Dropout(p=0.5)',
      '    (4): Linear(inFeatures=8, outFeatures=2, bias=true)',
      '  )',
      ')',
    ].join('\n'));
  });

  it.each([
    ["Conv2d(3, 8, kernelSize=[3, 5], stride=2, padding='same', dilation=2, bias=false)",
      () => new nn.Conv2d(3, 8, [3, 5], { stride: 2, padding: 'same', dilation: 2, groups: 1, bias: false })],
    ['Conv2d(4, 8, kernelSize=[3, 3], stride=1, padding=[1, 0], groups=2)', () => new nn.Conv2d(4, 8, 3, { groups: 2, padding: [1, 0] })],
    ['Conv1d(2, 4, kernelSize=3, stride=2, padding=1)', () => new nn.Conv1d(2, 4, 3, { padding: 1, stride: 2 })],
    ['Conv1d(2, 4, kernelSize=3, stride=1, dilation=2, groups=2, bias=false)', () => new nn.Conv1d(2, 4, 3, { dilation: 2, groups: 2, bias: false })],
    ['Embedding(10, 3, paddingIdx=9)', () => new nn.Embedding(10, 3, { paddingIdx: -1 })],
    ['LayerNorm([3, 4], eps=0.00001, elementwiseAffine=true)', () => new nn.LayerNorm([3, 4])],
    ['GroupNorm(2, 4, eps=0.00001, affine=true)', () => new nn.GroupNorm(2, 4)],
    ['BatchNorm1d(3, eps=0.00001, momentum=null, affine=true, trackRunningStats=true)', () => new nn.BatchNorm1d(3, { momentum: null })],
    ['AvgPool2d(kernelSize=[2, 3], stride=1, padding=0)', () => new nn.AvgPool2d([2, 3], { stride: 1 })],
    ['AdaptiveAvgPool2d(outputSize=[null, 2])', () => new nn.AdaptiveAvgPool2d([null, 2])],
    ['AdaptiveAvgPool2d(outputSize=1)', () => new nn.AdaptiveAvgPool2d(1)],
    ['LeakyReLU(negativeSlope=0.2)', () => new nn.LeakyReLU(0.2)],
    ["GELU(approximate='tanh')", () => new nn.GELU({ approximate: 'tanh' })],
    ['Softplus(beta=2, threshold=20)', () => new nn.Softplus({ beta: 2 })],
    ['Softmax(dim=1)', () => new nn.Softmax(1)],
    ['ELU(alpha=1)', () => new nn.ELU()],
    ['ModuleDict(\n  (a): ReLU()\n)', () => new nn.ModuleDict({ a: new nn.ReLU() })],
  ] as const)('toString shows the layer’s arguments: %s', (expected, make) => {
    expect(String(make())).toBe(expected);
  });
});

describe('nn.summary', () => {
  it('prints a table with the totals, trainable and frozen counts', () => {
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(32, 3));
    expect(String(nn.summary(model, zeros([2, 1, 6, 6])))).toBe([
      'Layer (type)   Output shape   Params   Trainable',
      '────────────────────────────────────────────────',
      '0 (Conv2d)     [2,2,4,4]          20          20',
      '1 (ReLU)       [2,2,4,4]           0           -',
      '2 (Flatten)    [2,32]              0           -',
      '3 (Linear)     [2,3]              99          99',
      '────────────────────────────────────────────────',
      'Total params: 119  (trainable: 119, frozen: 0)',
    ].join('\n'));
    model.at(0).requiresGrad_(false); // freeze the convolution
    (model.at(3) as nn.Linear).bias!.requiresGrad_(false); // and one bias
    const s = nn.summary(model, zeros([2, 1, 6, 6]));
    expect([s.totalParams, s.trainableParams, s.frozenParams]).toEqual([119, 96, 23]);
    expect(s.rows.map((r) => [r.params, r.trainable])).toEqual([[20, 0], [0, 0], [0, 0], [99, 96]]);
    expect(String(s)).toContain('3 (Linear)     [2,3]              99          96');
    expect(String(s)).toContain('Total params: 119  (trainable: 96, frozen: 23)');
  });

  it('counts a large model with thousands separators, records no graph and leaves forward untouched', () => {
    const model = new nn.Sequential(new nn.Linear(784, 1000), new nn.ReLU(), new nn.Linear(1000, 10));
    const s = nn.summary(model, zeros([1, 784]));
    expect(s.totalParams).toBe(784 * 1000 + 1000 + 1000 * 10 + 10);
    expect(String(s)).toContain('Total params: 795,010  (trainable: 795,010, frozen: 0)');
    expect(model.modules().some((m) => Object.hasOwn(m, 'forward'))).toBe(false);
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('does not change the model: a summary pass leaves BatchNorm buffers and the training mode alone', () => {
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.BatchNorm1d(2), new nn.Dropout(0.5));
    const before = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, values(t)]));
    manualSeed(3);
    nn.summary(model, randn([4, 2]).add(3));
    const after = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, values(t)]));
    expect(after).toEqual(before);
    expect(model.modules().every((m) => m.training)).toBe(true);
  });

  it('restores forward even when the forward pass throws', () => {
    const model = new nn.Sequential(new nn.Linear(3, 2));
    expect(() => nn.summary(model, zeros([1, 4]))).toThrow(ShapeError);
    expect(model.modules().some((m) => Object.hasOwn(m, 'forward'))).toBe(false);
  });
});

describe('a Module subclass without forward', () => {
  // @ts-expect-error: TypeScript requires forward; JavaScript subclasses (or casts) can still omit it
  class NoForward extends nn.Module {
    w = new nn.Linear(2, 2);
  }
  const x = ones([1, 2]);
  const message = '[Module] NoForward has no forward method';

  it('throws a clear ArgumentError naming the class when called directly', () => {
    expectError(() => new NoForward().forward(x), ArgumentError, message);
  });

  it('and where the library calls forward: Sequential and summary (which then restores the modules)', () => {
    expectError(() => new nn.Sequential(new nn.Linear(2, 2), new NoForward()).forward(x), ArgumentError, message);
    const inner = new NoForward();
    const model = new nn.Sequential(new nn.Linear(2, 2), inner);
    model.train();
    expectError(() => nn.summary(model, x), ArgumentError, message);
    expect(Object.hasOwn(inner, 'forward')).toBe(false);
    expect(model.training && inner.training).toBe(true);
    expectError(() => nn.summary(new NoForward(), x), ArgumentError, message);
  });

  it('a subclass with forward (a method or a field) is unaffected', () => {
    class Field extends nn.Module {
      forward = (t: Tensor): Tensor => t.mul(2);
    }
    expect(new Field().forward(x).toArray()).toEqual([[2, 2]]);
    expect(new nn.Sequential(new Field(), new nn.ReLU()).forward(x).toArray()).toEqual([[2, 2]]);
  });
});
