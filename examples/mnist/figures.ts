/**
 * The figures of the main job's run folder: the test confusion matrix as a heat map, a grid of
 * misclassified test digits, the first layer's weights as images and their histogram.
 */
import { MNIST_STATS, heatmap, histogramPlot, imageGrid, noGrad, scope, tensor, type nn, type Tensor } from 'nabla';
import { LeNet, type MLP } from './models.js';

const DIGITS = Array.from({ length: 10 }, (_, k) => String(k));

/** The [10, 10] confusion matrix (rows: true digit, columns: predicted), each cell annotated with its count. */
export function confusionFigure(confusion: Tensor, title: string): string {
  return heatmap(confusion, { annotate: true, rowLabels: DIGITS, colLabels: DIGITS, xLabel: 'predicted', yLabel: 'true', title });
}

/**
 * Up to `max` misclassified digits of `images` [N, 1, 28, 28] (normalised with `MNIST_STATS`), in
 * test-set order, captioned 'pred p / true t'; pixels drawn on the original [0, 1] intensity scale.
 */
export function misclassifiedFigure(images: Tensor, predictions: Tensor, labels: Tensor, max = 32): string {
  const pred = predictions.toTypedArray();
  const truth = labels.toTypedArray();
  const wrong: number[] = [];
  for (let i = 0; i < truth.length; i++) if (pred[i] !== truth[i]) wrong.push(i);
  const shown = wrong.slice(0, max);
  const title = `${shown.length} of ${wrong.length} misclassified test digits (of ${truth.length})`;
  const { mean, std } = MNIST_STATS;
  return scope(() => {
    const picked = shown.length === 0
      ? { data: [], count: 0, height: 28, width: 28 }
      : images.indexSelect(0, tensor(Int32Array.from(shown), { shape: [shown.length] }));
    return imageGrid(picked, {
      columns: 8, normalize: [-mean / std, (1 - mean) / std], title,
      titles: shown.map((i) => `pred ${pred[i]} / true ${truth[i]}`),
    });
  });
}

/** The first layer's weight: the CNN's conv1 filters [c, 1, 3, 3], or the MLP's first Linear [256, 784]. */
function firstWeight(model: LeNet | MLP): Tensor {
  return model instanceof LeNet ? model.conv1.weight : (model.layers.at(1) as nn.Linear).weight;
}

/**
 * The first layer's weights as images on one symmetric blue–white–red scale (white = 0): the CNN's
 * 3×3 conv1 filters, or the MLP's first 32 hidden units' input weights as 28×28 images.
 */
export function filtersFigure(model: LeNet | MLP): string {
  return scope(() => noGrad(() => {
    const w = firstWeight(model);
    const cnn = model instanceof LeNet;
    const images = cnn ? w : w.narrow(0, 0, 32).reshape(32, 28, 28);
    const m = images.abs().max().item() || 1;
    const title = cnn ? `conv1: ${w.shape[0]} filters 3×3 (blue < 0 < red, |w| ≤ ${m.toPrecision(2)})`
      : `first Linear: input weights of hidden units 0–31 (blue < 0 < red, |w| ≤ ${m.toPrecision(2)})`;
    return imageGrid(images, { columns: 8, scale: cnn ? 20 : 3, normalize: [-m, m], colormap: 'coolwarm', title });
  }));
}

/** A histogram of all the first layer's weights. */
export function weightsFigure(model: LeNet | MLP): string {
  const w = firstWeight(model);
  const name = model instanceof LeNet ? 'conv1' : 'first Linear';
  return histogramPlot(w, { title: `${name} weights (${w.numel()} values)`, xLabel: 'weight' });
}
