/**
 * DQN (Mnih et al. 2015, "Human-level control through deep reinforcement learning") on CartPole-v1, in
 * one file on nabla's public API, in the manner of CleanRL's dqn.py: one environment, a replay buffer of
 * the last transitions, ε-greedy exploration with ε decayed linearly, a Q-network trained on random
 * minibatches against a target network (a hard copy of the Q-network, refreshed between bursts of
 * gradient steps), the Huber loss on the TD error, gradients clipped, Adam.
 *
 *   npx tsx examples/rl/dqn.ts --seed 1                 # bar: greedy evaluation ≥ 475
 *   npx tsx examples/rl/dqn.ts --seed 2 --steps 20000 --out runs/dqn-short
 *
 * Model selection. DQN on CartPole learns a policy that balances for 500 steps, then often forgets it
 * for a while (the replay buffer fills with successful episodes only, the Q-values of failures drift,
 * the policy collapses and recovers): the weights at the last step are a lottery. So every
 * `validateEvery` steps (once learning has started) the greedy policy plays `validationEpisodes`
 * episodes on validation seeds 500,000 + i, disjoint from the final evaluation's (1,000,000 + i) and
 * never used in training, and the best weights so far are kept (ties go to the latest). Those are the
 * weights saved, loaded back and evaluated.
 *
 * Hyperparameters. Those of RL Baselines3 Zoo's tuned DQN for CartPole-v1 (Stable-Baselines3: Huber
 * loss, gradient norm clipped at 10): every 256 env steps, 128 gradient steps on minibatches of 64, the
 * target refreshed before each burst, ε from 1 to 0.04 over the first 16% of 50,000 steps, a 256-256
 * MLP, Adam at 2.3e-3. CleanRL's settings for CartPole (one gradient step every 10 env steps over
 * 500,000 steps, target every 500) were tried first: with the squared error they learn, but with the
 * Huber loss the Q-values diverge here (mean Q past 10,000 after 50,000 steps, where no return can
 * exceed 100 at γ = 0.99): the Huber loss's bounded gradient lets the max over actions in the target
 * inflate faster than the terminal transitions pull it back.
 *
 * A time limit truncates rather than ends an episode: the transition is stored as not terminal, so its
 * target bootstraps from the last observation (Gymnasium's handle_timeout_termination).
 */
import { Generator, type Tensor, manualSeed, nn, noGrad, optim, rl, scope, tensor } from 'nabla';
import { RunLog, evaluate, finish, outDir, runFlags, savePolicy } from './common.js';

const config = {
  envId: 'CartPole-v1',
  totalSteps: 50_000,
  lr: 2.3e-3,
  bufferSize: 100_000,
  gamma: 0.99,
  batchSize: 64,
  startEpsilon: 1,
  endEpsilon: 0.04,
  explorationFraction: 0.16, // ε decays linearly over this fraction of the steps, then stays at endEpsilon
  learningStarts: 1_000,     // env steps of pure ε-greedy before the first update
  trainEvery: 256,           // env steps between bursts of gradient steps
  gradientSteps: 128,        // gradient steps per burst; the target network is refreshed before each burst
  maxGradNorm: 10,
  hidden: [256, 256],
  validateEvery: 2_500,
  validationEpisodes: 25,
  bar: 475,
};
type Config = typeof config;

const flags = runFlags();
const seed = flags.seed;
const cfg: Config = { ...config, totalSteps: flags.steps ?? config.totalSteps };
if (cfg.totalSteps <= cfg.learningStarts) throw new Error(`--steps must exceed learningStarts (${cfg.learningStarts}): no update happens before`);
const isBarRun = cfg.totalSteps === config.totalSteps;
const VALIDATION_SEED = 500_000;

manualSeed(seed); // the Q-network's initialisation
const generator = new Generator(seed); // ε-greedy and replay sampling
const env = new rl.RecordEpisodeStatistics(rl.make(cfg.envId) as rl.Env<Float32Array, number>);
const obsDim = (env.observationSpace as rl.Box).size;
const numActions = (env.actionSpace as rl.Discrete).n;

/** The Q-network: an observation in, one value per action out (ReLU MLP, PyTorch's default init). */
const qNetwork = (): nn.Sequential => new nn.Sequential(
  new nn.Linear(obsDim, cfg.hidden[0]!), new nn.ReLU(), new nn.Linear(cfg.hidden[0]!, cfg.hidden[1]!), new nn.ReLU(), new nn.Linear(cfg.hidden[1]!, numActions));
const q = qNetwork();
const target = qNetwork();
const best = qNetwork(); // the best weights on the validation episodes so far
target.loadStateDict(q.stateDict());
const optimizer = new optim.Adam(q.parameters(), { lr: cfg.lr });

/** The greedy action of `net` for one observation. */
const greedy = (net: nn.Module, obs: Float32Array): number =>
  noGrad(() => scope(() => net.forward(tensor(obs, { shape: [1, obsDim] })).argmax(1).item()));

// ── replay buffer: a ring of the last bufferSize transitions in preallocated typed arrays ──
const B = cfg.bufferSize;
const rObs = new Float32Array(B * obsDim);
const rNextObs = new Float32Array(B * obsDim);
const rActions = new Int32Array(B);
const rRewards = new Float32Array(B);
const rTerminated = new Float32Array(B); // 1 where the episode ended (not where a time limit cut it)
let stored = 0; // transitions ever added; the slot of the next is stored % B

function add(obs: Float32Array, next: Float32Array, action: number, reward: number, terminated: boolean): void {
  const k = stored++ % B;
  rObs.set(obs, k * obsDim);
  rNextObs.set(next, k * obsDim);
  rActions[k] = action;
  rRewards[k] = reward;
  rTerminated[k] = terminated ? 1 : 0;
}

// minibatch staging, refilled at each update
const n = cfg.batchSize;
const bObs = new Float32Array(n * obsDim);
const bNextObs = new Float32Array(n * obsDim);
const bActions = new Int32Array(n);
const bRewards = new Float32Array(n);
const bTerminated = new Float32Array(n);

/** One gradient step on a random minibatch; returns the loss and the mean Q of the actions taken. */
function update(): [number, number] {
  const size = Math.min(stored, B);
  for (let r = 0; r < n; r++) {
    const j = generator.randint(0, size);
    bObs.set(rObs.subarray(j * obsDim, (j + 1) * obsDim), r * obsDim);
    bNextObs.set(rNextObs.subarray(j * obsDim, (j + 1) * obsDim), r * obsDim);
    bActions[r] = rActions[j]!;
    bRewards[r] = rRewards[j]!;
    bTerminated[r] = rTerminated[j]!;
  }
  return scope(() => {
    // TD target r + γ·(1 − terminated)·max_a Q_target(s′, a), without gradient
    const tdTarget = noGrad(() => {
      const nextMax = target.forward(tensor(bNextObs, { shape: [n, obsDim] })).max(1);
      return tensor(bRewards).add(nextMax.mul(tensor(bTerminated).neg().add(1)).mul(cfg.gamma));
    });
    const qTaken: Tensor = q.forward(tensor(bObs, { shape: [n, obsDim] })).gather(1, tensor(bActions, { shape: [n, 1] })).view(-1);
    const loss = nn.functional.smoothL1Loss(qTaken, tdTarget);
    optimizer.zeroGrad();
    loss.backward();
    optim.clipGradNorm_(q.parameters(), cfg.maxGradNorm);
    optimizer.step();
    return [loss.item(), qTaken.mean().item()];
  });
}

const epsilon = (step: number): number => {
  const decaySteps = cfg.explorationFraction * cfg.totalSteps;
  return Math.max(cfg.endEpsilon, cfg.startEpsilon + (cfg.endEpsilon - cfg.startEpsilon) * (step / decaySteps));
};

const log = new RunLog(`DQN seed ${seed}`, cfg.totalSteps);
let [obs] = env.reset({ seed });
let lastLoss = '';
let lastValidation = '';
let bestScore = -Infinity;
let bestStep = -1;
for (let step = 0; step < cfg.totalSteps; step++) {
  // ── act ε-greedily, store the transition ──
  const action = generator.random() < epsilon(step) ? generator.randint(0, numActions) : greedy(q, obs);
  const [next, reward, terminated, truncated, info] = env.step(action);
  add(obs, next, action, reward, terminated);
  log.record([info], step + 1);
  obs = terminated || truncated ? env.reset()[0] : next;

  // ── learn: refresh the target, then a burst of gradient steps against it ──
  if (step >= cfg.learningStarts && step % cfg.trainEvery === 0) {
    target.loadStateDict(q.stateDict());
    let loss = 0;
    let meanQ = 0;
    for (let g = 0; g < cfg.gradientSteps; g++) [loss, meanQ] = update();
    lastLoss = `ε ${epsilon(step).toFixed(2)}  loss ${loss.toFixed(3)}  mean Q ${meanQ.toFixed(1)}`;
  }

  // ── model selection on the validation episodes ──
  if (step + 1 > cfg.learningStarts && ((step + 1) % cfg.validateEvery === 0 || step + 1 === cfg.totalSteps)) {
    const score = evaluate(cfg.envId, (o) => greedy(q, o), cfg.validationEpisodes, VALIDATION_SEED).mean;
    if (score >= bestScore) {
      bestScore = score;
      bestStep = step + 1;
      best.loadStateDict(q.stateDict());
    }
    lastValidation = `  validation ${score.toFixed(1)} (best ${bestScore.toFixed(1)} at ${bestStep})`;
  }
  log.progress(step + 1, lastLoss + lastValidation, step + 1 === cfg.totalSteps);
}
env.close();
console.log(`selected the weights of step ${bestStep}: validation mean return ${bestScore.toFixed(1)} on ${cfg.validationEpisodes} episodes (seeds ${VALIDATION_SEED}…)`);

// ── save the selected Q-network, load it back, evaluate it greedily (argmax of the Q-values) ──
const dir = outDir(`dqn-${cfg.envId}`, seed, flags.out);
const saved = savePolicy(dir, (bestStep < 0 ? q : best).stateDict(), { algorithm: 'DQN', seed, selectedStep: bestStep, ...cfg });
const policy = qNetwork();
policy.loadStateDict(saved);
const evaluation = evaluate(cfg.envId, (o) => greedy(policy, o));
finish({ log, dir, envId: cfg.envId, envSteps: cfg.totalSteps, evaluation, bar: isBarRun ? cfg.bar : null,
  extra: { algorithm: 'DQN', seed, config: cfg, selectedStep: bestStep, validationMean: bestScore } });
