import { describe, expect, it } from 'vitest';
import { ArgumentError, DEFAULT_SEED, Generator, defaultGenerator, manualSeed } from '../src/index.js';

describe('Generator', () => {
  it('xoshiro128** matches the reference implementation from state {1,2,3,4}', () => {
    // outputs of the reference C code (prng.di.unimi.it/xoshiro128starstar.c) from s = {1, 2, 3, 4}
    const g = new Generator().setState({ s: [1, 2, 3, 4], spareNormal: null });
    const got = Array.from({ length: 8 }, () => g.nextUint32());
    expect(got).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
  });

  it('the same seed gives the same numbers; different seeds give different ones', () => {
    const a = new Generator(123);
    const b = new Generator(123);
    const c = new Generator(124);
    const sa = Array.from({ length: 100 }, () => a.random());
    expect(Array.from({ length: 100 }, () => b.random())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.random())).not.toEqual(sa);
  });

  it('manualSeed reseeds the global generator and returns it', () => {
    expect(manualSeed(7)).toBe(defaultGenerator);
    const first = defaultGenerator.normal();
    manualSeed(7);
    expect(defaultGenerator.normal()).toBe(first);
    expect(defaultGenerator.initialSeed()).toBe(7);
    manualSeed(DEFAULT_SEED);
  });

  it('large seeds use their high bits', () => {
    expect(new Generator(2 ** 40).random()).not.toBe(new Generator(0).random());
  });

  it('random() is uniform on [0, 1): mean 1/2, variance 1/12, bins balanced', () => {
    const g = new Generator(1);
    const n = 200_000;
    const bins = new Array(10).fill(0);
    let sum = 0;
    let sq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = g.random();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sq += u * u;
      bins[Math.floor(u * 10)]++;
    }
    const mean = sum / n;
    expect(outside).toBe(0);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sq / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
    for (const b of bins) expect(Math.abs(b / n - 0.1)).toBeLessThan(0.005);
  });

  it('normal() has the requested mean and standard deviation', () => {
    const g = new Generator(2);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const z = g.normal(3, 2);
      sum += z;
      sq += z * z;
    }
    const mean = sum / n;
    expect(Math.abs(mean - 3)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(sq / n - mean * mean) - 2)).toBeLessThan(0.03);
  });

  it('randint covers [low, high) evenly; permutation is a permutation', () => {
    const g = new Generator(3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 60_000; i++) {
      const k = g.randint(-2, 4);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    const p = g.permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('getState/setState replays the sequence, including a pending normal draw', () => {
    const g = new Generator(9);
    g.normal();
    const s = g.getState();
    const after = [g.normal(), g.random(), g.normal()];
    g.setState(s);
    expect([g.normal(), g.random(), g.normal()]).toEqual(after);
  });

  it('rejects bad seeds and ranges', () => {
    expect(() => manualSeed(-1)).toThrow(ArgumentError);
    expect(() => manualSeed(1.5)).toThrow('[manualSeed] seed must be a non-negative safe integer, got 1.5');
    expect(() => new Generator(0).randint(3, 3)).toThrow('[randint] needs integers low < high, got low=3 high=3');
    expect(() => new Generator(0).permutation(-1)).toThrow(ArgumentError);
  });
});
