/**
 * W3 (bench/README.md): an MLP training step. Linear(784→128) + ReLU + Linear(128→10) with
 * biases, batch 64 of inputs uniform [0, 1) and labels uniform 0..9 fixed across steps, softmax
 * cross-entropy (mean), plain SGD lr 0.1. One step = zero grads, forward, loss, backward, update,
 * read the loss as a JS number.
 */
import { manualSeed, nn, rand, randint, type Tensor } from 'nabla';
import type { TrainCase } from './harness.js';
import { NABLA_BACKENDS, sgdCase, useNabla, type NablaBackend } from './nabla.js';
import { tf, useBackend } from './tfjs.js';

const BATCH = 64;
const LR = 0.1;

class MLP extends nn.Module {
  fc1 = new nn.Linear(784, 128);
  fc2 = new nn.Linear(128, 10);

  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).relu());
  }
}

/** The nabla case of W3 on `backend` (also used by bench/memory-w3.ts). */
export function w3NablaCase(backend: NablaBackend): TrainCase {
  useNabla(backend);
  manualSeed(3);
  const model = new MLP();
  const x = rand([BATCH, 784]);
  const y = randint(0, 10, [BATCH]);
  return sgdCase(backend, model, LR, () => model.forward(x), y);
}

/** U(−1/√fanIn, 1/√fanIn), PyTorch's default for Linear and Conv2d weights and biases (seeded). */
export function tfUniform(shape: number[], fanIn: number, seed: number): tf.Variable {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', seed));
}

/**
 * One-hot labels uniform over 0..classes−1 (seeded). NOTE: tf.randomUniform with dtype int32 rounds
 * (0 and `classes` at half the rate of the others): floor a float sample instead.
 */
export function tfOneHotLabels(shape: number[], classes: number, seed: number): tf.Tensor {
  return tf.tidy(() => tf.oneHot(tf.cast(tf.floor(tf.randomUniform(shape, 0, classes, 'float32', seed)), 'int32'), classes));
}

/** One tfjs SGD step: minimize (forward, loss, gradients, update) and read the loss back. */
export function tfStep(opt: tf.Optimizer, loss: () => tf.Scalar, vars: tf.Variable[]): number {
  const value = opt.minimize(loss, true, vars)!;
  const number = value.dataSync()[0]!;
  value.dispose();
  return number;
}

function tfjsCase(backend: 'cpu' | 'wasm'): TrainCase {
  useBackend(backend);
  // weights [in, out], tfjs's layout for x·W
  const [w1, b1, w2, b2] = [tfUniform([784, 128], 784, 31), tfUniform([128], 784, 32), tfUniform([128, 10], 128, 33), tfUniform([10], 128, 34)];
  const x = tf.randomUniform([BATCH, 784], 0, 1, 'float32', 35);
  const labels = tfOneHotLabels([BATCH], 10, 36);
  const opt = tf.train.sgd(LR);
  const loss = (): tf.Scalar => {
    const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
    return tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(h, w2), b2)) as tf.Scalar;
  };
  return { name: `tfjs-${backend}`, setup: () => useBackend(backend), step: () => tfStep(opt, loss, [w1, b1, w2, b2]) };
}

export function w3Cases(): TrainCase[] {
  return [...NABLA_BACKENDS.map(w3NablaCase), tfjsCase('cpu'), tfjsCase('wasm')];
}
