/**
 * Decoding: greedy and beam search against brute-force enumeration over a small model, and the KV
 * cache of MultiheadAttention / TransformerDecoder against full recomputation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, cat, manualSeed, nn, randn, tensor, text, type Tensor } from '../src/index.js';

/** A toy model: next-token logits depend on the position and the last token, from a fixed table [T, V, V]. */
function tableModel(table: number[][][]) {
  return (tokens: Tensor, position: number | undefined): readonly [Tensor, number] => {
    const t = position ?? 0;
    const last = tokens.toArray() as number[];
    return [tensor(last.map((tok) => table[t]![tok]!)), t + 1];
  };
}

const logSoftmax = (row: number[]): number[] => {
  const m = Math.max(...row);
  const z = Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)) + m;
  return row.map((x) => x - z);
};

/** Every sequence up to maxLength (ending at the stop token or at maxLength) with its normalised score; the best. */
function bruteForce(table: number[][][], start: number, stop: number, maxLength: number, penalty: number): { tokens: number[]; value: number } {
  let best = { tokens: [] as number[], value: -Infinity };
  const visit = (tokens: number[], score: number): void => {
    const t = tokens.length;
    if (t === maxLength) {
      const value = score / t ** penalty;
      if (value > best.value) best = { tokens, value };
      return;
    }
    const lp = logSoftmax(table[t]![tokens.at(-1) ?? start]!);
    lp.forEach((l, tok) => {
      if (tok === stop) {
        const value = (score + l) / (t + 1) ** penalty;
        if (value > best.value) best = { tokens, value };
      } else visit([...tokens, tok], score + l);
    });
  };
  visit([], 0);
  return best;
}

/** Tables [t][last token][next token] of logits, without ties within a row (+ 0.001·next token). */
const tables = (v: number, t: number) => fc.array(fc.array(fc.array(fc.integer({ min: -30, max: 30 }), { minLength: v, maxLength: v })
  .map((row) => row.map((x, i) => x / 10 + i / 1000)), { minLength: v, maxLength: v }), { minLength: t, maxLength: t });

describe('beam search and greedy search', () => {
  it('a beam wide enough to keep every prefix finds the brute-force optimum (length penalties 0, 1, 0.6)', () => {
    fc.assert(fc.property(tables(4, 4), fc.constantFrom(0, 1, 0.6), (table, lengthPenalty) => {
      const best = bruteForce(table, 1, 0, 4, lengthPenalty);
      const [found] = text.beamSearch(tableModel(table), {
        batchSize: 1, beamSize: 27, startToken: 1, stopToken: 0, maxLength: 4, lengthPenalty, reorder: (s) => s,
      });
      expect(found).toEqual(best.tokens);
    }), { numRuns: 40 });
  });

  it('beam size 1 without length normalisation is greedy search, and greedy search takes the argmax at every step', () => {
    fc.assert(fc.property(tables(5, 6), (table) => {
      const greedy = text.greedySearch(tableModel(table), { batchSize: 1, startToken: 2, stopToken: 0, maxLength: 6 })[0]!;
      const beam = text.beamSearch(tableModel(table), { batchSize: 1, beamSize: 1, startToken: 2, stopToken: 0, maxLength: 6, lengthPenalty: 0, reorder: (s) => s })[0]!;
      expect(beam).toEqual(greedy);
      let last = 2;
      const expected: number[] = [];
      for (let t = 0; t < 6; t++) {
        const row = table[t]![last]!;
        last = row.indexOf(Math.max(...row));
        if (last === 0) break;
        expected.push(last);
      }
      expect(greedy).toEqual(expected);
    }), { numRuns: 40 });
  });

  it('decodes a batch: each sequence gets what it gets alone (rows = sequence × beams)', () => {
    fc.assert(fc.property(fc.array(tables(4, 5), { minLength: 3, maxLength: 3 }), (perSequence) => {
      // row r belongs to sequence ⌊r / rowsPer⌋, which has its own table
      const batched = (rowsPer: number) => (tokens: Tensor, position: number | undefined): readonly [Tensor, number] => {
        const t = position ?? 0;
        return [tensor((tokens.toArray() as number[]).map((tok, r) => perSequence[Math.floor(r / rowsPer)]![t]![tok]!)), t + 1];
      };
      const options = { startToken: 1, stopToken: 0, maxLength: 5 };
      const beams = text.beamSearch(batched(3), { ...options, batchSize: 3, beamSize: 3, reorder: (s) => s });
      const greedy = text.greedySearch(batched(1), { ...options, batchSize: 3 });
      perSequence.forEach((table, b) => {
        expect(beams[b]).toEqual(text.beamSearch(tableModel(table), { ...options, batchSize: 1, beamSize: 3, reorder: (s) => s })[0]);
        expect(greedy[b]).toEqual(text.greedySearch(tableModel(table), { ...options, batchSize: 1 })[0]);
      });
    }), { numRuns: 20 });
  });

  it('rejects bad options and bad steps with typed errors', () => {
    const step = tableModel([[[0, 1], [1, 0]]]);
    expect(() => text.greedySearch(step, { batchSize: 0, startToken: 1, stopToken: 0, maxLength: 1 })).toThrow(/batchSize must be an integer >= 1/);
    expect(() => text.greedySearch(step, { batchSize: 1, startToken: 1, stopToken: 0, maxLength: 1, beam: 2 } as never)).toThrow(ArgumentError);
    expect(() => text.beamSearch(step, { batchSize: 1, beamSize: 0, startToken: 1, stopToken: 0, maxLength: 1, reorder: (s) => s })).toThrow(/beamSize/);
    expect(() => text.greedySearch(() => [tensor([1, 2]), 0] as const, { batchSize: 2, startToken: 1, stopToken: 0, maxLength: 1 })).toThrow(ShapeError);
    const beam = { batchSize: 1, beamSize: 2, startToken: 1, stopToken: 0, maxLength: 1 };
    expect(() => text.beamSearch(step, { ...beam, reorder: 3 } as never)).toThrow(/reorder must be a function/);
    expect(() => text.beamSearch(step, { ...beam, lengthPenalty: Number.NaN, reorder: (s) => s })).toThrow(/lengthPenalty must be a finite number/);
  });
});

describe('KV cache', () => {
  it('a decoder fed one position at a time with a cache gives the full causal forward, post- and pre-norm', () => {
    for (const normFirst of [false, true]) {
      manualSeed(11);
      const layer = new nn.TransformerDecoderLayer(16, 4, { dimFeedforward: 32, dropout: 0, batchFirst: true, normFirst, dtype: 'float64' });
      const decoder = new nn.TransformerDecoder(layer, 2, { norm: new nn.LayerNorm(16, { dtype: 'float64' }) });
      const tgt = randn([3, 7, 16], { dtype: 'float64' });
      const memory = randn([3, 5, 16], { dtype: 'float64' });
      const full = decoder.forward(tgt, memory, { tgtMask: nn.generateSquareSubsequentMask(7, { dtype: 'float64' }) });
      const cache = new nn.KVCache();
      const steps: Tensor[] = [];
      // one position, then a chunk of three, then the rest one by one
      for (const [from, len] of [[0, 1], [1, 3], [4, 1], [5, 1], [6, 1]] as const) {
        steps.push(decoder.forward(tgt.narrow(1, from, len), memory, { cache, tgtIsCausal: true }));
      }
      const stitched = cat(steps, 1);
      expect(stitched.sub(full).abs().max().item()).toBeLessThan(1e-12);
      expect(cache.length).toBe(7);
      // the cross-attention projected the memory once: 5 positions, [N, heads, S, headDim]
      expect(cache.layer(1).memory!.key!.shape).toEqual([3, 4, 5, 4]);
    }
  });

  it('reorder picks batch rows of every layer (beam search)', () => {
    manualSeed(12);
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true, dtype: 'float64' });
    const x = randn([3, 4, 8], { dtype: 'float64' });
    const cache = new nn.KVCacheLayer();
    mha.forward(x, x, x, { cache, needWeights: false, isCausal: true });
    const whole = new nn.KVCache();
    whole.layers.push(cache);
    const rows = tensor([2, 2, 0], { dtype: 'int32' });
    whole.reorder(rows);
    const y = randn([3, 1, 8], { dtype: 'float64' });
    const [out] = mha.forward(y, y, y, { cache, needWeights: false });
    const xr = cat([x.indexSelect(0, rows), y], 1);
    const [ref] = mha.forward(xr, xr, xr, { attnMask: nn.generateSquareSubsequentMask(5, { dtype: 'float64' }), needWeights: false });
    expect(out.sub(ref.narrow(1, 4, 1)).abs().max().item()).toBeLessThan(1e-12);
  });

  it('a memory cache reuses the projected keys and values of a fixed memory, beams reordered', () => {
    manualSeed(13);
    const mha = new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 5, dtype: 'float64' });
    const memory = randn([7, 3, 6], { dtype: 'float64' });
    const values = randn([7, 3, 5], { dtype: 'float64' });
    const memoryCache = new nn.KVCacheLayer();
    const q1 = randn([1, 3, 8], { dtype: 'float64' });
    const [first] = mha.forward(q1, memory, values, { memoryCache, needWeights: false });
    expect(first.sub(mha.forward(q1, memory, values)[0]).abs().max().item()).toBeLessThan(1e-12);
    memoryCache.reorder(tensor([2, 0, 0], { dtype: 'int32' }));
    const q2 = randn([1, 3, 8], { dtype: 'float64' });
    // later calls do not read key and value: the cache answers for the reordered rows
    const [second] = mha.forward(q2, memory, values, { memoryCache, needWeights: false });
    const rows = tensor([2, 0, 0], { dtype: 'int32' });
    const [ref] = mha.forward(q2, memory.indexSelect(1, rows), values.indexSelect(1, rows));
    expect(second.sub(ref).abs().max().item()).toBeLessThan(1e-12);
  });

  it('rejects a cache with addBiasKv, keys that do not continue the cache, bad indices and caches of the wrong kind', () => {
    const mha = new nn.MultiheadAttention(8, 2, { addBiasKv: true });
    const x = randn([4, 1, 8]);
    expect(() => mha.forward(x, x, x, { cache: new nn.KVCacheLayer() })).toThrow(/cannot be combined with addBiasKv/);
    const layer = new nn.KVCacheLayer();
    layer.append(randn([1, 2, 3, 4]), randn([1, 2, 3, 4]));
    expect(() => layer.append(randn([2, 2, 1, 4]), randn([2, 2, 1, 4]))).toThrow(ShapeError);
    expect(() => new nn.KVCache().layer(-1)).toThrow(/\[KVCache.layer\] index must be an integer >= 0/);
    expect(() => new nn.KVCache().reorder(tensor([0, 1]))).toThrow(/\[KVCache.reorder\] index must be a 1-d int32 tensor/);
    const plain = new nn.MultiheadAttention(8, 2);
    expect(() => plain.forward(x, x, x, { cache: {} as never })).toThrow(/cache must be a KVCacheLayer/);
    expect(() => plain.forward(x, x, x, { cache: new nn.KVCacheLayer(), memoryCache: new nn.KVCacheLayer() })).toThrow(/not both/);
    const decoder = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }), 1);
    expect(() => decoder.forward(x, x, { cache: new nn.KVCacheLayer() as never })).toThrow(/\[TransformerDecoder.forward\] cache must be a KVCache/);
  });
});
