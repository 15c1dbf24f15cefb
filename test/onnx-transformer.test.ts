/**
 * ONNX export of MultiheadAttention and the Transformer layers (traced through their primitives:
 * attention becomes MatMul/Softmax/MatMul), with masks given as inputs (key padding) or built in the
 * model (causal), and two small models: a Transformer encoder classifier and a GPT-like causal
 * decoder. Checked in ONNX Runtime at the example's batch size and another (dynamic axes).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { manualSeed, nn, rand, randint, randn, tensor, toOnnx, type Tensor } from '../src/index.js';
import { checkExport } from './onnx-helpers.js';

const TOL = 2e-5;

/** A [B, S] key padding mask (true = padding) that leaves the first key of every row unmasked. */
function paddingMask(b: number, s: number): Tensor {
  return rand([b, s]).gt(0.6).logicalAnd(tensor(Array.from({ length: s }, (_, j) => j > 0)));
}

/** A module that calls `fn` on its (tensor) arguments. */
class Call extends nn.Module {
  constructor(readonly inner: nn.Module, private readonly fn: (m: nn.Module, ...xs: Tensor[]) => unknown) {
    super();
  }

  forward(...xs: Tensor[]): unknown {
    return this.fn(this.inner, ...xs);
  }
}

const dyn = (...names: [string, number][]): Record<string, Record<number, string>> =>
  Object.fromEntries(names.map(([n, axis]) => [n, { [axis]: 'batch' }]));

beforeEach(() => manualSeed(2024));

describe('toOnnx: MultiheadAttention, in ONNX Runtime', () => {
  it('self-attention with the averaged weights, a key padding mask input and a causal float mask', async () => {
    const mha = new nn.MultiheadAttention(8, 2);
    const mask = nn.generateSquareSubsequentMask(5);
    const model = new Call(mha, (m, x, pad) => (m as nn.MultiheadAttention).forward(x!, x!, x!, { keyPaddingMask: pad, attnMask: mask }));
    await checkExport(model, [randn([5, 2, 8]), paddingMask(2, 5)], {
      inputNames: ['x', 'pad'], outputNames: ['out', 'weights'], dynamicAxes: dyn(['x', 1], ['pad', 0]),
      alsoWith: [[randn([5, 4, 8]), paddingMask(4, 5)]], tol: TOL,
    });
  });

  it('self-attention without weights (fused attention), batchFirst, per-head weights, a boolean attnMask', async () => {
    const mha = new nn.MultiheadAttention(12, 3, { batchFirst: true });
    const blocked = tensor([[false, true, true, false], [false, false, true, true], [true, false, false, false], [false, false, false, false]]);
    await checkExport(new Call(mha, (m, x) => (m as nn.MultiheadAttention).forward(x!, x!, x!, { needWeights: false, attnMask: blocked })),
      [randn([2, 4, 12])], { inputNames: ['x'], dynamicAxes: dyn(['x', 0]), alsoWith: [[randn([3, 4, 12])]], tol: TOL });
    await checkExport(new Call(mha, (m, x) => (m as nn.MultiheadAttention).forward(x!, x!, x!, { averageAttnWeights: false })),
      [randn([2, 4, 12])], { inputNames: ['x'], dynamicAxes: dyn(['x', 0]), alsoWith: [[randn([3, 4, 12])]], tol: TOL });
  });

  it('cross-attention with other key and value widths (q_proj_weight, …), and isCausal', async () => {
    const mha = new nn.MultiheadAttention(8, 2, { kdim: 5, vdim: 3 });
    await checkExport(new Call(mha, (m, q, k, v) => (m as nn.MultiheadAttention).forward(q!, k!, v!)), [randn([4, 2, 8]), randn([6, 2, 5]), randn([6, 2, 3])], {
      inputNames: ['q', 'k', 'v'], dynamicAxes: dyn(['q', 1], ['k', 1], ['v', 1]), alsoWith: [[randn([4, 3, 8]), randn([6, 3, 5]), randn([6, 3, 3])]], tol: TOL,
    });
    const self = new nn.MultiheadAttention(8, 4);
    await checkExport(new Call(self, (m, x) => (m as nn.MultiheadAttention).forward(x!, x!, x!, { isCausal: true, needWeights: false })[0]),
      [randn([5, 2, 8])], { inputNames: ['x'], dynamicAxes: dyn(['x', 1]), alsoWith: [[randn([5, 6, 8])]], tol: TOL });
  });

  it('addBiasKv and addZeroAttn (fixed shapes: their extra positions are built for the example batch)', async () => {
    const mha = new nn.MultiheadAttention(8, 2, { addBiasKv: true, addZeroAttn: true });
    await checkExport(new Call(mha, (m, x) => (m as nn.MultiheadAttention).forward(x!, x!, x!)), [randn([3, 2, 8])], { tol: TOL });
    expect(() => toOnnx(new Call(mha, (m, x) => (m as nn.MultiheadAttention).forward(x!, x!, x!)), [randn([3, 2, 8])], { inputNames: ['x'], dynamicAxes: dyn(['x', 1]) }))
      .toThrow(/\[toOnnx\] '(cat|add)' combines the dynamic axis/);
  });
});

describe('toOnnx: Transformer layers, in ONNX Runtime', () => {
  it('TransformerEncoderLayer: post-norm with a padding mask input and a causal mask; pre-norm GELU batchFirst', async () => {
    const post = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const mask = nn.generateSquareSubsequentMask(6);
    await checkExport(new Call(post, (m, x, pad) => m.forward(x!, { srcMask: mask, srcKeyPaddingMask: pad })), [randn([6, 2, 8]), paddingMask(2, 6)], {
      inputNames: ['x', 'pad'], dynamicAxes: dyn(['x', 1], ['pad', 0]), alsoWith: [[randn([6, 3, 8]), paddingMask(3, 6)]], tol: TOL,
    });
    const pre = new nn.TransformerEncoderLayer(8, 4, { dimFeedforward: 16, normFirst: true, activation: 'gelu', batchFirst: true });
    await checkExport(pre, [randn([2, 5, 8])], { inputNames: ['x'], dynamicAxes: dyn(['x', 0]), alsoWith: [[randn([4, 5, 8])]], tol: TOL });
  });

  it('TransformerEncoderLayer with isCausal: batch and sequence length both dynamic', async () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    await checkExport(new Call(layer, (m, x) => m.forward(x!, { isCausal: true })), [randn([2, 5, 8])], {
      inputNames: ['x'], dynamicAxes: { x: { 0: 'batch', 1: 'steps' } }, alsoWith: [[randn([3, 9, 8])], [randn([1, 2, 8])]], tol: TOL,
    });
  });

  it('TransformerDecoderLayer with the causal target mask and a memory padding mask as inputs', async () => {
    const layer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    const tgtMask = nn.generateSquareSubsequentMask(4);
    await checkExport(new Call(layer, (m, tgt, memory, causal, pad) => m.forward(tgt!, memory!, { tgtMask: causal, memoryKeyPaddingMask: pad })),
      [randn([4, 2, 8]), randn([6, 2, 8]), tgtMask, paddingMask(2, 6)], {
        inputNames: ['tgt', 'memory', 'tgt_mask', 'pad'], dynamicAxes: dyn(['tgt', 1], ['memory', 1], ['pad', 0]),
        alsoWith: [[randn([4, 3, 8]), randn([6, 3, 8]), tgtMask, paddingMask(3, 6)]], tol: TOL,
      });
  });

  it('TransformerEncoder, TransformerDecoder (stacks with a final norm) and nn.Transformer', async () => {
    const encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 2, { norm: new nn.LayerNorm(8) });
    await checkExport(encoder, [randn([5, 2, 8])], { inputNames: ['x'], dynamicAxes: dyn(['x', 1]), alsoWith: [[randn([5, 3, 8])]], tol: TOL });
    const decoder = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, normFirst: true }), 2);
    await checkExport(decoder, [randn([3, 2, 8]), randn([5, 2, 8])], {
      inputNames: ['tgt', 'memory'], dynamicAxes: dyn(['tgt', 1], ['memory', 1]), alsoWith: [[randn([3, 4, 8]), randn([5, 4, 8])]], tol: TOL,
    });
    const transformer = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 16, batchFirst: true });
    const tgtMask = nn.generateSquareSubsequentMask(4);
    await checkExport(new Call(transformer, (m, src, tgt) => m.forward(src!, tgt!, { tgtMask })), [randn([2, 5, 8]), randn([2, 4, 8])], {
      inputNames: ['src', 'tgt'], dynamicAxes: dyn(['src', 0], ['tgt', 0]), alsoWith: [[randn([3, 5, 8]), randn([3, 4, 8])]], tol: TOL,
    });
  });
});

describe('toOnnx: Transformer models, in ONNX Runtime', () => {
  it('a Transformer encoder classifier: tokens and a padding mask in, masked mean pooling, class scores out', async () => {
    class Classifier extends nn.Module {
      emb = new nn.Embedding(30, 16);
      pos = new nn.PositionalEncoding(16, { dropout: 0.1, batchFirst: true, maxLen: 64 });
      encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true }), 2);
      head = new nn.Linear(16, 3);
      forward(ids: Tensor, pad: Tensor): Tensor {
        const h = this.encoder.forward(this.pos.forward(this.emb.forward(ids).mul(4)), { srcKeyPaddingMask: pad });
        const keep = pad.logicalNot().float().unsqueeze(-1);
        return this.head.forward(h.mul(keep).sum(1).div(keep.sum(1)));
      }
    }
    const args = (b: number): Tensor[] => [randint(0, 30, [b, 7], { dtype: 'int32' }), paddingMask(b, 7)];
    await checkExport(new Classifier(), args(2), {
      inputNames: ['ids', 'pad'], outputNames: ['scores'], dynamicAxes: { ids: { 0: 'batch' }, pad: { 0: 'batch' }, scores: { 0: 'batch' } },
      alsoWith: [args(5)], tol: TOL,
    });
  });

  it('a GPT-like causal decoder block: token and learned position embeddings, pre-norm block, tied head', async () => {
    class TinyGPT extends nn.Module {
      tok = new nn.Embedding(40, 16);
      pos = new nn.Parameter(randn([32, 16]).mul(0.1));
      block = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 64, normFirst: true, activation: 'gelu', batchFirst: true, dropout: 0.1 });
      norm = new nn.LayerNorm(16);
      forward(ids: Tensor): Tensor {
        const t = ids.shape[1]!;
        const x = this.tok.forward(ids).add(this.pos.narrow(0, 0, t));
        const h = this.norm.forward(this.block.forward(x, { srcMask: nn.generateSquareSubsequentMask(t), isCausal: true }));
        return h.matmul(this.tok.weight.t()).logSoftmax(-1);
      }
    }
    const gpt = new TinyGPT();
    const ids = (b: number): Tensor => randint(0, 40, [b, 6], { dtype: 'int32' });
    const bytes = await checkExport(gpt, [ids(2)], {
      inputNames: ['ids'], outputNames: ['logp'], dynamicAxes: { ids: { 0: 'batch' }, logp: { 0: 'batch' } }, alsoWith: [[ids(5)]], tol: TOL,
    });
    // the tied weight is one initializer, under its state-dict name
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text.split('tok.weight').length - 1).toBeGreaterThanOrEqual(2);
    // the causal mask is a constant [T, T]: a dynamic sequence length is refused, not exported wrong
    expect(() => toOnnx(gpt, [ids(2)], { inputNames: ['ids'], dynamicAxes: { ids: { 0: 'batch', 1: 'steps' } } })).toThrow(/\[toOnnx\]/);
  });
});
