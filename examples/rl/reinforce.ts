/**
 * REINFORCE with a learned state-value baseline (Williams 1992, "Simple statistical gradient-following
 * algorithms for connectionist reinforcement learning"; Sutton & Barto 2018, §13.4) on CartPole-v1, in
 * one file on nabla's public API, in the manner of CleanRL: one environment, whole episodes played with
 * the current stochastic policy, the discounted return-to-go G_t of every step, the advantage
 * A_t = G_t − V(s_t), then one gradient step on the policy loss −mean(log π(a_t|s_t)·A_t) − β·entropy
 * and a few on the value loss mean((V(s_t) − G_t)²), each network with its own Adam.
 *
 *   npm run example:reinforce-cartpole                      # bar: greedy evaluation ≥ 475
 *   npx tsx examples/rl/reinforce.ts --seed 3 --steps 100000 --out runs/reinforce-short
 *
 * The choices, all in `config` below:
 * - A batch of 8 whole episodes per update, not one: the Monte-Carlo return is a very noisy
 *   estimate, and averaging the gradient over a few episodes makes the step far more reliable
 *   (early episodes last ~20 steps, so a batch is ~160 steps then and up to 4,000 at the end).
 * - Two separate MLPs 4→64→64→(2 logits | 1 value) with tanh, CleanRL's orthogonal initialisation.
 * - The baseline V(s) is the second network, regressed on the same returns; subtracting it leaves
 *   the gradient unbiased and lowers its variance. It takes 10 gradient steps per batch to keep up
 *   with the returns, which grow from ~10 to ~100. The advantages are then normalised over the batch
 *   (mean 0, std 1), which fixes the policy's step size whatever the scale of the returns.
 * - A small entropy bonus keeps the policy from turning deterministic before it balances well.
 * - The learning rates are annealed linearly to 0 over the run, so that the last updates are small
 *   and the saved policy is the one that training settled on rather than a random point of its
 *   oscillations (REINFORCE keeps a large variance to the end).
 *
 * A time limit truncates rather than ends an episode (CartPole-v1 stops at 500 steps): the pole was
 * still up and rewards would have kept coming, so the return of a truncated episode is bootstrapped
 * with the baseline's estimate of the last observation, G_T = V(s_T), instead of taken as 0.
 */
import { Generator, distributions, manualSeed, nn, noGrad, optim, rl, scope, tensor } from 'nabla';
import { RunLog, evaluate, finish, orthogonalLinear, outDir, runFlags, savePolicy } from './common.js';

const config = {
  envId: 'CartPole-v1',
  totalSteps: 150_000,     // env steps budget
  episodesPerBatch: 8,     // whole episodes per update
  policyLr: 3e-3,          // Adam, annealed linearly to 0
  valueLr: 3e-3,
  valueSteps: 10,          // gradient steps of the baseline per batch
  gamma: 0.99,             // discount of the returns-to-go
  entCoef: 0.01,           // weight of the entropy bonus
  hidden: 64,              // width of the two hidden layers of both networks
  bar: 475,                // Gymnasium's reward threshold for CartPole-v1
};
type Config = typeof config;

const flags = runFlags();
const seed = flags.seed;
const cfg: Config = { ...config, totalSteps: flags.steps ?? config.totalSteps };
const isBarRun = cfg.totalSteps === config.totalSteps;

manualSeed(seed); // the networks' initialisation
const generator = new Generator(seed); // the actions
const env = new rl.RecordEpisodeStatistics(rl.make(cfg.envId) as rl.Env<Float32Array, number>);
const obsDim = (env.observationSpace as rl.Box).size;
const numActions = (env.actionSpace as rl.Discrete).n;

/**
 * An MLP with two tanh hidden layers. The output layer's gain is small for the policy (0.01: all
 * logits start near 0, so the first policy is uniform) and 1 for the value.
 */
const mlp = (outFeatures: number, outGain: number): nn.Sequential => new nn.Sequential(
  orthogonalLinear(obsDim, cfg.hidden, Math.SQRT2), new nn.Tanh(), orthogonalLinear(cfg.hidden, cfg.hidden, Math.SQRT2), new nn.Tanh(), orthogonalLinear(cfg.hidden, outFeatures, outGain));
const policyNet = mlp(numActions, 0.01); // observation → action logits
const valueNet = mlp(1, 1);              // observation → V(s), the baseline
const policyOptimizer = new optim.Adam(policyNet.parameters(), { lr: cfg.policyLr });
const valueOptimizer = new optim.Adam(valueNet.parameters(), { lr: cfg.valueLr });

/** V(s) of one observation, without gradient. */
const value = (obs: Float32Array): number =>
  noGrad(() => scope(() => valueNet.forward(tensor(obs, { shape: [1, obsDim] })).item()));

/** An action sampled from π(·|s) for one observation. */
const act = (obs: Float32Array): number =>
  noGrad(() => scope(() => new distributions.Categorical({ logits: policyNet.forward(tensor(obs, { shape: [1, obsDim] })) }).sample([], { generator }).item()));

const log = new RunLog(`REINFORCE seed ${seed}`, cfg.totalSteps);
let envSteps = 0;
let lastLosses = '';
let [obs] = env.reset({ seed }); // later resets continue the environment's generator
while (envSteps < cfg.totalSteps) {
  // ── play episodesPerBatch whole episodes with the current policy (fewer if the budget runs out:
  //    an episode is never cut, so a run overshoots totalSteps by the rest of its last episode) ──
  const bObs: number[] = [];     // the observations s_t, obsDim numbers each
  const bActions: number[] = []; // the actions a_t
  const bReturns: number[] = []; // the discounted returns-to-go G_t
  for (let e = 0; e < cfg.episodesPerBatch && envSteps < cfg.totalSteps; e++) {
    const rewards: number[] = [];
    let bootstrap = 0; // G_T: 0 if the episode ended, V(s_T) if the time limit cut it
    for (let done = false; !done;) {
      const action = act(obs);
      const [next, reward, terminated, truncated, info] = env.step(action);
      bObs.push(...obs);
      bActions.push(action);
      rewards.push(reward);
      log.record([info], ++envSteps);
      if (truncated && !terminated) bootstrap = value(next);
      done = terminated || truncated;
      obs = done ? env.reset()[0] : next;
    }
    // G_t = r_t + γ·G_{t+1}, from the last step back to the first
    const returns = new Array<number>(rewards.length);
    let g = bootstrap;
    for (let t = rewards.length - 1; t >= 0; t--) returns[t] = g = rewards[t]! + cfg.gamma * g;
    bReturns.push(...returns);
  }

  // ── anneal the learning rates linearly to 0 over the steps budget ──
  const frac = Math.max(0, 1 - envSteps / cfg.totalSteps);
  policyOptimizer.paramGroups[0]!.lr = cfg.policyLr * frac;
  valueOptimizer.paramGroups[0]!.lr = cfg.valueLr * frac;

  // ── update the policy, then the baseline, on the whole batch ──
  const n = bActions.length;
  lastLosses = scope(() => {
    const x = tensor(Float32Array.from(bObs), { shape: [n, obsDim] });
    const returns = tensor(Float32Array.from(bReturns));
    // A_t = G_t − V(s_t), with the baseline as it was before this batch, without gradient (the
    // baseline only shifts the policy's gradient, it gets none from it), normalised over the batch
    const advantages = noGrad(() => {
      const a = returns.sub(valueNet.forward(x).view(-1));
      return a.sub(a.mean()).div(a.std().add(1e-8));
    });
    const dist = new distributions.Categorical({ logits: policyNet.forward(x) });
    const logProbs = dist.logProb(tensor(Int32Array.from(bActions)));
    const entropy = dist.entropy().mean();
    // one step of gradient ascent on mean(log π(a_t|s_t)·A_t) + β·entropy, written as a loss to minimise
    const policyLoss = logProbs.mul(advantages).mean().neg().sub(entropy.mul(cfg.entCoef));
    policyOptimizer.zeroGrad();
    policyLoss.backward();
    policyOptimizer.step();
    // valueSteps steps of regression of V(s_t) on G_t: the returns reach 100, far from the initial
    // V ≈ 0, and one small step per batch would leave the baseline lagging far behind them
    let valueLoss = 0;
    for (let k = 0; k < cfg.valueSteps; k++) {
      valueLoss = scope(() => {
        const loss = nn.functional.mseLoss(valueNet.forward(x).view(-1), returns);
        valueOptimizer.zeroGrad();
        loss.backward();
        valueOptimizer.step();
        return loss.item();
      });
    }
    return `batch ${n} steps  policy loss ${policyLoss.item().toFixed(3)}  value loss ${valueLoss.toFixed(1)}  entropy ${entropy.item().toFixed(3)}`;
  });
  log.progress(envSteps, lastLosses, envSteps >= cfg.totalSteps);
}
env.close();

// ── save the policy, load it back, evaluate it greedily (argmax of the logits) ──
const dir = outDir(`reinforce-${cfg.envId}`, seed, flags.out);
const saved = savePolicy(dir, policyNet.stateDict(), { algorithm: 'REINFORCE', seed, ...cfg });
const policy = mlp(numActions, 0.01);
policy.loadStateDict(saved);
const evaluation = evaluate(cfg.envId, (o) => noGrad(() => scope(() => policy.forward(tensor(o, { shape: [1, obsDim] })).argmax(1).item())));
finish({ log, dir, envId: cfg.envId, envSteps, evaluation, bar: isBarRun ? cfg.bar : null, extra: { algorithm: 'REINFORCE', seed, config: cfg } });
