/**
 * W5 (bench/README.md): one pre-LN Transformer block, a training step. Vocabulary 65, d_model
 * 64, 4 heads of 16, sequence 32, batch 8; token (65×64) + learned position (32×64) embeddings;
 * x = x + Attn(LN1(x)); x = x + MLP(LN2(x)); causal attention with Q, K, V and output linears
 * 64→64 with bias, scores QKᵀ/√16; MLP 64→256, ReLU, 256→64; LayerNorm eps 1e-5 with gain and bias;
 * final LayerNorm, head 64→65, cross-entropy over all 256 positions against random targets; SGD lr 0.01.
 */
import { arange, manualSeed, nn, ones, randint, type Tensor } from 'nabla';
import type { TrainCase } from './harness.js';
import { NABLA_BACKENDS, sgdCase, useNabla, type NablaBackend } from './nabla.js';
import { tf, useBackend } from './tfjs.js';
import { tfOneHotLabels, tfStep, tfUniform } from './w3-mlp.js';

const VOCAB = 65;
const D = 64;
const HEADS = 4;
const HEAD = D / HEADS;
const T = 32;
const B = 8;
const HIDDEN = 256;
const LR = 0.01;

/** tfjs-cpu takes about half a second per step: it runs fewer steps than the 10 + 50 of the protocol. */
export const W5_TFJS_CPU_STEPS = { warmup: 5, timed: 25 };

class CausalSelfAttention extends nn.Module {
  q = new nn.Linear(D, D);
  k = new nn.Linear(D, D);
  v = new nn.Linear(D, D);
  proj = new nn.Linear(D, D);
  /** True above the diagonal: the future positions a query must not see. */
  _future = ones([T, T]).triu(1).bool();

  forward(x: Tensor): Tensor {
    const heads = (t: Tensor): Tensor => t.reshape(B, T, HEADS, HEAD).transpose(1, 2); // [B, H, T, head]
    const [q, k, v] = [heads(this.q.forward(x)), heads(this.k.forward(x)), heads(this.v.forward(x))];
    const scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(HEAD)).maskedFill(this._future, -Infinity);
    const y = scores.softmax(-1).matmul(v); // [B, H, T, head]
    return this.proj.forward(y.transpose(1, 2).reshape(B, T, D));
  }
}

export class Block extends nn.Module {
  tok = new nn.Embedding(VOCAB, D);
  pos = new nn.Embedding(T, D);
  ln1 = new nn.LayerNorm(D);
  attn = new CausalSelfAttention();
  ln2 = new nn.LayerNorm(D);
  fc1 = new nn.Linear(D, HIDDEN);
  fc2 = new nn.Linear(HIDDEN, D);
  lnF = new nn.LayerNorm(D);
  head = new nn.Linear(D, VOCAB);
  _positions = arange(T, undefined, 1, { dtype: 'int32' });

  forward(idx: Tensor): Tensor {
    let x = this.tok.forward(idx).add(this.pos.forward(this._positions));
    x = x.add(this.attn.forward(this.ln1.forward(x)));
    x = x.add(this.fc2.forward(this.fc1.forward(this.ln2.forward(x)).relu()));
    return this.head.forward(this.lnF.forward(x)); // [B, T, VOCAB]
  }
}

/** The nabla case of W5 on `backend` (also run alone in a fresh process: bench/fresh.ts). */
export function w5NablaCase(backend: NablaBackend): TrainCase {
  useNabla(backend);
  manualSeed(5);
  const model = new Block();
  const idx = randint(0, VOCAB, [B, T]);
  const targets = randint(0, VOCAB, [B * T]);
  return sgdCase(backend, model, LR, () => model.forward(idx).reshape(B * T, VOCAB), targets);
}

/** tfjs's LayerNorm over the last dim, from moments. */
function tfLayerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gain), bias);
}

/** tfjs's weights in the order of nabla's `Block.parameters()`; linear weights are [in, out] (nabla's transposed). */
function tfjsWeights(seed: number): tf.Variable[] {
  const linear = (fin: number, fout: number): tf.Variable[] => [tfUniform([fin, fout], fin, seed++), tfUniform([fout], fin, seed++)];
  const norm = (): tf.Variable[] => [tf.variable(tf.ones([D])), tf.variable(tf.zeros([D]))];
  const embedding = (rows: number): tf.Variable => tf.variable(tf.randomNormal([rows, D], 0, 1, 'float32', seed++));
  return [
    embedding(VOCAB), embedding(T), ...norm(),
    ...linear(D, D), ...linear(D, D), ...linear(D, D), ...linear(D, D),
    ...norm(), ...linear(D, HIDDEN), ...linear(HIDDEN, D), ...norm(), ...linear(D, VOCAB),
  ];
}

/**
 * The tfjs model's loss for one-hot `tokens` [B·T, VOCAB] and one-hot `targets` [B·T, VOCAB].
 * NOTE: the token embedding is one-hot(idx)·tok, not tf.gather(tok, idx): gather's gradient needs
 * UnsortedSegmentSum, a kernel tfjs-wasm lacks. Same values and gradients, 1 MFLOP more; on both backends.
 */
export function tfjsW5Loss(weights: readonly tf.Tensor[], tokens: tf.Tensor, targets: tf.Tensor): () => tf.Scalar {
  const [tok, pos, g1, n1, wq, bq, wk, bk, wv, bv, wo, bo, g2, n2, w1, b1, w2, b2, gF, nF, wh, bh] = weights;
  // additive causal mask: −1e9 above the diagonal (the tfjs idiom for maskedFill(−∞))
  const mask = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9));
  const lin = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.add(tf.matMul(x, w), b); // x [B·T, in]
  const heads = (x: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(x, [B, T, HEADS, HEAD]), [0, 2, 1, 3]);
  return () => {
    let x = tf.reshape(tf.add(tf.reshape(tf.matMul(tokens, tok!), [B, T, D]), pos!), [B * T, D]);
    const h = tfLayerNorm(x, g1!, n1!);
    const [q, k, v] = [heads(lin(h, wq!, bq!)), heads(lin(h, wk!, bk!)), heads(lin(h, wv!, bv!))];
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(HEAD)), mask);
    const y = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]), [B * T, D]);
    x = tf.add(x, lin(y, wo!, bo!));
    x = tf.add(x, lin(tf.relu(lin(tfLayerNorm(x, g2!, n2!), w1!, b1!)), w2!, b2!));
    return tf.losses.softmaxCrossEntropy(targets, lin(tfLayerNorm(x, gF!, nF!), wh!, bh!)) as tf.Scalar;
  };
}

function tfjsCase(backend: 'cpu' | 'wasm'): TrainCase {
  useBackend(backend);
  const weights = tfjsWeights(50);
  const tokens = tfOneHotLabels([B * T], VOCAB, 80);
  const targets = tfOneHotLabels([B * T], VOCAB, 81);
  const loss = tfjsW5Loss(weights, tokens, targets);
  const opt = tf.train.sgd(LR);
  const steps = backend === 'cpu' ? W5_TFJS_CPU_STEPS : undefined;
  return { name: `tfjs-${backend}`, setup: () => useBackend(backend), step: () => tfStep(opt, loss, weights), steps, note: 'embedding as one-hot·matmul' };
}

export function w5Cases(): TrainCase[] {
  return [...NABLA_BACKENDS.map(w5NablaCase), tfjsCase('cpu'), tfjsCase('wasm')];
}
