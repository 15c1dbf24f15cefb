/**
 * W9 (bench/README.md): a training step of the character GPT of examples/gpt (its model class).
 * Vocabulary 89, 4 pre-LN blocks, d_model 128, 4 heads of 32, context 128, batch 32; token (89×128)
 * + learned position (128×128) embeddings; x = x + Attn(LN1(x)); x = x + MLP(LN2(x)); causal
 * attention with a fused QKV linear 128→384 and an output linear 128→128 (nabla: the fused
 * `F.scaledDotProductAttention(q, k, v, { isCausal: true })`); MLP 128→512, GELU (exact, erf),
 * 512→128; LayerNorm eps 1e-5; final LayerNorm, head 128→89, cross-entropy over all 32×128
 * positions against random targets; SGD lr 0.01 (as W3–W5).
 */
import { manualSeed, randint } from 'nabla';
import { GPT, type GPTConfig } from '../examples/gpt/model.js';
import type { TrainCase } from './harness.js';
import { NABLA_BACKENDS, sgdCase, useNabla, type NablaBackend } from './nabla.js';
import { tf, useBackend } from './tfjs.js';
import { tfOneHotLabels, tfStep, tfUniform } from './w3-mlp.js';

const CONFIG: GPTConfig = { vocab: 89, context: 128, layers: 4, dModel: 128, heads: 4, mlp: 512 };
const { vocab: VOCAB, context: T, layers: LAYERS, dModel: D, heads: HEADS, mlp: MLP } = CONFIG;
const HEAD = D / HEADS;
const B = 32;
const LR = 0.01;

/** tfjs-cpu and nabla js take tens of seconds per step: they run far fewer steps than the 10 + 50 of the protocol. */
export const W9_SLOW_STEPS = { warmup: 1, timed: 3 };
/** tfjs-wasm takes seconds per step: it runs fewer steps too. */
export const W9_TFJS_WASM_STEPS = { warmup: 2, timed: 10 };

/** The nabla case of W9 on `backend` (also run alone in a fresh process: bench/fresh.ts). */
export function w9NablaCase(backend: NablaBackend): TrainCase {
  useNabla(backend);
  manualSeed(9);
  const model = new GPT(CONFIG);
  const idx = randint(0, VOCAB, [B, T]);
  const targets = randint(0, VOCAB, [B * T]);
  const c = sgdCase(backend, model, LR, () => model.forward(idx).reshape(B * T, VOCAB), targets);
  return backend === 'js' ? { ...c, steps: W9_SLOW_STEPS } : c;
}

/** tfjs's LayerNorm over the last dim, from moments. */
function tfLayerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gain), bias);
}

/** Exact GELU: 0.5·x·(1 + erf(x/√2)). */
function tfGelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

interface TfBlock {
  g1: tf.Variable; n1: tf.Variable; wqkv: tf.Variable; bqkv: tf.Variable; wo: tf.Variable; bo: tf.Variable;
  g2: tf.Variable; n2: tf.Variable; w1: tf.Variable; b1: tf.Variable; w2: tf.Variable; b2: tf.Variable;
}

interface TfGPT {
  tok: tf.Variable; pos: tf.Variable; blocks: TfBlock[]; gF: tf.Variable; nF: tf.Variable; wh: tf.Variable; bh: tf.Variable;
}

/** tfjs's weights with nabla's initialisation; linear weights are [in, out] (nabla's transposed). */
function tfjsWeights(seed: number): TfGPT {
  const norm = (): [tf.Variable, tf.Variable] => [tf.variable(tf.ones([D])), tf.variable(tf.zeros([D]))];
  const linear = (fin: number, fout: number): [tf.Variable, tf.Variable] => [tfUniform([fin, fout], fin, seed++), tfUniform([fout], fin, seed++)];
  const embedding = (rows: number): tf.Variable => tf.variable(tf.randomNormal([rows, D], 0, 1, 'float32', seed++));
  const tok = embedding(VOCAB);
  const pos = embedding(T);
  const blocks = Array.from({ length: LAYERS }, (): TfBlock => {
    const [g1, n1] = norm();
    const [wqkv, bqkv] = linear(D, 3 * D);
    const [wo, bo] = linear(D, D);
    const [g2, n2] = norm();
    const [w1, b1] = linear(D, MLP);
    const [w2, b2] = linear(MLP, D);
    return { g1, n1, wqkv, bqkv, wo, bo, g2, n2, w1, b1, w2, b2 };
  });
  const [gF, nF] = norm();
  const [wh, bh] = linear(D, VOCAB);
  return { tok, pos, blocks, gF, nF, wh, bh };
}

function tfjsVariables(m: TfGPT): tf.Variable[] {
  return [m.tok, m.pos, ...m.blocks.flatMap((b) => Object.values(b) as tf.Variable[]), m.gF, m.nF, m.wh, m.bh];
}

/**
 * The tfjs model's loss for one-hot `tokens` [B·T, VOCAB] and one-hot `targets` [B·T, VOCAB].
 * NOTE: the token embedding is one-hot(idx)·tok, not tf.gather(tok, idx), as in W5: gather's
 * gradient needs UnsortedSegmentSum, a kernel tfjs-wasm lacks. Same values and gradients.
 */
function tfjsLoss(m: TfGPT, tokens: tf.Tensor, targets: tf.Tensor): () => tf.Scalar {
  // additive causal mask: −1e9 above the diagonal (the tfjs idiom for maskedFill(−∞))
  const mask = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9));
  const lin = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.add(tf.matMul(x, w), b); // x [B·T, in]
  const heads = (x: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(x, [B, T, HEADS, HEAD]), [0, 2, 1, 3]); // [B, H, T, hd]
  const block = (x: tf.Tensor, p: TfBlock): tf.Tensor => {
    const [q, k, v] = tf.split(lin(tfLayerNorm(x, p.g1, p.n1), p.wqkv, p.bqkv), 3, 1).map(heads) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(HEAD)), mask);
    const y = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]), [B * T, D]);
    const h = tf.add(x, lin(y, p.wo, p.bo));
    return tf.add(h, lin(tfGelu(lin(tfLayerNorm(h, p.g2, p.n2), p.w1, p.b1)), p.w2, p.b2));
  };
  return () => {
    let x = tf.reshape(tf.add(tf.reshape(tf.matMul(tokens, m.tok), [B, T, D]), m.pos), [B * T, D]);
    for (const p of m.blocks) x = block(x, p);
    return tf.losses.softmaxCrossEntropy(targets, lin(tfLayerNorm(x, m.gF, m.nF), m.wh, m.bh)) as tf.Scalar;
  };
}

function tfjsCase(backend: 'cpu' | 'wasm'): TrainCase {
  useBackend(backend);
  const model = tfjsWeights(90);
  const tokens = tfOneHotLabels([B * T], VOCAB, 98);
  const targets = tfOneHotLabels([B * T], VOCAB, 99);
  const loss = tfjsLoss(model, tokens, targets);
  const vars = tfjsVariables(model);
  const opt = tf.train.sgd(LR);
  const steps = backend === 'cpu' ? W9_SLOW_STEPS : W9_TFJS_WASM_STEPS;
  return { name: `tfjs-${backend}`, setup: () => useBackend(backend), step: () => tfStep(opt, loss, vars), steps, note: 'embedding as one-hot·matmul' };
}

export function w9Cases(): TrainCase[] {
  return [...NABLA_BACKENDS.map(w9NablaCase), tfjsCase('cpu'), tfjsCase('wasm')];
}
