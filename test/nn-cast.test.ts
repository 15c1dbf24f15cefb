import { describe, expect, it } from 'vitest';
import { ArgumentError, manualSeed, nn, optim, randn, tensor, zeros, type Tensor } from '../src/index.js';

const values = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array | Float64Array);

/** A model with every kind of state: parameters, float buffers, an int32 buffer, a tied weight. */
class Net extends nn.Module {
  conv = new nn.Conv2d(1, 2, 3);
  bn = new nn.BatchNorm2d(2);
  fc = new nn.Linear(8, 3);
  head = this.fc; // the same module under two names
  forward(x: Tensor): Tensor {
    return this.fc.forward(nn.functional.maxPool2d(this.bn.forward(this.conv.forward(x)).relu(), 2).flatten(1));
  }
}

describe('Module.to / double / float', () => {
  it('casts floating parameters, buffers and gradients in place; int buffers stay int32', () => {
    manualSeed(3);
    const model = new Net();
    const x = randn([2, 1, 6, 6]);
    model.forward(x).sum().backward(); // a training step: running stats move, grads exist
    const before = model.stateDict();
    const copies = Object.fromEntries(Object.entries(before).map(([k, t]) => [k, values(t.to('float64'))]));
    const params = model.parameters();
    const weightGrad = values(model.fc.weight.grad!);
    expect(model.double()).toBe(model);
    expect(model.parameters()).toEqual(params); // the same Parameter objects, now float64
    for (const [k, t] of Object.entries(model.stateDict())) {
      expect(t.dtype, k).toBe(k.endsWith('num_batches_tracked') ? 'int32' : 'float64');
      expect(values(t), k).toEqual(copies[k]); // float32 → float64 is exact
    }
    expect(model.fc.weight.grad!.dtype).toBe('float64');
    expect(values(model.fc.weight.grad!)).toEqual(weightGrad);
    expect(model.head.weight).toBe(model.fc.weight); // ties stay tied
    // the model computes in float64 now, and backward fills float64 gradients
    model.zeroGrad();
    model.eval(); // running statistics stay as they were
    const y = model.forward(x.double());
    expect(y.dtype).toBe('float64');
    y.sum().backward();
    expect(model.conv.weight.grad!.dtype).toBe('float64');
    model.float();
    expect(model.parameters().every((p) => p.dtype === 'float32')).toBe(true);
    expect(model.bn.runningVar!.dtype).toBe('float32');
    expect(values(model.bn.runningMean!)).toEqual(Array.from(Float32Array.from(copies['bn.running_mean']!)));
  });

  it('keeps an optimiser built before the cast working on the same parameters', () => {
    manualSeed(1);
    const model = new nn.Linear(3, 1);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    model.to({ dtype: 'float64' });
    const w0 = values(model.weight);
    const x = tensor([[1, 2, 3]], { dtype: 'float64' });
    model.forward(x).sum().backward();
    opt.step();
    expect(values(model.weight)).toEqual(w0.map((w, i) => w - 0.1 * [1, 2, 3][i]!));
  });

  it('refuses a non-floating or unknown dtype', () => {
    const model = new nn.Linear(2, 2);
    expect(() => model.to({ dtype: 'int32' })).toThrow(ArgumentError);
    expect(() => model.to({ dtype: 'float16' as never })).toThrow(/\[Module.to\]/);
    expect(() => model.to(undefined as never)).toThrow(/expected \{ dtype \}/);
  });
});

describe('loadStateDict across dtypes and with strict: false', () => {
  it('copies float64 values into a float32 model, rounding as a cast does (and back exactly)', () => {
    manualSeed(5);
    const source = new nn.Linear(4, 2).double();
    source.weight.data.set([Math.PI, 1 / 3, 1e-40, -2.5, 7, 8, 9, 10]); // 1e-40 is a float32 subnormal
    const target = new nn.Linear(4, 2);
    target.loadStateDict(source.stateDict());
    expect(target.weight.dtype).toBe('float32');
    expect(values(target.weight)).toEqual(Array.from(Float32Array.from(values(source.weight))));
    const wide = new nn.Linear(4, 2).double();
    wide.loadStateDict(target.stateDict());
    expect(values(wide.weight)).toEqual(values(target.weight));
  });

  it('reports missing and unexpected keys and loads the rest', () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
    const state = { '0.weight': zeros([3, 2]), '0.bias': zeros([3]).add(4), 'extra.weight': zeros([1]) };
    const result = model.loadStateDict(state, { strict: false });
    expect(result).toEqual({ missingKeys: ['1.weight', '1.bias'], unexpectedKeys: ['extra.weight'] });
    expect(values((model.at(0) as nn.Linear).bias!)).toEqual([4, 4, 4]);
    expect(() => model.loadStateDict(state)).toThrow(/unexpected key\(s\) in state: "extra.weight"; missing key\(s\) in state: "1.weight", "1.bias"/);
  });
});

describe('freezing', () => {
  it('a frozen submodule gets no gradient and the optimiser leaves it (and its weight decay) alone', () => {
    manualSeed(2);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    model.at(0).requiresGrad_(false);
    const frozen = values((model.at(0) as nn.Linear).weight);
    const head = values((model.at(2) as nn.Linear).weight);
    const opt = new optim.AdamW(model.parameters(), { lr: 0.1, weightDecay: 0.5 });
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      model.forward(randn([5, 3])).pow(2).mean().backward();
      opt.step();
    }
    expect((model.at(0) as nn.Linear).weight.grad).toBeNull();
    expect(values((model.at(0) as nn.Linear).weight)).toEqual(frozen);
    expect(values((model.at(2) as nn.Linear).weight)).not.toEqual(head);
    expect(nn.summary(model, zeros([1, 3])).frozenParams).toBe(16);
  });
});
