import { describe, expect, it } from 'vitest';
import { ArgumentError, Generator, Value, makeMoons, scalar } from '../src/index.js';

describe('scalar nn', () => {
  it('MLP(2, [16, 16, 1]) has 337 parameters, weights in [-1, 1), zero biases', () => {
    const model = new scalar.MLP(2, [16, 16, 1], { generator: new Generator(0) });
    const params = model.parameters();
    expect(params.length).toBe(2 * 16 + 16 + 16 * 16 + 16 + 16 + 1);
    for (const n of model.layers.flatMap((l) => l.neurons)) {
      expect(n.b.data).toBe(0);
      for (const w of n.w) expect(w.data >= -1 && w.data < 1).toBe(true);
    }
    expect(model.layers.map((l) => l.neurons[0]!.nonlin)).toEqual([true, true, false]);
    expect(String(model)).toMatch(/^MLP of \[Layer of \[ReLUNeuron\(2\), /);
  });

  it('a neuron computes relu(b + Σ w·x) and its gradients', () => {
    const n = new scalar.Neuron(3);
    [0.5, -1, 2].forEach((w, i) => (n.w[i]!.data = w));
    n.b.data = 0.25;
    const x = [1, 2, 3];
    const y = n.forward(x);
    expect(y.data).toBe(0.25 + 0.5 - 2 + 6);
    y.backward();
    expect(n.w.map((w) => w.grad)).toEqual(x);
    expect(n.b.grad).toBe(1);
    n.b.data = -10;
    expect(n.forward(x).data).toBe(0);
    const linear = new scalar.Neuron(1, { nonlin: false });
    linear.w[0]!.data = 2;
    expect(linear.forward([-3]).data).toBe(-6);
  });

  it('zeroGrad resets every parameter', () => {
    const model = new scalar.MLP(2, [4, 1]);
    model.forward([1, 2])[0]!.backward();
    expect(model.parameters().some((p) => p.grad !== 0)).toBe(true);
    model.zeroGrad();
    expect(model.parameters().every((p) => p.grad === 0)).toBe(true);
  });

  it('the same generator seed builds the same model', () => {
    const a = new scalar.MLP(2, [3, 1], { generator: new Generator(5) });
    const b = new scalar.MLP(2, [3, 1], { generator: new Generator(5) });
    expect(a.parameters().map((p) => p.data)).toEqual(b.parameters().map((p) => p.data));
  });

  it('trains on two moons past 95% training accuracy', () => {
    const g = new Generator(1337);
    const { x, y } = makeMoons(60, { noise: 0.1, generator: g });
    const t = y.map((c) => (c === 1 ? 1 : -1));
    const model = new scalar.MLP(2, [16, 16, 1], { generator: g });
    let accuracy = 0;
    const steps = 60;
    for (let k = 0; k < steps; k++) {
      const scores = x.map((p) => model.forward(p)[0]!);
      const loss = scores
        .map((s, i) => s.mul(-t[i]!).add(1).relu())
        .reduce((a, b) => a.add(b))
        .div(scores.length);
      accuracy = scores.filter((s, i) => s.data > 0 === t[i]! > 0).length / scores.length;
      model.zeroGrad();
      loss.backward();
      for (const p of model.parameters()) p.data -= (1 - (0.9 * k) / steps) * p.grad;
    }
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('rejects bad sizes and input counts', () => {
    expect(() => new scalar.Neuron(0)).toThrow('[Neuron] nin must be a positive integer, got 0');
    expect(() => new scalar.Layer(2, 1.5)).toThrow(ArgumentError);
    expect(() => new scalar.MLP(2, [])).toThrow('[MLP] nouts must name at least one layer size');
    expect(() => new scalar.Neuron(2).forward([1])).toThrow('[Neuron] expected 2 inputs, got 1');
  });
});

describe('toDot', () => {
  it('draws one record per value and one ellipse per op, with labels, data and grad', () => {
    const a = new Value(2, 'a');
    const b = new Value(-3, 'b');
    const c = a.mul(b);
    c.label = 'c';
    const d = c.add(a).tanh();
    d.backward();
    const dot = scalar.toDot(d);
    const records = dot.match(/shape=record/g) ?? [];
    const ops = dot.match(/shape=ellipse/g) ?? [];
    const edges = dot.match(/->/g) ?? [];
    expect(records.length).toBe(5); // a, b, c, c+a, tanh
    expect(ops.length).toBe(3);
    expect(edges.length).toBe(3 + 2 + 2 + 1); // one out-edge per op, one in-edge per operand
    expect(dot).toMatch(/^digraph G \{\n {2}rankdir=LR;/);
    expect(dot).toContain(`label="{ a | data 2.0000 | grad ${(-3 * (1 - Math.tanh(-4) ** 2) + (1 - Math.tanh(-4) ** 2)).toFixed(4)} }"`);
    expect(dot).toContain('label="tanh"');
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });

  it('escapes record metacharacters in labels', () => {
    const v = new Value(1, 'a|{b}<c>');
    expect(scalar.toDot(v, { rankdir: 'TB', digits: 1 })).toContain('label="{ a\\|\\{b\\}\\<c\\> | data 1.0 | grad 0.0 }"');
  });
});

describe('makeMoons', () => {
  it('without noise, points lie on the two half circles; labels are balanced', () => {
    const { x, y } = makeMoons(101, { shuffle: false });
    expect(x.length).toBe(101);
    expect(y.filter((c) => c === 0).length).toBe(50);
    x.forEach(([px, py], i) => {
      if (y[i] === 0) expect(Math.hypot(px!, py!)).toBeCloseTo(1, 12);
      else expect(Math.hypot(px! - 1, py! - 0.5)).toBeCloseTo(1, 12);
      expect(y[i] === 0 ? py! >= -1e-12 : py! <= 0.5 + 1e-12).toBe(true);
    });
  });

  it('is reproducible with a seeded generator and adds noise of the requested scale', () => {
    const a = makeMoons(200, { noise: 0.1, generator: new Generator(4) });
    const b = makeMoons(200, { noise: 0.1, generator: new Generator(4) });
    expect(a).toEqual(b);
    const dist = a.x.map(([px, py], i) => (a.y[i] === 0 ? Math.hypot(px!, py!) : Math.hypot(px! - 1, py! - 0.5)) - 1);
    const rms = Math.sqrt(dist.reduce((s, d) => s + d * d, 0) / dist.length);
    expect(rms).toBeGreaterThan(0.05);
    expect(rms).toBeLessThan(0.15);
  });

  it('rejects bad arguments', () => {
    expect(() => makeMoons(1)).toThrow('[makeMoons] n must be an integer >= 2, got 1');
    expect(() => makeMoons(10, { noise: -1 })).toThrow('[makeMoons] noise must be >= 0, got -1');
  });
});
