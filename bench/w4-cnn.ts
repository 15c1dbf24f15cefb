/**
 * W4 (bench/README.md): a LeNet-like CNN training step. conv 1→8 3×3 pad 1 + bias, ReLU,
 * maxpool 2×2 → conv 8→16 3×3 pad 1 + bias, ReLU, maxpool 2×2 → flatten (784) → Linear 784→10;
 * batch 32 of 1×28×28 uniform [0, 1), labels 0..9; loss, optimiser and step as W3. nabla is NCHW;
 * tfjs runs NHWC, its native layout (its conv2d takes NHWC only on cpu and wasm).
 */
import { F, manualSeed, nn, rand, randint, type Tensor } from 'nabla';
import type { TrainCase } from './harness.js';
import { NABLA_BACKENDS, sgdCase, useNabla, type NablaBackend } from './nabla.js';
import { tf, useBackend } from './tfjs.js';
import { tfOneHotLabels, tfStep, tfUniform } from './w3-mlp.js';

const BATCH = 32;
const LR = 0.1;

/** tfjs-cpu takes seconds per step: it runs fewer steps than the 10 + 50 of the protocol. */
export const W4_TFJS_CPU_STEPS = { warmup: 2, timed: 10 };

class LeNet extends nn.Module {
  conv1 = new nn.Conv2d(1, 8, 3, { padding: 1 });
  conv2 = new nn.Conv2d(8, 16, 3, { padding: 1 });
  fc = new nn.Linear(784, 10);

  forward(x: Tensor): Tensor {
    let h = F.maxPool2d(this.conv1.forward(x).relu(), 2);
    h = F.maxPool2d(this.conv2.forward(h).relu(), 2);
    return this.fc.forward(h.flatten(1));
  }
}

/** The nabla case of W4 on `backend` (also run alone in a fresh process: bench/fresh.ts). */
export function w4NablaCase(backend: NablaBackend): TrainCase {
  useNabla(backend);
  manualSeed(4);
  const model = new LeNet();
  const x = rand([BATCH, 1, 28, 28]);
  const y = randint(0, 10, [BATCH]);
  return sgdCase(backend, model, LR, () => model.forward(x), y);
}

function tfjsCase(backend: 'cpu' | 'wasm'): TrainCase {
  useBackend(backend);
  // filters [kh, kw, in, out]; fan-in = in·kh·kw as PyTorch's
  const vars = [
    tfUniform([3, 3, 1, 8], 9, 41), tfUniform([8], 9, 42),
    tfUniform([3, 3, 8, 16], 72, 43), tfUniform([16], 72, 44),
    tfUniform([784, 10], 784, 45), tfUniform([10], 784, 46),
  ];
  const [f1, c1, f2, c2, w, b] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, 'float32', 47) as tf.Tensor4D;
  const labels = tfOneHotLabels([BATCH], 10, 48);
  const opt = tf.train.sgd(LR);
  const convReluPool = (input: tf.Tensor4D, filter: tf.Variable, bias: tf.Variable): tf.Tensor4D =>
    tf.maxPool(tf.relu(tf.add(tf.conv2d(input, filter as tf.Tensor4D, 1, 'same'), bias)) as tf.Tensor4D, 2, 2, 'valid');
  const loss = (): tf.Scalar => {
    const h = convReluPool(convReluPool(x, f1, c1), f2, c2);
    return tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(tf.reshape(h, [BATCH, 784]), w), b)) as tf.Scalar;
  };
  const step = (): number => tfStep(opt, loss, vars);
  const name = `tfjs-${backend}`;
  if (backend === 'cpu') return { name, setup: () => useBackend(backend), step, steps: W4_TFJS_CPU_STEPS };
  // tfjs-wasm has no gradient kernel for conv2d's filter: try one step and keep the error if it fails
  try {
    step();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const cannot = /Conv2DBackpropFilter/.test(message) ? 'cannot (no Conv2DBackpropFilter kernel)' : `cannot (${message})`;
    console.log(`W4 ${name}: one training step threw "${message.split('\n')[0]}"`);
    return { name, step, cannot };
  }
  console.log(`W4 ${name}: trained a step (its first loss below is from its second step)`);
  return { name, setup: () => useBackend(backend), step };
}

export function w4Cases(): TrainCase[] {
  return [...NABLA_BACKENDS.map(w4NablaCase), tfjsCase('cpu'), tfjsCase('wasm')];
}
