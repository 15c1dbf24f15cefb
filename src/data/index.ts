/**
 * Data: datasets, the batching `DataLoader`, MNIST, synthetic toy sets and classification metrics.
 */
export { makeMoons, type MoonsOptions, type PointSet } from './moons.js';
export {
  TensorDataset, Subset, randomSplit,
  type Dataset, type BatchDataset, type TensorRows, type RandomSplitOptions,
} from './dataset.js';
export { defaultCollate, type Collated } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export {
  loadMnist, MNIST_SPLIT_SEED, MNIST_SIZES, MNIST_CLASS_COUNTS, MNIST_STATS,
  type MnistOptions, type MnistSplit,
} from './mnist.js';
export { DependencyError } from './optional-import.js';
export {
  moons, spirals, regression,
  type ClassificationSet, type ToySetOptions, type SpiralOptions, type RegressionOptions, type RegressionSet,
} from './synthetic.js';
export {
  accuracy, confusionMatrix, precisionRecall, formatConfusionMatrix, type ClassScores,
} from './metrics.js';
export {
  SlidingWindowDataset, padCollate, collatePadded,
  type TokenStream, type SlidingWindowOptions, type SequenceSample, type PaddedBatch, type PadCollateOptions,
} from './sequence.js';
