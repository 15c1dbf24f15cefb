/**
 * PPO (Schulman et al. 2017, "Proximal Policy Optimization Algorithms") for discrete actions, in one
 * file on nabla's public API, in the manner of CleanRL's ppo.py: N environments stepped together, a
 * rollout of T steps each, GAE(λ) advantages, then K epochs of minibatch updates of the clipped
 * surrogate objective, a clipped value loss and an entropy bonus, advantages normalised per minibatch,
 * gradients clipped, the learning rate annealed linearly to 0.
 *
 *   npm run example:ppo-cartpole                 # CartPole-v1, bar: greedy evaluation ≥ 475
 *   npm run example:ppo-acrobot                  # Acrobot-v1, bar: ≥ −100
 *   npx tsx examples/rl/ppo.ts --env CartPole-v1 --seed 3 --steps 200000
 *
 * A time limit truncates rather than ends an episode: the value of the last observation is then
 * bootstrapped into the last reward (the environments reset in the same step and pass it in
 * `info.finalObs`).
 */
import { Generator, type Tensor, distributions, manualSeed, nn, noGrad, optim, rl, scope, tensor } from 'nabla';
import { RunLog, evaluate, finish, orthogonalLinear, outDir, runFlags, savePolicy } from './common.js';

interface Config {
  totalSteps: number;
  numEnvs: number;
  numSteps: number;   // rollout length per environment
  lr: number;
  gamma: number;
  gaeLambda: number;
  minibatches: number;
  epochs: number;
  clip: number;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
  hidden: number;
  bar: number;
}

const CONFIGS: Record<string, Config> = {
  'CartPole-v1': {
    totalSteps: 500_000, numEnvs: 4, numSteps: 128, lr: 2.5e-4, gamma: 0.99, gaeLambda: 0.95, minibatches: 4, epochs: 4,
    clip: 0.2, entCoef: 0.01, vfCoef: 0.5, maxGradNorm: 0.5, hidden: 64, bar: 475,
  },
  'Acrobot-v1': {
    totalSteps: 500_000, numEnvs: 4, numSteps: 128, lr: 2.5e-4, gamma: 0.99, gaeLambda: 0.95, minibatches: 4, epochs: 4,
    clip: 0.2, entCoef: 0.01, vfCoef: 0.5, maxGradNorm: 0.5, hidden: 64, bar: -100,
  },
};

const flags = runFlags('CartPole-v1');
const envId = flags.env;
const base = CONFIGS[envId];
if (base === undefined) throw new Error(`--env must be one of ${Object.keys(CONFIGS).join(', ')}, got ${envId}`);
const seed = flags.seed;
const cfg: Config = { ...base, totalSteps: flags.steps ?? base.totalSteps };
if (cfg.totalSteps < cfg.numEnvs * cfg.numSteps) throw new Error(`--steps must be at least one rollout, ${cfg.numEnvs * cfg.numSteps} (${cfg.numEnvs} envs × ${cfg.numSteps} steps)`);
const isBarRun = cfg.totalSteps === base.totalSteps;

manualSeed(seed); // the networks' initialisation
const generator = new Generator(seed); // actions and minibatch order
const envs = rl.makeVec(envId, cfg.numEnvs, { autoresetMode: 'same-step', wrappers: (e) => new rl.RecordEpisodeStatistics(e) });
const obsDim = (envs.singleObservationSpace as rl.Box).size;
const numActions = (envs.singleActionSpace as rl.Discrete).n;

/** Separate actor (logits) and critic (state value) MLPs with tanh hidden layers. */
class Agent extends nn.Module {
  critic = new nn.Sequential(orthogonalLinear(obsDim, cfg.hidden, Math.SQRT2), new nn.Tanh(), orthogonalLinear(cfg.hidden, cfg.hidden, Math.SQRT2), new nn.Tanh(), orthogonalLinear(cfg.hidden, 1, 1));
  actor = new nn.Sequential(orthogonalLinear(obsDim, cfg.hidden, Math.SQRT2), new nn.Tanh(), orthogonalLinear(cfg.hidden, cfg.hidden, Math.SQRT2), new nn.Tanh(), orthogonalLinear(cfg.hidden, numActions, 0.01));

  /** The action logits. */
  forward(x: Tensor): Tensor {
    return this.actor.forward(x);
  }

  value(x: Tensor): Tensor {
    return this.critic.forward(x).view(-1);
  }

  policy(x: Tensor): distributions.Categorical {
    return new distributions.Categorical({ logits: this.actor.forward(x) });
  }
}

const agent = new Agent();
const optimizer = new optim.Adam(agent.parameters(), { lr: cfg.lr, eps: 1e-5 });

// rollout storage: step t, environment i at row t·N + i
const N = cfg.numEnvs;
const T = cfg.numSteps;
const batchSize = N * T;
const minibatchSize = batchSize / cfg.minibatches;
const bObs = new Float32Array(batchSize * obsDim);
const bActions = new Int32Array(batchSize);
const bLogProbs = new Float32Array(batchSize);
const bRewards = new Float32Array(batchSize);
const bStarts = new Float32Array(batchSize); // 1 where the observation begins a new episode
const bValues = new Float32Array(batchSize);
const bAdvantages = new Float32Array(batchSize);
const bReturns = new Float32Array(batchSize);

const values = (obs: Float32Array, rows: number): Float32Array =>
  noGrad(() => scope(() => agent.value(tensor(obs, { shape: [rows, obsDim] })).toTypedArray() as Float32Array));

const log = new RunLog(`PPO seed ${seed}`, cfg.totalSteps);
const iterations = Math.floor(cfg.totalSteps / batchSize);
let [obs] = envs.reset({ seed }) as [Float32Array, rl.Info[]];
let starts = new Float32Array(N).fill(1);
let envSteps = 0;
let lastLosses = '';
for (let iteration = 0; iteration < iterations; iteration++) {
  optimizer.paramGroups[0]!.lr = cfg.lr * (1 - iteration / iterations);

  // ── rollout ──
  for (let t = 0; t < T; t++) {
    bObs.set(obs, t * N * obsDim);
    bStarts.set(starts, t * N);
    const [actions, logProbs, vals] = noGrad(() => scope(() => {
      const x = tensor(obs, { shape: [N, obsDim] });
      const dist = agent.policy(x);
      const action = dist.sample([], { generator });
      return [action.toTypedArray() as Int32Array, dist.logProb(action).toTypedArray() as Float32Array, agent.value(x).toTypedArray() as Float32Array];
    }));
    bActions.set(actions, t * N);
    bLogProbs.set(logProbs, t * N);
    bValues.set(vals, t * N);
    const [next, rewards, terminated, truncated, infos] = envs.step(actions);
    envSteps += N;
    // truncated, not terminated: bootstrap the value of the observation the time limit cut off
    const cut = infos.flatMap((info, i) => (truncated[i] && !terminated[i] ? [i] : []));
    const cutValues = cut.length > 0 ? values(Float32Array.from(cut.flatMap((i) => Array.from(infos[i]!.finalObs as Float32Array))), cut.length) : null;
    for (let i = 0; i < N; i++) bRewards[t * N + i] = rewards[i]!;
    cut.forEach((i, k) => { bRewards[t * N + i]! += cfg.gamma * cutValues![k]!; });
    starts = Float32Array.from({ length: N }, (_, i) => (terminated[i] || truncated[i] ? 1 : 0));
    obs = next as Float32Array;
    log.record(infos, envSteps);
  }

  // ── GAE(λ): A_t = δ_t + γλ A_{t+1} within an episode, δ_t = r_t + γ V(s_{t+1}) − V(s_t) ──
  const nextValues = values(obs, N);
  for (let i = 0; i < N; i++) {
    let gae = 0;
    for (let t = T - 1; t >= 0; t--) {
      const k = t * N + i;
      const nonTerminal = 1 - (t === T - 1 ? starts[i]! : bStarts[k + N]!);
      const nextValue = t === T - 1 ? nextValues[i]! : bValues[k + N]!;
      const delta = bRewards[k]! + cfg.gamma * nextValue * nonTerminal - bValues[k]!;
      gae = delta + cfg.gamma * cfg.gaeLambda * nonTerminal * gae;
      bAdvantages[k] = gae;
      bReturns[k] = gae + bValues[k]!;
    }
  }

  // ── K epochs of minibatch updates ──
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    const order = generator.permutation(batchSize);
    for (let start = 0; start < batchSize; start += minibatchSize) {
      const idx = order.slice(start, start + minibatchSize);
      const pick = (src: Float32Array, width = 1): Float32Array => {
        const out = new Float32Array(idx.length * width);
        idx.forEach((j, r) => out.set(src.subarray(j * width, (j + 1) * width), r * width));
        return out;
      };
      const adv = pick(bAdvantages);
      let mean = 0;
      for (const a of adv) mean += a;
      mean /= adv.length;
      let sq = 0;
      for (const a of adv) sq += (a - mean) ** 2;
      const std = Math.sqrt(sq / (adv.length - 1)); // unbiased, as torch.std
      for (let r = 0; r < adv.length; r++) adv[r] = (adv[r]! - mean) / (std + 1e-8);
      const losses = scope(() => {
        const x = tensor(pick(bObs, obsDim), { shape: [idx.length, obsDim] });
        const dist = agent.policy(x);
        const logRatio = dist.logProb(tensor(Int32Array.from(idx, (j) => bActions[j]!))).sub(tensor(pick(bLogProbs)));
        const ratio = logRatio.exp();
        const advantages = tensor(adv);
        // clipped surrogate: maximise min(r·A, clip(r, 1 ± ε)·A)
        const policyLoss = advantages.neg().mul(ratio).maximum(advantages.neg().mul(ratio.clamp(1 - cfg.clip, 1 + cfg.clip))).mean();
        // clipped value loss: ½ max((V − R)², (V_old + clip(V − V_old, ±ε) − R)²)
        const newValues = agent.value(x);
        const oldValues = tensor(pick(bValues));
        const returns = tensor(pick(bReturns));
        const unclipped = newValues.sub(returns).square();
        const clipped = oldValues.add(newValues.sub(oldValues).clamp(-cfg.clip, cfg.clip)).sub(returns).square();
        const valueLoss = unclipped.maximum(clipped).mean().mul(0.5);
        const entropy = dist.entropy().mean();
        const loss = policyLoss.sub(entropy.mul(cfg.entCoef)).add(valueLoss.mul(cfg.vfCoef));
        optimizer.zeroGrad();
        loss.backward();
        optim.clipGradNorm_(agent.parameters(), cfg.maxGradNorm);
        optimizer.step();
        return [policyLoss.item(), valueLoss.item(), entropy.item()];
      });
      lastLosses = `policy loss ${losses[0]!.toFixed(3)}  value loss ${losses[1]!.toFixed(2)}  entropy ${losses[2]!.toFixed(3)}`;
    }
  }
  log.progress(envSteps, lastLosses, iteration === iterations - 1);
}
envs.close();

// ── save the policy, load it back, evaluate it greedily (argmax of the logits) ──
const dir = outDir(`ppo-${envId}`, seed, flags.out);
const saved = savePolicy(dir, agent.actor.stateDict(), { algorithm: 'PPO', envId, seed, ...cfg });
const policy = new nn.Sequential(new nn.Linear(obsDim, cfg.hidden), new nn.Tanh(), new nn.Linear(cfg.hidden, cfg.hidden), new nn.Tanh(), new nn.Linear(cfg.hidden, numActions));
policy.loadStateDict(saved);
const evaluation = evaluate(envId, (o) => noGrad(() => scope(() => policy.forward(tensor(o, { shape: [1, obsDim] })).argmax(1).item())));
finish({ log, dir, envId, envSteps, evaluation, bar: isBarRun ? cfg.bar : null, extra: { algorithm: 'PPO', seed, config: cfg } });
