/**
 * ONNX export of the built-in layers and two small models, checked in ONNX Runtime: each is
 * exported with a dynamic batch axis from a seeded example and run at the example's batch size and
 * another one; ONNX Runtime's outputs must equal nabla's eval-mode outputs (float32, within 1e-5 of
 * the output's scale unless a test says otherwise).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { manualSeed, nn, noGrad, rand, randint, randn, toOnnx, type Tensor } from '../src/index.js';
import { checkExport } from './onnx-helpers.js';

const batch = { inputNames: ['x'], outputNames: ['y'], dynamicAxes: { x: { 0: 'batch' }, y: { 0: 'batch' } } };

/** Exports `layer` on an example of batch 2 ([2, ...rest]) and checks it at batch 2 and 5. */
async function checkLayer(layer: nn.Module, rest: number[], options: { tol?: number } = {}): Promise<void> {
  await checkExport(layer, [randn([2, ...rest])], { ...batch, alsoWith: [[randn([5, ...rest])]], ...options });
}

/** Gives a batch-norm layer running statistics that are not the initial 0 and 1 (a few training passes). */
function warmUp(model: nn.Module, shape: number[]): void {
  model.train();
  noGrad(() => {
    for (let i = 0; i < 3; i++) model.forward(randn(shape).mul(2).add(0.5));
  });
}

beforeEach(() => manualSeed(1234));

describe('toOnnx: layers, in ONNX Runtime', () => {
  it('Linear, with and without bias, on 2-d and 3-d inputs', async () => {
    await checkLayer(new nn.Linear(6, 4), [6]);
    await checkLayer(new nn.Linear(6, 4, { bias: false }), [6]);
    await checkLayer(new nn.Linear(6, 4), [3, 6]);
  });

  it('activations: ReLU, LeakyReLU, GELU (exact and tanh), SiLU, Tanh, Sigmoid, ELU, Softplus, Softmax, LogSoftmax', async () => {
    const layers: nn.Module[] = [
      new nn.ReLU(), new nn.LeakyReLU(0.2), new nn.GELU(), new nn.GELU({ approximate: 'tanh' }), new nn.SiLU(), new nn.Tanh(),
      new nn.Sigmoid(), new nn.ELU(0.7), new nn.Softplus({ beta: 2, threshold: 3 }), new nn.Softmax(1), new nn.LogSoftmax(-1),
    ];
    for (const layer of layers) await checkLayer(layer, [3, 7]);
  });

  it('Conv2d: padding, stride, dilation, groups, no bias, and same padding that is uneven', async () => {
    await checkLayer(new nn.Conv2d(3, 4, 3, { padding: 1 }), [3, 8, 8]);
    await checkLayer(new nn.Conv2d(4, 6, [3, 2], { stride: [2, 1], dilation: [1, 2], groups: 2, bias: false }), [4, 9, 8]);
    await checkLayer(new nn.Conv2d(2, 3, 4, { padding: 'same' }), [2, 7, 6]);
    await checkLayer(new nn.Conv2d(2, 3, 3, { padding: 'valid' }), [2, 5, 5]);
  });

  it('Conv1d: padding, stride, dilation, groups and same padding', async () => {
    await checkLayer(new nn.Conv1d(3, 5, 3, { padding: 1 }), [3, 10]);
    await checkLayer(new nn.Conv1d(4, 4, 3, { stride: 2, dilation: 2, groups: 4 }), [4, 11]);
    await checkLayer(new nn.Conv1d(2, 3, 4, { padding: 'same' }), [2, 9]);
  });

  it('Conv2d on an unbatched [C, H, W] input (fixed shape)', async () => {
    await checkExport(new nn.Conv2d(2, 3, 3), [randn([2, 6, 6])]);
  });

  it('MaxPool2d, AvgPool2d (padding, countIncludePad, divisorOverride) and AdaptiveAvgPool2d', async () => {
    await checkLayer(new nn.MaxPool2d(2), [3, 8, 8]);
    await checkLayer(new nn.MaxPool2d(3, { stride: 2, padding: 1 }), [2, 9, 7]);
    await checkLayer(new nn.MaxPool2d([2, 3], { stride: 1, dilation: 2 }), [2, 7, 8]);
    await checkLayer(new nn.AvgPool2d(2), [3, 8, 8]);
    await checkLayer(new nn.AvgPool2d(3, { stride: 2, padding: 1 }), [2, 7, 7]);
    await checkLayer(new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), [2, 7, 7]);
    await checkLayer(new nn.AvgPool2d(2, { divisorOverride: 3 }), [2, 6, 6]);
    await checkLayer(new nn.AdaptiveAvgPool2d(1), [4, 5, 5]);
    await checkLayer(new nn.AdaptiveAvgPool2d([2, 3]), [3, 7, 8]);
  });

  it('BatchNorm1d on [N, C] and [N, C, L], BatchNorm2d, with trained running statistics', async () => {
    for (const [layer, rest] of [[new nn.BatchNorm1d(4), [4]], [new nn.BatchNorm1d(3), [3, 5]], [new nn.BatchNorm2d(3), [3, 4, 4]]] as const) {
      warmUp(layer, [8, ...rest]);
      expect(layer.runningMean!.abs().sum().item()).toBeGreaterThan(0.05);
      await checkLayer(layer, [...rest]);
    }
  });

  it('LayerNorm over one and two dims, with and without affine parameters, and GroupNorm', async () => {
    const ln = new nn.LayerNorm(6);
    noGrad(() => ln.weight!.copy_(rand([6]).add(0.5)));
    await checkLayer(ln, [3, 6]);
    await checkLayer(new nn.LayerNorm([3, 6], { elementwiseAffine: false }), [3, 6]);
    await checkLayer(new nn.LayerNorm(6, { bias: false }), [6]);
    const gn = new nn.GroupNorm(2, 4);
    noGrad(() => gn.bias!.copy_(randn([4])));
    await checkLayer(gn, [4, 3, 3]);
  });

  it('Embedding (int32 indices, a padding index) with a dynamic batch', async () => {
    const emb = new nn.Embedding(10, 4, { paddingIdx: 0 });
    const ids = (n: number): Tensor => randint(0, 10, [n, 5], { dtype: 'int32' });
    await checkExport(emb, [ids(2)], { ...batch, alsoWith: [[ids(3)]] });
  });

  it('Dropout (the identity in eval mode) and Flatten', async () => {
    await checkLayer(new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5)), [4]);
    await checkLayer(new nn.Dropout(0.3), [4]);
    await checkLayer(new nn.Flatten(), [2, 3, 4]);
    await checkLayer(new nn.Flatten(2), [2, 3, 4]);
  });
});

describe('toOnnx: small models, in ONNX Runtime', () => {
  it('an MLP, at batch 2 and at batch 7 through the dynamic axis', async () => {
    const mlp = new nn.Sequential(new nn.Flatten(), new nn.Linear(12, 16), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(16, 3), new nn.LogSoftmax(1));
    await checkExport(mlp, [randn([2, 3, 4])], { ...batch, alsoWith: [[randn([7, 3, 4])]] });
  });

  it('a CNN with global average pooling at any image size (batch, height and width dynamic)', async () => {
    const cnn = new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(4, 6, 3, { stride: 2 }),
      new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(6, 2));
    const dynamicAxes = { x: { 0: 'batch', 2: 'height', 3: 'width' }, y: { 0: 'batch' } };
    await checkExport(cnn, [randn([2, 3, 12, 10])], { inputNames: ['x'], outputNames: ['y'], dynamicAxes, alsoWith: [[randn([3, 3, 17, 22])], [randn([1, 3, 6, 6])]] });
    // pooling to another size is traced as two products with the example's bins: refused with dynamic sizes
    const fixedBins = new nn.Sequential(new nn.AdaptiveAvgPool2d([2, 2]), new nn.Flatten());
    expect(() => toOnnx(fixedBins, [randn([2, 3, 8, 8])], { inputNames: ['x'], dynamicAxes: { x: { 2: 'h' } } })).toThrow(/'matmul' combines the dynamic axis h/);
  });

  it('an MNIST-style CNN with BatchNorm and pooling', async () => {
    const cnn = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.AvgPool2d(2),
      new nn.Flatten(), new nn.Linear(16 * 7 * 7, 32), new nn.ReLU(), new nn.Dropout(0.25), new nn.Linear(32, 10),
    );
    warmUp(cnn, [4, 1, 28, 28]);
    const bytes = await checkExport(cnn, [randn([2, 1, 28, 28])], { ...batch, alsoWith: [[randn([3, 1, 28, 28])]] });
    expect(bytes.length).toBeGreaterThan(4 * (8 * 9 + 16 * 8 * 9 + 16 * 49 * 32));
  });
});
