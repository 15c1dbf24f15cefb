/**
 * SAC (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications") for continuous actions,
 * in one file on nabla's public API, in the manner of CleanRL's sac_continuous_action.py: twin Q
 * networks with Polyak-averaged target copies, a tanh-squashed Gaussian policy trained through the
 * reparameterised sample (`rsample`), and the entropy temperature α tuned automatically towards a
 * target entropy of −(action dims).
 *
 *   npm run example:sac-pendulum                  # Pendulum-v1, bar: greedy evaluation ≥ −200
 *   npx tsx examples/rl/sac.ts --seed 2 --steps 8000
 *
 * Pendulum never terminates, only truncates at 200 steps, so every target bootstraps:
 * y = r + γ (min Q̄(s', a') − α log π(a'|s')), a' ~ π(·|s').
 */
import { Generator, type Tensor, cat, distributions, manualSeed, nn, noGrad, optim, rl, scope, tensor, zeros } from 'nabla';
import { RunLog, evaluate, finish, outDir, runFlags, savePolicy } from './common.js';

const ENV_ID = 'Pendulum-v1';
const BAR = -200;
const DEFAULTS = {
  totalSteps: 12_000,
  learningStarts: 1_000, // random actions before the first update
  bufferSize: 100_000,
  batch: 128,
  hidden: 128,
  gamma: 0.99,
  tau: 0.005,        // Polyak averaging of the target Q networks
  policyLr: 3e-4,
  qLr: 1e-3,
  policyFrequency: 2, // actor and α updated every 2nd step (twice, to keep the ratio), as CleanRL does
};
const LOG_STD_MIN = -5;
const LOG_STD_MAX = 2;

const flags = runFlags();
const seed = flags.seed;
const cfg = { ...DEFAULTS, totalSteps: flags.steps ?? DEFAULTS.totalSteps };
if (cfg.totalSteps <= cfg.learningStarts) throw new Error(`--steps must exceed learningStarts (${cfg.learningStarts}): no update happens before`);
const isBarRun = cfg.totalSteps === DEFAULTS.totalSteps;

manualSeed(seed);
const generator = new Generator(seed);
const env = new rl.RecordEpisodeStatistics(rl.make(ENV_ID)) as unknown as rl.Env<Float32Array, Float32Array>;
env.actionSpace.seed(seed);
const actionSpace = env.actionSpace as rl.Box<Float32Array>;
const obsDim = (env.observationSpace as rl.Box).size;
const actDim = actionSpace.size;
const actionScale = (actionSpace.high[0]! - actionSpace.low[0]!) / 2;
const actionBias = (actionSpace.high[0]! + actionSpace.low[0]!) / 2;

const mlp = (inF: number, outF: number): nn.Sequential =>
  new nn.Sequential(new nn.Linear(inF, cfg.hidden), new nn.ReLU(), new nn.Linear(cfg.hidden, cfg.hidden), new nn.ReLU(), new nn.Linear(cfg.hidden, outF));

/** Q(s, a): an MLP on the concatenated observation and action. */
class QNetwork extends nn.Module {
  net = mlp(obsDim + actDim, 1);
  forward(obs: Tensor, action: Tensor): Tensor {
    return this.net.forward(cat([obs, action], 1)).view(-1);
  }
}

/** π(a|s): a Gaussian over pre-tanh actions, log σ squashed into [LOG_STD_MIN, LOG_STD_MAX]; a = scale · tanh(u) + bias. */
class Actor extends nn.Module {
  trunk = new nn.Sequential(new nn.Linear(obsDim, cfg.hidden), new nn.ReLU(), new nn.Linear(cfg.hidden, cfg.hidden), new nn.ReLU());
  mean = new nn.Linear(cfg.hidden, actDim);
  logStd = new nn.Linear(cfg.hidden, actDim);

  distribution(obs: Tensor): distributions.TanhNormal {
    const h = this.trunk.forward(obs);
    const logStd = this.logStd.forward(h).tanh().add(1).mul(0.5 * (LOG_STD_MAX - LOG_STD_MIN)).add(LOG_STD_MIN);
    return new distributions.TanhNormal(this.mean.forward(h), logStd.exp());
  }

  /** An action in the environment's range and its log-probability, through the reparameterised sample. */
  sample(obs: Tensor): [Tensor, Tensor] {
    const [squashed, logProb] = this.distribution(obs).rsampleWithLogProb([], { generator });
    // a = scale · tanh(u) + bias: log π(a) = log π(tanh u) − dims · log scale
    return [squashed.mul(actionScale).add(actionBias), logProb.sub(actDim * Math.log(actionScale))];
  }

  /** The greedy action: scale · tanh(mean) + bias. */
  forward(obs: Tensor): Tensor {
    return this.mean.forward(this.trunk.forward(obs)).tanh().mul(actionScale).add(actionBias);
  }
}

const actor = new Actor();
const qf1 = new QNetwork();
const qf2 = new QNetwork();
const qf1Target = nn.deepCopy(qf1);
const qf2Target = nn.deepCopy(qf2);
const qOptimizer = new optim.Adam([...qf1.parameters(), ...qf2.parameters()], { lr: cfg.qLr });
const actorOptimizer = new optim.Adam(actor.parameters(), { lr: cfg.policyLr });
// temperature: α = exp(log α), tuned so that the policy's entropy approaches −dim(A)
const targetEntropy = -actDim;
const logAlpha = zeros([1], { requiresGrad: true });
const alphaOptimizer = new optim.Adam([logAlpha], { lr: cfg.qLr });
let alpha = 1;

// replay buffer in preallocated typed arrays
const bufObs = new Float32Array(cfg.bufferSize * obsDim);
const bufNext = new Float32Array(cfg.bufferSize * obsDim);
const bufActions = new Float32Array(cfg.bufferSize * actDim);
const bufRewards = new Float32Array(cfg.bufferSize);
const bufDones = new Float32Array(cfg.bufferSize); // terminated (not truncated): no bootstrap
let stored = 0;

/** A minibatch of `batch` random transitions as tensors. */
function minibatch(): { obs: Tensor; next: Tensor; actions: Tensor; rewards: Tensor; dones: Tensor } {
  const size = Math.min(stored, cfg.bufferSize);
  const obs = new Float32Array(cfg.batch * obsDim);
  const next = new Float32Array(cfg.batch * obsDim);
  const actions = new Float32Array(cfg.batch * actDim);
  const rewards = new Float32Array(cfg.batch);
  const dones = new Float32Array(cfg.batch);
  for (let r = 0; r < cfg.batch; r++) {
    const j = generator.randint(0, size);
    obs.set(bufObs.subarray(j * obsDim, (j + 1) * obsDim), r * obsDim);
    next.set(bufNext.subarray(j * obsDim, (j + 1) * obsDim), r * obsDim);
    actions.set(bufActions.subarray(j * actDim, (j + 1) * actDim), r * actDim);
    rewards[r] = bufRewards[j]!;
    dones[r] = bufDones[j]!;
  }
  return {
    obs: tensor(obs, { shape: [cfg.batch, obsDim] }), next: tensor(next, { shape: [cfg.batch, obsDim] }),
    actions: tensor(actions, { shape: [cfg.batch, actDim] }), rewards: tensor(rewards), dones: tensor(dones),
  };
}

/** The actor's loss at its last update (it updates every policyFrequency steps), for the progress line. */
let lastActorLoss = NaN;

/** One gradient step of the twin critics, and every `policyFrequency` steps of the actor and α. */
function update(step: number): string {
  return scope(() => {
    const b = minibatch();
    const target = noGrad(() => {
      const [nextActions, nextLogProb] = actor.sample(b.next);
      const minQ = qf1Target.forward(b.next, nextActions).minimum(qf2Target.forward(b.next, nextActions)).sub(nextLogProb.mul(alpha));
      return b.rewards.add(b.dones.neg().add(1).mul(cfg.gamma).mul(minQ));
    });
    const q1 = qf1.forward(b.obs, b.actions);
    const q2 = qf2.forward(b.obs, b.actions);
    const qLoss = q1.sub(target).square().mean().add(q2.sub(target).square().mean());
    qOptimizer.zeroGrad();
    qLoss.backward();
    qOptimizer.step();
    if (step % cfg.policyFrequency === 0) {
      for (let k = 0; k < cfg.policyFrequency; k++) {
        // maximise E[min Q(s, ã) − α log π(ã|s)] with ã = rsample: gradients flow through the sample
        const [a, logProb] = actor.sample(b.obs);
        const minQ = qf1.forward(b.obs, a).minimum(qf2.forward(b.obs, a));
        const loss = logProb.mul(alpha).sub(minQ).mean();
        actorOptimizer.zeroGrad();
        loss.backward();
        actorOptimizer.step();
        lastActorLoss = loss.item();
        // α: minimise −α · (log π + target entropy) (CleanRL's form; the gradient is taken through log α), log π held fixed
        const alphaLoss = logAlpha.exp().mul(logProb.detach().add(targetEntropy).mean().neg()).sum();
        alphaOptimizer.zeroGrad();
        alphaLoss.backward();
        alphaOptimizer.step();
        alpha = logAlpha.exp().item();
      }
    }
    // Polyak averaging: θ̄ ← τ θ + (1 − τ) θ̄
    noGrad(() => {
      for (const [net, tgt] of [[qf1, qf1Target], [qf2, qf2Target]] as const) {
        const src = net.parameters();
        tgt.parameters().forEach((p, i) => p.mul_(1 - cfg.tau).add_(src[i]!, { alpha: cfg.tau }));
      }
    });
    return `q loss ${qLoss.item().toFixed(3)}  actor loss ${lastActorLoss.toFixed(2)}  α ${alpha.toFixed(3)}`;
  });
}

const log = new RunLog(`SAC seed ${seed}`, cfg.totalSteps);
let [obs] = env.reset({ seed });
let losses = '';
for (let step = 1; step <= cfg.totalSteps; step++) {
  const action = step <= cfg.learningStarts
    ? actionSpace.sample()
    : noGrad(() => scope(() => actor.sample(tensor(obs, { shape: [1, obsDim] }))[0].toTypedArray() as Float32Array));
  const [next, reward, terminated, truncated, info] = env.step(action);
  const k = stored % cfg.bufferSize;
  bufObs.set(obs, k * obsDim);
  bufNext.set(next, k * obsDim);
  bufActions.set(action, k * actDim);
  bufRewards[k] = reward;
  bufDones[k] = terminated ? 1 : 0;
  stored++;
  log.record([info], step);
  obs = terminated || truncated ? env.reset()[0] : next;
  if (step > cfg.learningStarts) losses = update(step);
  log.progress(step, losses, step === cfg.totalSteps);
}

// ── save the actor, load it into a fresh one, evaluate greedily (a = scale · tanh(mean)) ──
const dir = outDir('sac-pendulum', seed, flags.out);
const saved = savePolicy(dir, actor.stateDict(), { algorithm: 'SAC', envId: ENV_ID, seed, ...cfg });
const policy = new Actor();
policy.loadStateDict(saved);
const evaluation = evaluate(ENV_ID, (o) => noGrad(() => scope(() => policy.forward(tensor(o, { shape: [1, obsDim] })).toTypedArray() as Float32Array)));
finish({ log, dir, envId: ENV_ID, envSteps: cfg.totalSteps, evaluation, bar: isBarRun ? BAR : null, extra: { algorithm: 'SAC', seed, config: cfg } });
