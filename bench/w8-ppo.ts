/**
 * W8 (bench/README.md): a CartPole-sized PPO update. 2,048 stored transitions (observations of 4
 * floats, actions 0/1, old log-probabilities, advantages, returns: seeded random data, built once, the
 * same for every framework); policy MLP 4→64→64→2 and value MLP 4→64→64→1 with tanh; 10 epochs of
 * shuffled minibatches of 64 (32 per epoch, the same permutations for every case); loss = clipped
 * surrogate (ε 0.2) − 0.01·entropy + 0.5·value MSE; one Adam (lr 2.5e-4, eps 1e-5) over both
 * networks; gradients clipped to a global norm of 0.5. One step of `trainRounds` is one whole update
 * (320 optimiser steps); its loss is the mean loss of the update's minibatches.
 *
 * Every case starts from the same weights (nabla's default initialisation, seeded, copied into the
 * tfjs variables), so the first update's mean loss agrees across cases, and `w8Check` compares the
 * loss and the gradient norm of the first minibatch between nabla and tfjs.
 */
import { Generator, manualSeed, nn, optim, scope, tensor, type Tensor } from 'nabla';
import type { TrainCase } from './harness.js';
import { NABLA_BACKENDS, nablaName, useNabla, type NablaBackend } from './nabla.js';
import { tf, useBackend } from './tfjs.js';

const TRANSITIONS = 2048;
const OBS = 4;
const HIDDEN = 64;
const ACTIONS = 2;
const EPOCHS = 10;
const MINIBATCH = 64;
const CLIP = 0.2;
const ENT_COEF = 0.01;
const VF_COEF = 0.5;
const LR = 2.5e-4;
const ADAM_EPS = 1e-5;
const MAX_GRAD_NORM = 0.5;
const DATA_SEED = 8;
const INIT_SEED = 80;
const SHUFFLE_SEED = 81;

/** Optimiser steps of one update: 10 epochs × 32 minibatches. */
export const W8_MINIBATCHES_PER_UPDATE = EPOCHS * (TRANSITIONS / MINIBATCH);

/** W8's protocol: 3 interleaved rounds; 2 warm-up updates, then 5 timed updates split over the rounds. */
export const W8_PROTOCOL = { rounds: 3, warmup: 2, timed: 5 };

/** The stored transitions of a rollout, as plain arrays (each framework makes its tensors from them). */
interface Transitions {
  obs: Float32Array; // [TRANSITIONS, OBS]
  actions: Int32Array;
  oldLogProbs: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
}

let stored: Transitions | null = null;

/**
 * The transitions, drawn once from a seeded generator: observations N(0, 1), actions 0/1, old
 * log-probabilities log p with p uniform in [0.3, 0.7) (near the fresh policy's, so that some ratios
 * fall inside the clip range and some outside), advantages N(0, 1), returns uniform in [0, 10) (as
 * CartPole's early discounted returns: the value loss dominates and gradient clipping is active).
 */
function transitions(): Transitions {
  if (stored !== null) return stored;
  const g = new Generator(DATA_SEED);
  const draw = (n: number, f: () => number): Float32Array => Float32Array.from({ length: n }, f);
  stored = {
    obs: draw(TRANSITIONS * OBS, () => g.normal()),
    actions: Int32Array.from({ length: TRANSITIONS }, () => g.randint(0, ACTIONS)),
    oldLogProbs: draw(TRANSITIONS, () => Math.log(g.uniform(0.3, 0.7))),
    advantages: draw(TRANSITIONS, () => g.normal()),
    returns: draw(TRANSITIONS, () => g.uniform(0, 10)),
  };
  return stored;
}

/** Minibatch rows of each epoch: a seeded Fisher–Yates permutation of the transitions, cut in 32. */
function epochMinibatches(shuffle: Generator): Int32Array[] {
  const order = Int32Array.from(shuffle.permutation(TRANSITIONS));
  return Array.from({ length: TRANSITIONS / MINIBATCH }, (_, k) => order.slice(k * MINIBATCH, (k + 1) * MINIBATCH));
}

/** A learner runs one optimiser step on the given rows and returns that minibatch's loss. */
type Minibatch = (rows: Int32Array, stats?: { norm: number }) => number;

/** One PPO update: 10 epochs of shuffled minibatches; returns the mean loss of its 320 minibatches. */
function ppoUpdate(minibatch: Minibatch, shuffle: Generator): number {
  let total = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (const rows of epochMinibatches(shuffle)) total += minibatch(rows);
  }
  return total / W8_MINIBATCHES_PER_UPDATE;
}

const mlp = (out: number): nn.Sequential =>
  new nn.Sequential(new nn.Linear(OBS, HIDDEN), new nn.Tanh(), new nn.Linear(HIDDEN, HIDDEN), new nn.Tanh(), new nn.Linear(HIDDEN, out));

/** The policy (action logits) and value networks, separate MLPs with tanh. */
class ActorCritic extends nn.Module {
  actor = mlp(ACTIONS);
  critic = mlp(1);

  /** The action logits. */
  forward(x: Tensor): Tensor {
    return this.actor.forward(x) as Tensor;
  }

  value(x: Tensor): Tensor {
    return (this.critic.forward(x) as Tensor).view(-1);
  }
}

/** The model with W8's initial weights (nabla's default initialisation after `manualSeed(INIT_SEED)`). */
function initialModel(): ActorCritic {
  manualSeed(INIT_SEED);
  return new ActorCritic();
}

/** One nabla optimiser step per call, on the current backend; build it after `useNabla`. */
function nablaLearner(): Minibatch {
  const data = transitions();
  const obs = tensor(data.obs, { shape: [TRANSITIONS, OBS] });
  const actions = tensor(data.actions);
  const oldLogProbs = tensor(data.oldLogProbs);
  const advantages = tensor(data.advantages);
  const returns = tensor(data.returns);
  const model = initialModel();
  const params = model.parameters();
  const opt = new optim.Adam(params, { lr: LR, eps: ADAM_EPS });
  return (rows, stats) => scope(() => {
    const idx = tensor(rows);
    const x = obs.indexSelect(0, idx);
    const adv = advantages.indexSelect(0, idx);
    const logp = model.forward(x).logSoftmax(1);
    const newLogProb = logp.gather(1, actions.indexSelect(0, idx).unsqueeze(1)).squeeze(1);
    const ratio = newLogProb.sub(oldLogProbs.indexSelect(0, idx)).exp();
    // clipped surrogate: maximise min(r·A, clip(r, 1 ± ε)·A)
    const policyLoss = ratio.mul(adv).minimum(ratio.clamp(1 - CLIP, 1 + CLIP).mul(adv)).mean().neg();
    const entropy = logp.exp().mul(logp).sum(1).mean().neg();
    const valueLoss = model.value(x).sub(returns.indexSelect(0, idx)).square().mean();
    const loss = policyLoss.sub(entropy.mul(ENT_COEF)).add(valueLoss.mul(VF_COEF));
    opt.zeroGrad();
    loss.backward();
    const norm = optim.clipGradNorm_(params, MAX_GRAD_NORM);
    opt.step();
    if (stats !== undefined) stats.norm = norm.item();
    return loss.item();
  });
}

/** The nabla case of W8 on `backend` (also run alone in a fresh process: bench/fresh.ts). */
export function w8NablaCase(backend: NablaBackend): TrainCase {
  useNabla(backend);
  const minibatch = nablaLearner();
  const shuffle = new Generator(SHUFFLE_SEED);
  return { name: nablaName(backend), setup: () => useNabla(backend), step: () => ppoUpdate(minibatch, shuffle) };
}

/** tfjs's dense layers: weight [in, out] (nabla's transposed) and bias. */
type TfLayer = [tf.Variable, tf.Variable];

/** tfjs variables holding W8's initial weights, copied from nabla's model, actor then critic. */
function tfjsWeights(): { actor: TfLayer[]; critic: TfLayer[] } {
  const model = initialModel();
  const copy = (net: nn.Sequential): TfLayer[] => [0, 2, 4].map((i): TfLayer => {
    const l = net.at(i) as nn.Linear;
    const w = tf.tidy(() => tf.transpose(tf.tensor2d(l.weight.toTypedArray() as Float32Array, [l.outFeatures, l.inFeatures])));
    return [tf.variable(w), tf.variable(tf.tensor1d(l.bias!.toTypedArray() as Float32Array))];
  });
  return { actor: copy(model.actor), critic: copy(model.critic) };
}

function tfMlp(layers: readonly TfLayer[], x: tf.Tensor): tf.Tensor {
  let h = x;
  layers.forEach(([w, b], i) => {
    h = tf.add(tf.matMul(h, w), b);
    if (i < layers.length - 1) h = tf.tanh(h);
  });
  return h;
}

/** One tfjs optimiser step per call, on the current backend: variableGrads, global-norm clipping by hand, Adam. */
function tfjsLearner(): Minibatch {
  const data = transitions();
  const obs = tf.tensor2d(data.obs, [TRANSITIONS, OBS]);
  const actions = tf.tensor1d(data.actions, 'int32');
  const oldLogProbs = tf.tensor1d(data.oldLogProbs);
  const advantages = tf.tensor1d(data.advantages);
  const returns = tf.tensor1d(data.returns);
  const { actor, critic } = tfjsWeights();
  const vars = [...actor, ...critic].flat();
  const opt = tf.train.adam(LR, 0.9, 0.999, ADAM_EPS);
  return (rows, stats) => tf.tidy(() => {
    const idx = tf.tensor1d(rows, 'int32');
    const x = tf.gather(obs, idx);
    const adv = tf.gather(advantages, idx);
    const taken = tf.oneHot(tf.gather(actions, idx), ACTIONS);
    const old = tf.gather(oldLogProbs, idx);
    const ret = tf.gather(returns, idx);
    const { value, grads } = tf.variableGrads(() => {
      const logp = tf.logSoftmax(tfMlp(actor, x));
      const ratio = tf.exp(tf.sub(tf.sum(tf.mul(logp, taken), 1), old));
      const policyLoss = tf.neg(tf.mean(tf.minimum(tf.mul(ratio, adv), tf.mul(tf.clipByValue(ratio, 1 - CLIP, 1 + CLIP), adv))));
      const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logp), logp), 1)));
      const valueLoss = tf.mean(tf.square(tf.sub(tf.reshape(tfMlp(critic, x), [-1]), ret)));
      return tf.add(tf.sub(policyLoss, tf.mul(entropy, ENT_COEF)), tf.mul(valueLoss, VF_COEF)) as tf.Scalar;
    }, vars);
    // global norm over all gradients, scaled by min(1, maxNorm / (norm + 1e-6)) as torch's clip_grad_norm_
    const norm = tf.sqrt(tf.addN(vars.map((v) => tf.sum(tf.square(grads[v.name]!)))));
    const coef = tf.minimum(tf.div(MAX_GRAD_NORM, tf.add(norm, 1e-6)), 1);
    opt.applyGradients(Object.fromEntries(vars.map((v) => [v.name, tf.mul(grads[v.name]!, coef)])));
    if (stats !== undefined) stats.norm = norm.dataSync()[0]!;
    return value.dataSync()[0]!;
  });
}

function tfjsCase(backend: 'cpu' | 'wasm'): TrainCase {
  useBackend(backend);
  const minibatch = tfjsLearner();
  const shuffle = new Generator(SHUFFLE_SEED);
  return { name: `tfjs-${backend}`, setup: () => useBackend(backend), step: () => ppoUpdate(minibatch, shuffle) };
}

/**
 * W8's cases: nabla wasm, nabla js, tfjs-cpu, tfjs-wasm; each `step` is one whole PPO update.
 * Call `initTfjs()` first.
 * @example
 * await initTfjs();
 * const rows = trainRows('W8 PPO update', await trainRounds('W8', w8Cases(), W8_PROTOCOL));
 */
export function w8Cases(): TrainCase[] {
  return [...NABLA_BACKENDS.map(w8NablaCase), tfjsCase('cpu'), tfjsCase('wasm')];
}

/**
 * Checks nabla against tfjs: from the same weights, the loss and the gradient norm (before clipping)
 * of the first minibatch, then the loss of the second (after one clipped Adam step), on every backend
 * of both. Prints the figures; throws when a loss or norm differs from nabla wasm's by more than
 * `tolerance` (relative). Call `initTfjs()` first.
 * @example
 * await initTfjs();
 * w8Check(); // W8 check: first minibatch loss … (nabla wasm) … agree
 */
export function w8Check(tolerance = 1e-4): void {
  const shuffle = new Generator(SHUFFLE_SEED);
  const [first, second] = epochMinibatches(shuffle) as [Int32Array, Int32Array];
  const learners: [string, () => Minibatch][] = [
    ...NABLA_BACKENDS.map((b): [string, () => Minibatch] => [nablaName(b), () => { useNabla(b); return nablaLearner(); }]),
    ...(['cpu', 'wasm'] as const).map((b): [string, () => Minibatch] => [`tfjs-${b}`, () => { useBackend(b); return tfjsLearner(); }]),
  ];
  const results = learners.map(([name, make]) => {
    const minibatch = make();
    const stats = { norm: NaN };
    const loss1 = minibatch(first, stats);
    const loss2 = minibatch(second);
    return { name, figures: [loss1, stats.norm, loss2] };
  });
  useNabla('wasm');
  const ref = results[0]!.figures;
  for (const { name, figures } of results) {
    const worst = Math.max(...figures.map((f, k) => Math.abs(f - ref[k]!) / Math.max(Math.abs(ref[k]!), 1e-12)));
    console.log(`W8 check ${name}: minibatch 1 loss ${figures[0]!.toFixed(6)}, gradient norm ${figures[1]!.toFixed(6)}; minibatch 2 loss ${figures[2]!.toFixed(6)} (largest relative difference to ${results[0]!.name} ${worst.toExponential(1)})`);
    if (!(worst <= tolerance)) throw new Error(`W8 check: ${name} differs from ${results[0]!.name} by ${worst.toExponential(2)} (relative) on the same weights and minibatches`);
  }
}
