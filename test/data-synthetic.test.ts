import { describe, expect, it } from 'vitest';
import { ArgumentError, Generator, makeMoons } from '../src/index.js';
import { moons, regression, spirals } from '../src/index.js';

const counts = (labels: ArrayLike<number>, k: number): number[] => {
  const c = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]!]! += 1;
  return c;
};

describe('moons', () => {
  it('is makeMoons as float32 [n, 2] points and int32 [n] labels', () => {
    const { x, y } = moons(101, { noise: 0.1, generator: new Generator(4) });
    const ref = makeMoons(101, { noise: 0.1, generator: new Generator(4) });
    expect(x.shape).toEqual([101, 2]);
    expect(x.dtype).toBe('float32');
    expect(y.shape).toEqual([101]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(x.data)).toEqual(Array.from(Float32Array.from(ref.x.flat())));
    expect(Array.from(y.data)).toEqual(ref.y);
    expect(counts(y.data, 2)).toEqual([50, 51]);
  });

  it('rejects bad arguments with the function named', () => {
    expect(() => moons(10, { generator: {} as never })).toThrow('[moons] generator must be a Generator');
    expect(() => moons(1)).toThrow('[moons] n must be an integer >= 2, got 1');
    expect(() => moons(10, { noise: NaN })).toThrow('[moons] noise must be a finite number >= 0, got NaN');
  });
});

describe('spirals', () => {
  it('puts each class on its arm: from the centre to radius 1 at angle 2π(j/K + turns)', () => {
    const { x, y } = spirals(31, 3, { shuffle: false, turns: 0.5 });
    expect(counts(y.data, 3)).toEqual([11, 10, 10]);
    const p = x.toArray() as number[][];
    // class 0 occupies rows 0..10, class 1 rows 11..20, class 2 rows 21..30
    expect(p[0]).toEqual([0, 0]);
    const end = (j: number, row: number): void => {
      const angle = 2 * Math.PI * (j / 3 + 0.5);
      expect(p[row]![0]).toBeCloseTo(Math.cos(angle), 6);
      expect(p[row]![1]).toBeCloseTo(Math.sin(angle), 6);
    };
    end(0, 10);
    end(1, 20);
    end(2, 30);
    // the middle point of arm 1 (i = 5 of 10 points: r = 5/9)
    const r = 5 / 9;
    const angle = 2 * Math.PI * (1 / 3 + 0.5 * r);
    expect(p[16]![0]).toBeCloseTo(r * Math.cos(angle), 6);
    expect(p[16]![1]).toBeCloseTo(r * Math.sin(angle), 6);
  });

  it('is reproducible with a seed; noise moves the points; shuffling keeps point and label together', () => {
    const a = spirals(60, 2, { noise: 0.05, generator: new Generator(9) });
    const b = spirals(60, 2, { noise: 0.05, generator: new Generator(9) });
    expect(a.x.toArray()).toEqual(b.x.toArray());
    expect(a.y.toArray()).toEqual(b.y.toArray());
    const clean = spirals(60, 2, { generator: new Generator(9) });
    expect(clean.x.toArray()).not.toEqual(a.x.toArray());
    // without noise, the radius of each point tells its position on the arm; the label must match the arm's angle
    const p = clean.x.toArray() as number[][];
    const labels = clean.y.toArray() as number[];
    p.forEach(([px, py], i) => {
      const r = Math.hypot(px!, py!);
      if (r < 1e-6) return;
      const angle = 2 * Math.PI * (labels[i]! / 2 + r);
      expect(px).toBeCloseTo(r * Math.cos(angle), 5);
      expect(py).toBeCloseTo(r * Math.sin(angle), 5);
    });
  });

  it('checks its arguments', () => {
    expect(() => spirals(2, 3)).toThrow('[spirals] n must be an integer >= classes (3), got 2');
    expect(() => spirals(10, 0)).toThrow('[spirals] classes must be a positive integer, got 0');
    expect(() => spirals(10, 2, { noise: -1 })).toThrow('[spirals] noise must be a finite number >= 0, got -1');
  });
});

describe('regression', () => {
  it('targets are x · weight + bias exactly without noise', () => {
    const { x, y, weight, bias } = regression(50, { features: 3, weight: [1, -2, 0.5], bias: 3, generator: new Generator(0) });
    expect(x.shape).toEqual([50, 3]);
    expect(y.shape).toEqual([50, 1]);
    expect(weight).toEqual([1, -2, 0.5]);
    expect(bias).toBe(3);
    const xs = x.toArray() as number[][];
    const ys = y.toArray() as number[][];
    xs.forEach((row, i) => expect(ys[i]![0]).toBeCloseTo(row[0]! - 2 * row[1]! + 0.5 * row[2]! + 3, 5));
  });

  it('draws weights from the generator and adds noise of the given size', () => {
    const a = regression(4000, { features: 2, noise: 0.5, generator: new Generator(3) });
    const b = regression(4000, { features: 2, noise: 0.5, generator: new Generator(3) });
    expect(a.weight).toEqual(b.weight);
    expect(a.weight).toEqual([new Generator(3).normal(), (() => { const g = new Generator(3); g.normal(); return g.normal(); })()]);
    const xs = a.x.toArray() as number[][];
    const ys = a.y.toArray() as number[][];
    const residuals = xs.map((row, i) => ys[i]![0]! - row[0]! * a.weight[0]! - row[1]! * a.weight[1]!);
    const sd = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / residuals.length);
    expect(sd).toBeGreaterThan(0.47);
    expect(sd).toBeLessThan(0.53);
  });

  it('checks its arguments', () => {
    expect(() => regression(10, { features: 2, weight: [1] })).toThrow('[regression] weight must be 2 finite numbers (one per feature), got [1]');
    expect(() => regression(0)).toThrow(ArgumentError);
  });
});
