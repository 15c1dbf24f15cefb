/**
 * The messages between the Playground page (main.ts) and its training worker (worker.ts). Plain data
 * only: what crosses postMessage is structured-cloned, and the frame's grid buffer is transferred.
 */

/** The toy data sets of the Playground. */
export type DatasetName = 'moons' | 'spirals' | 'circles' | 'xor';

/** The hidden layers' activation. */
export type ActivationName = 'tanh' | 'relu' | 'sigmoid' | 'gelu';

/** Everything the page sets: data, model and optimiser. */
export interface PlaygroundConfig {
  dataset: DatasetName;
  /** Standard deviation of the noise added to each coordinate. */
  noise: number;
  /** Number of hidden layers (0: logistic regression). */
  depth: number;
  /** Units per hidden layer. */
  width: number;
  activation: ActivationName;
  learningRate: number;
  /** L2 regularisation: Adam's weightDecay (λ·w added to each gradient). */
  l2: number;
  /** Seed of the data and of the initial weights. */
  seed: number;
}

/** The side of the square grid the worker evaluates the model on for the heat map. */
export const GRID = 60;

/** Inputs live in [-1, 1]²; the plot and the grid cover [-DOMAIN, DOMAIN]². */
export const DOMAIN = 1.25;

/** Page → worker. `configure` rebuilds data, model and optimiser; `tune` changes lr and L2 in place. */
export type ToWorker =
  | { type: 'configure'; config: PlaygroundConfig }
  | { type: 'tune'; learningRate: number; l2: number }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'ack' };

/** The points of the current data set, sent once per `configure`. */
export interface DataMessage {
  type: 'data';
  /** n × 2 training points, row-major. */
  train: Float32Array;
  trainLabels: Uint8Array;
  /** The held-out points, drawn from the same distribution. */
  test: Float32Array;
  testLabels: Uint8Array;
  /** The backend the worker trains on, and its thread count. */
  backend: string;
}

/** One update of the view: the metrics now and P(class 1) on the GRID × GRID grid (row 0 at the top). */
export interface FrameMessage {
  type: 'frame';
  step: number;
  loss: number;
  trainAccuracy: number;
  testAccuracy: number;
  grid: Float32Array;
  /** Training steps per second since the previous frame. */
  stepsPerSecond: number;
}

export type FromWorker = DataMessage | FrameMessage | { type: 'error'; message: string };
