import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ArgumentError, DTypeError, DomainError, Generator, ShapeError, Tensor, keep, multinomial, randn, tensor, text, zeros,
} from '../src/index.js';

const { sampleLogits, generate } = text;

/** Pearson's chi-square statistic of observed counts against expected probabilities. */
function chiSquare(counts: readonly number[], probs: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((acc, c, i) => acc + (c - n * probs[i]!) ** 2 / (n * probs[i]!), 0);
}

function histogram(ids: Tensor, n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const id of ids.toTypedArray()) counts[id]!++;
  return counts;
}

/** The same row repeated `rows` times, as a [rows, V] tensor. */
function repeatRow(row: readonly number[], rows: number, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  return tensor(Array.from({ length: rows }, () => [...row]), { dtype });
}

// chi-square critical values at p = 0.001 for 1, 3 and 5 degrees of freedom
const CHI2_1 = 10.83;
const CHI2_3 = 16.27;
const CHI2_5 = 20.52;

describe('multinomial', () => {
  it('is reproducible from a seed', () => {
    const p = tensor([0.2, 0.5, 0.3]);
    const a = multinomial(p, 50, { replacement: true, generator: new Generator(1) }).toArray();
    expect(multinomial(p, 50, { replacement: true, generator: new Generator(1) }).toArray()).toEqual(a);
    expect(multinomial(p, 50, { replacement: true, generator: new Generator(2) }).toArray()).not.toEqual(a);
  });

  it('draws with replacement with the given frequencies (unnormalised weights)', () => {
    const ids = multinomial(tensor([1, 2, 3, 4]), 20000, { replacement: true, generator: new Generator(0) });
    expect(ids.dtype).toBe('int32');
    expect(ids.shape).toEqual([20000]);
    expect(chiSquare(histogram(ids, 4), [0.1, 0.2, 0.3, 0.4])).toBeLessThan(CHI2_3);
  });

  it('never draws an index of weight zero', () => {
    const ids = multinomial(tensor([[0, 1, 0, 1], [5, 0, 0, 0]]), 1000, { replacement: true, generator: new Generator(0) });
    expect(ids.shape).toEqual([2, 1000]);
    const [a, b] = ids.toArray() as number[][];
    expect(new Set(a)).toEqual(new Set([1, 3]));
    expect(new Set(b)).toEqual(new Set([0]));
  });

  it('draws distinct indices without replacement, with sequential-draw probabilities', () => {
    const rows = 20000;
    const ids = multinomial(repeatRow([1, 2, 3], rows), 2, { generator: new Generator(5) });
    expect(ids.shape).toEqual([rows, 2]);
    const pairs = ids.toArray() as number[][];
    const outcomes = [[0, 1], [0, 2], [1, 0], [1, 2], [2, 0], [2, 1]];
    const counts = outcomes.map(([i, j]) => pairs.filter(([a, b]) => a === i && b === j).length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(rows); // never the same index twice
    const p = [1 / 6, 2 / 6, 3 / 6];
    const expected = outcomes.map(([i, j]) => (p[i!]! * p[j!]!) / (1 - p[i!]!));
    expect(chiSquare(counts, expected)).toBeLessThan(CHI2_5);
  });

  it('drawing every non-zero index without replacement gives a permutation of them', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 12 }), fc.nat(), (weights, seed) => {
      const nonZero = weights.flatMap((w, i) => (w > 0 ? [i] : []));
      fc.pre(nonZero.length > 0);
      const ids = multinomial(tensor(weights, { dtype: 'float64' }), nonZero.length, { generator: new Generator(seed) });
      expect([...(ids.toArray() as number[])].sort((a, b) => a - b)).toEqual(nonZero);
    }));
  });

  it('checks its arguments with typed errors', () => {
    const p = tensor([0.5, 0.5]);
    expect(() => multinomial(tensor([0.5, -0.1]), 1)).toThrow(DomainError);
    expect(() => multinomial(tensor([0.5, -0.1]), 1)).toThrow('[multinomial] weights must be finite and >= 0, got -0.10000000149011612 at index 1');
    expect(() => multinomial(tensor([[1, 1], [NaN, 1]]), 1)).toThrow('got NaN at index 0 in row 1');
    expect(() => multinomial(tensor([Infinity, 1]), 1)).toThrow(DomainError);
    expect(() => multinomial(tensor([0, 0]), 1)).toThrow('[multinomial] weights must not all be zero');
    expect(() => multinomial(tensor([1, 0, 1]), 3)).toThrow('[multinomial] cannot draw 3 samples without replacement from 2 non-zero weights');
    expect(multinomial(tensor([1, 0, 1]), 3, { replacement: true }).shape).toEqual([3]);
    expect(() => multinomial(zeros([2, 2, 2]), 1)).toThrow(ShapeError);
    expect(() => multinomial(zeros([0]), 1)).toThrow(ShapeError);
    expect(() => multinomial(tensor([1, 2], { dtype: 'int32' }), 1)).toThrow(DTypeError);
    expect(() => multinomial(p, 0)).toThrow(ArgumentError);
    expect(() => multinomial(p, 1.5)).toThrow(ArgumentError);
    expect(() => multinomial(p, 1, { generator: {} as Generator })).toThrow(ArgumentError);
    expect(() => multinomial(p, 1, { replacement: 1 as never })).toThrow(ArgumentError);
    expect(() => multinomial(p, 1, { replace: true } as never)).toThrow('[multinomial] unknown option "replace"');
    expect(() => multinomial([0.5, 0.5] as never, 1)).toThrow(ArgumentError);
  });
});

describe('sampleLogits', () => {
  it('temperature 0 is the argmax of each row (the first on ties)', () => {
    const ids = sampleLogits(tensor([[1, 5, 2], [7, 0, 7], [-1, -3, -2]]), { temperature: 0 });
    expect(ids.dtype).toBe('int32');
    expect(ids.toArray()).toEqual([1, 0, 0]);
    const one = sampleLogits(tensor([0.1, 0.3, -Infinity]), { temperature: 0 });
    expect(one.shape).toEqual([]);
    expect(one.item()).toBe(1);
  });

  it('topK = 1 is the argmax', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.nat(), (v, seed) => {
      const logits = randn([3, v], { generator: new Generator(seed) });
      const greedy = sampleLogits(logits, { temperature: 0 }).toArray();
      expect(sampleLogits(logits, { topK: 1, generator: new Generator(seed) }).toArray()).toEqual(greedy);
      expect(sampleLogits(logits, { topK: 1, temperature: 5, topP: 0.3 }).toArray()).toEqual(greedy);
    }));
  });

  it('samples softmax(logits / temperature)', () => {
    const p = [0.5, 0.3, 0.15, 0.05];
    const logits = repeatRow(p.map(Math.log), 20000);
    const plain = histogram(sampleLogits(logits, { generator: new Generator(1) }), 4);
    expect(chiSquare(plain, p)).toBeLessThan(CHI2_3);
    const hot = histogram(sampleLogits(logits, { temperature: 2, generator: new Generator(2) }), 4);
    const root = p.map(Math.sqrt);
    const z = root.reduce((a, b) => a + b, 0);
    expect(chiSquare(hot, root.map((r) => r / z))).toBeLessThan(CHI2_3);
  });

  it('topK keeps the k largest logits, in their proportions', () => {
    const logits = repeatRow([3, 1, 2, 0, -1], 4000);
    const counts = histogram(sampleLogits(logits, { topK: 2, generator: new Generator(3) }), 5);
    expect(counts[1]! + counts[3]! + counts[4]!).toBe(0);
    const p0 = Math.E / (1 + Math.E);
    expect(chiSquare([counts[0]!, counts[2]!], [p0, 1 - p0])).toBeLessThan(CHI2_1);
  });

  it('topP keeps the smallest most likely set reaching p (at least one token)', () => {
    const logits = repeatRow([0.3, 0.5, 0.05, 0.15].map(Math.log), 4000);
    const counts = histogram(sampleLogits(logits, { topP: 0.75, generator: new Generator(4) }), 4);
    expect(counts[2]! + counts[3]!).toBe(0);
    expect(chiSquare([counts[1]!, counts[0]!], [5 / 8, 3 / 8])).toBeLessThan(CHI2_1);
    expect(new Set(sampleLogits(logits, { topP: 0.4 }).toArray() as number[])).toEqual(new Set([1]));
    expect(new Set(sampleLogits(logits, { topP: 1e-9 }).toArray() as number[])).toEqual(new Set([1]));
    // top-k first (0.5 and 0.3 and 0.15, renormalised), then top-p 0.8 keeps the first two
    expect(new Set(sampleLogits(logits, { topK: 3, topP: 0.8 }).toArray() as number[])).toEqual(new Set([0, 1]));
  });

  it('never draws a token whose logit is -Infinity, and is reproducible from a seed', () => {
    const logits = repeatRow([0, -Infinity, 0, -Infinity], 500, 'float32');
    const ids = sampleLogits(logits, { generator: new Generator(9) });
    expect(new Set(ids.toArray() as number[])).toEqual(new Set([0, 2]));
    expect(sampleLogits(logits, { generator: new Generator(9) }).toArray()).toEqual(ids.toArray());
  });

  it('checks its arguments with typed errors', () => {
    const l = tensor([1, 2, 3]);
    expect(() => sampleLogits(l, { temperature: -1 })).toThrow('[sampleLogits] temperature must be a finite number >= 0, got -1');
    expect(() => sampleLogits(l, { temperature: NaN })).toThrow(ArgumentError);
    expect(() => sampleLogits(l, { topK: 0 })).toThrow('[sampleLogits] topK must be a positive integer, got 0');
    expect(() => sampleLogits(l, { topK: 1.5 })).toThrow(ArgumentError);
    expect(() => sampleLogits(l, { topP: 0 })).toThrow('[sampleLogits] topP must be a number in (0, 1], got 0');
    expect(() => sampleLogits(l, { topP: 1.5 })).toThrow(ArgumentError);
    expect(() => sampleLogits(l, { generator: 3 as never })).toThrow(ArgumentError);
    expect(() => sampleLogits(l, { top_k: 3 } as never)).toThrow('[sampleLogits] unknown option "top_k"');
    expect(() => sampleLogits(tensor([1, NaN]))).toThrow(DomainError);
    expect(() => sampleLogits(tensor([[1, 2], [1, Infinity]]))).toThrow('[sampleLogits] logits must not be NaN or +Infinity, got Infinity at index 1 in row 1');
    expect(() => sampleLogits(tensor([-Infinity, -Infinity]))).toThrow(DomainError);
    expect(() => sampleLogits(zeros([1, 1, 3]))).toThrow(ShapeError);
    expect(() => sampleLogits(zeros([2, 0]))).toThrow(ShapeError);
    expect(() => sampleLogits(tensor([1, 2], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => sampleLogits([1, 2] as never)).toThrow(ArgumentError);
  });
});

describe('generate', () => {
  const V = 5;
  /** Logits that make (token + 1) % V by far the most likely next token. */
  const nextOf = (token: number): Tensor => tensor(Array.from({ length: V }, (_, i) => (i === (token + 1) % V ? 10 : 0)));

  it('feeds the prompt once, then each new token but the last, carrying the state', () => {
    const fed: number[] = [];
    const step = (token: number, state: Tensor | undefined): [Tensor, Tensor] => {
      // the state counts the tokens fed so far: it was carried, not rebuilt
      expect(state === undefined ? 0 : state.item()).toBe(fed.length);
      fed.push(token);
      return [nextOf(token), tensor([fed.length])];
    };
    expect(generate(step, { prompt: [0, 3], maxNewTokens: 4, temperature: 0 })).toEqual([4, 0, 1, 2]);
    expect(fed).toEqual([0, 3, 4, 0, 1]); // prompt.length + maxNewTokens - 1 calls
  });

  it('stops after the stop token (included)', () => {
    const fed: number[] = [];
    const step = (token: number): [Tensor, null] => {
      fed.push(token);
      return [nextOf(token), null];
    };
    expect(generate(step, { prompt: [2], maxNewTokens: 10, temperature: 0, stopToken: 0 })).toEqual([3, 4, 0]);
    expect(fed).toEqual([2, 3, 4]);
    expect(generate(step, { prompt: [4], maxNewTokens: 10, temperature: 0, stopToken: 0 })).toEqual([0]);
    fed.length = 0;
    expect(generate(step, { prompt: [1], maxNewTokens: 0 })).toEqual([]);
    expect(fed).toEqual([]);
  });

  it('accepts [1, V] logits and any state type, and is reproducible from a seed', () => {
    const step = (token: number, state: { n: number } | undefined): [Tensor, { n: number }] =>
      [tensor([[0, 1, 0.5, token / 4, 0]]), { n: (state?.n ?? 0) + 1 }];
    const a = generate(step, { prompt: [1], maxNewTokens: 30, generator: new Generator(7), topK: 4 });
    expect(a).toHaveLength(30);
    expect(a.every((t) => t >= 0 && t < 4)).toBe(true);
    expect(generate(step, { prompt: [1], maxNewTokens: 30, generator: new Generator(7), topK: 4 })).toEqual(a);
  });

  it('frees what the steps made once the carried state no longer needs it, and nothing else', () => {
    const weights = tensor([0, 1, 2, 3, 4]); // made outside: never freed
    const states: Tensor[] = [];
    const logitsSeen: Tensor[] = [];
    let kept: Tensor | null = null;
    let constant: Tensor | null = null;
    const step = (token: number, state: [Tensor, Tensor, Tensor] | undefined): [Tensor, [Tensor, Tensor, Tensor]] => {
      constant ??= tensor([42]); // made by the first step and carried unchanged to the end
      if (state !== undefined) expect(state[1].item()).toBe(42);
      const h = (state === undefined ? zeros([1]) : state[0]).add(1);
      kept ??= keep(h.mul(2));
      const logits = nextOf(token).add(weights.mul(0));
      states.push(h);
      logitsSeen.push(logits);
      return [logits, [h, state?.[1] ?? constant, weights]];
    };
    expect(generate(step, { prompt: [0, 1, 2], maxNewTokens: 5, temperature: 0 })).toEqual([3, 4, 0, 1, 2]);
    expect(states.every((h) => h.disposed)).toBe(true);
    expect(logitsSeen.every((l) => l.disposed)).toBe(true);
    expect(constant!.disposed).toBe(true);
    expect(weights.disposed).toBe(false);
    expect(kept!.disposed).toBe(false);
    expect(weights.toArray()).toEqual([0, 1, 2, 3, 4]);
  });

  it('checks its arguments with typed errors', () => {
    const step = (token: number): [Tensor, null] => [nextOf(token), null];
    expect(() => generate(step, { prompt: [], maxNewTokens: 3 })).toThrow('[generate] prompt must be a non-empty array of token ids');
    expect(() => generate(step, { prompt: [1.5], maxNewTokens: 3 })).toThrow('[generate] prompt[0] must be a token id');
    expect(() => generate(step, { prompt: [1], maxNewTokens: -1 })).toThrow(ArgumentError);
    expect(() => generate(step, { prompt: [1], maxNewTokens: 2, stopToken: -1 })).toThrow(ArgumentError);
    expect(() => generate(step, { prompt: [1], maxNewTokens: 2, topP: 2 })).toThrow('[generate] topP must be a number in (0, 1]');
    expect(() => generate(step, { prompt: [1], maxNewTokens: 2, max: 3 } as never)).toThrow('[generate] unknown option "max"');
    expect(() => generate(3 as never, { prompt: [1], maxNewTokens: 2 })).toThrow(ArgumentError);
    expect(() => generate(() => [zeros([2, 5]), null] as const, { prompt: [1], maxNewTokens: 2 })).toThrow('[generate] step must return logits of shape [V] or [1, V], got [2,5]');
    expect(() => generate(() => 3 as never, { prompt: [1], maxNewTokens: 2 })).toThrow('[generate] step must return [logits, state]');
  });
});
