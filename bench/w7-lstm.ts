/**
 * W7 (bench/README.md): an LSTM training step. LSTM(input 64, hidden 256, 1 layer, batch first),
 * batch 32 of sequences of 64 steps uniform [0, 1); the last time step's output → Linear 256→10;
 * labels 0..9 fixed across steps; softmax cross-entropy (mean); SGD lr 0.1. tfjs runs its LSTM
 * layer (tf.layers.lstm, the same gate equations, returning the last output) with a dense head.
 */
import { manualSeed, nn, rand, randint, type Tensor } from 'nabla';
import * as tfl from '@tensorflow/tfjs-layers';
import type { TrainCase } from './harness.js';
import { NABLA_BACKENDS, sgdCase, useNabla, type NablaBackend } from './nabla.js';
import { tf, useBackend } from './tfjs.js';
import { tfOneHotLabels, tfStep, tfUniform } from './w3-mlp.js';

const BATCH = 32;
const STEPS = 64;
const INPUT = 64;
const HIDDEN = 256;
const LR = 0.1;

/** tfjs-cpu and nabla js take seconds per step: they run fewer steps than the 10 + 50 of the protocol. */
export const W7_SLOW_STEPS = { warmup: 1, timed: 5 };

class Model extends nn.Module {
  lstm = new nn.LSTM(INPUT, HIDDEN, { batchFirst: true });
  fc = new nn.Linear(HIDDEN, 10);

  forward(x: Tensor): Tensor {
    const [out] = this.lstm.forward(x);
    return this.fc.forward(out.select(1, STEPS - 1));
  }
}

/** The nabla case of W7 on `backend` (also run alone in a fresh process: bench/fresh.ts). */
export function w7NablaCase(backend: NablaBackend): TrainCase {
  useNabla(backend);
  manualSeed(7);
  const model = new Model();
  const x = rand([BATCH, STEPS, INPUT]);
  const y = randint(0, 10, [BATCH]);
  const c = sgdCase(backend, model, LR, () => model.forward(x), y);
  return backend === 'js' ? { ...c, steps: W7_SLOW_STEPS } : c;
}

function tfjsCase(backend: 'cpu' | 'wasm'): TrainCase {
  useBackend(backend);
  // NOTE: the default orthogonal recurrent initialiser needs tfjs's linalg (not loaded here); the values do not matter for timing
  const lstm = tfl.layers.lstm({ units: HIDDEN, returnSequences: false, recurrentInitializer: 'glorotUniform' });
  const x = tf.randomUniform([BATCH, STEPS, INPUT], 0, 1, 'float32', 71);
  tf.dispose(lstm.apply(x) as tf.Tensor); // builds the layer (its weights) once
  const [w, b] = [tfUniform([HIDDEN, 10], HIDDEN, 72), tfUniform([10], HIDDEN, 73)];
  const labels = tfOneHotLabels([BATCH], 10, 74);
  const vars = [...lstm.trainableWeights.map((v) => v.read() as tf.Variable), w, b];
  const opt = tf.train.sgd(LR);
  const loss = (): tf.Scalar => {
    const h = lstm.apply(x) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(h, w), b)) as tf.Scalar;
  };
  const step = (): number => tfStep(opt, loss, vars);
  return { name: `tfjs-${backend}`, setup: () => useBackend(backend), step, ...(backend === 'cpu' ? { steps: W7_SLOW_STEPS } : {}) };
}

export function w7Cases(): TrainCase[] {
  return [...NABLA_BACKENDS.map(w7NablaCase), tfjsCase('cpu'), tfjsCase('wasm')];
}
