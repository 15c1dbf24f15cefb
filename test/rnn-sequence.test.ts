/**
 * The recurrent sequence op (src/ops/rnn-sequence.ts: one graph node per layer direction) against the
 * per-step composition it replaces, and second derivatives through every layer. Uses the op's
 * internal entry points, so it runs on the sources only.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { autograd, gradgradcheck, manualSeed, nn, randn, type Tensor } from '../src/index.js';
import { rnnSequence, rnnSequenceComposed } from '../src/ops/rnn-sequence.js';
import { values } from './helpers/expect.js';

describe('the sequence op (one graph node per layer direction)', () => {
  const kinds = ['tanh', 'relu', 'lstm', 'gru'] as const;
  it('matches the per-step composition, forward and gradients, with and without lengths, both directions (property)', () => {
    fc.assert(fc.property(fc.constantFrom(...kinds), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1000 }), (kind, reverse, withLengths, seed) => {
      manualSeed(seed);
      const [steps, batch, h] = [4, 3, 2];
      const gates = { tanh: 1, relu: 1, lstm: 4, gru: 3 }[kind] * h;
      const inputs = [
        randn([steps, batch, gates], { dtype: 'float64', requiresGrad: true }),
        randn([gates, h], { dtype: 'float64', requiresGrad: true }),
        randn([batch, kind === 'lstm' ? 2 * h : h], { dtype: 'float64', requiresGrad: true }),
        ...(kind === 'gru' ? [randn([gates], { dtype: 'float64', requiresGrad: true })] : []),
      ];
      const attrs = { kind, reverse, batchSizes: withLengths ? [3, 2, 2, 1] : null };
      const fused = rnnSequence(kind, inputs[0]!, inputs[1]!, inputs[2]!, inputs[3] ?? null, attrs);
      const composed = rnnSequenceComposed(inputs, attrs);
      const cot = randn(fused.shape, { dtype: 'float64' });
      const gf = autograd.grad(fused.mul(cot).sum(), inputs);
      const gc = autograd.grad(composed.mul(cot).sum(), inputs);
      const diff = (a: Tensor, b: Tensor): number => Math.max(...values(a.sub(b).abs()));
      expect(diff(fused, composed)).toBeLessThan(1e-12);
      gf.forEach((g, i) => expect(diff(g!, gc[i]!), `${kind} d input ${i}`).toBeLessThan(1e-11));
    }), { numRuns: 40 });
  });

  it('gradgradcheck through every layer (the createGraph path differentiates the composition)', () => {
    manualSeed(2);
    for (const M of [nn.LSTM, nn.GRU, nn.RNN]) {
      const m = new M(2, 3, { dtype: 'float64', bidirectional: true }) as nn.GRU;
      const x = randn([3, 2, 2], { dtype: 'float64', requiresGrad: true });
      expect(gradgradcheck((a) => m.forward(a)[0], [x]), M.name).toBe(true);
      expect(gradgradcheck((a) => nn.padPackedSequence(m.forward(nn.packPaddedSequence(a, [1, 3], { enforceSorted: false }))[0])[0], [x]), `${M.name} packed`).toBe(true);
    }
  });
});

