/**
 * What the five agents share, and only that: reading the episodes that finished from a step's infos,
 * the progress line (episodes, mean return of the last 100, env steps per second), the greedy
 * evaluation of the saved policy on 100 fresh seeded episodes, and the run's outputs (the learning
 * curve as SVG, the policy as safetensors, metrics.json, time and peak memory).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Tensor, fromSafetensors, linePlot, nn, rl, toSafetensors, wasmMemoryStats } from 'nabla';

/** The command line of an agent: `--seed` (default 1), `--steps` (default: the bar run's length), `--out`, and `--env` where the agent takes one. */
export interface RunFlags {
  seed: number;
  steps: number | undefined;
  out: string | undefined;
  env: string;
}

/**
 * Reads the agent's flags; `defaultEnv`, when given, allows `--env` (PPO's). Throws on a seed that is
 * not a non-negative integer, a step count that is not a positive integer, or an unknown flag.
 */
export function runFlags(defaultEnv?: string): RunFlags {
  const options = { seed: { type: 'string', default: '1' }, steps: { type: 'string' }, out: { type: 'string' } } as const;
  const { values } = parseArgs({ options: defaultEnv === undefined ? options : { ...options, env: { type: 'string', default: defaultEnv } } });
  const seed = Number(values.seed);
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${values.seed}`);
  if (steps !== undefined && !(Number.isSafeInteger(steps) && steps > 0)) throw new Error(`--steps must be a positive integer, got ${values.steps}`);
  return { seed, steps, out: values.out, env: (values as { env?: string }).env ?? defaultEnv ?? '' };
}

/** A linear layer with orthogonal weights of gain `std` and zero bias (CleanRL's layer_init). */
export function orthogonalLinear(inFeatures: number, outFeatures: number, std: number): nn.Linear {
  const l = new nn.Linear(inFeatures, outFeatures);
  nn.init.orthogonal_(l.weight, std);
  nn.init.zeros_(l.bias!);
  return l;
}

/** Seeds of the final evaluation's episodes: 1,000,000 + i, never used in training. */
export const EVAL_SEED = 1_000_000;

/** The run's log: finished episodes, the learning curve, peak memory. */
export class RunLog {
  readonly started = performance.now();
  readonly returns: number[] = [];
  readonly curve: { steps: number[]; mean100: number[] } = { steps: [], mean100: [] };
  peakRss = process.memoryUsage().rss;
  private lastPrint = 0;

  constructor(readonly name: string, readonly totalSteps: number) {}

  /** Records the episodes that ended in this step (the `info.episode` of RecordEpisodeStatistics). */
  record(infos: readonly rl.Info[], envSteps: number): void {
    for (const info of infos) {
      const episode = (info.finalInfo as rl.Info | undefined)?.episode ?? info.episode;
      if (episode === undefined) continue;
      this.returns.push((episode as rl.EpisodeStatistics).r);
      this.curve.steps.push(envSteps);
      this.curve.mean100.push(this.mean100());
    }
    this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss);
  }

  /** Mean return of the last 100 episodes (NaN before the first). */
  mean100(): number {
    const last = this.returns.slice(-100);
    return last.length === 0 ? NaN : last.reduce((a, b) => a + b, 0) / last.length;
  }

  /** Prints a progress line every `everySeconds`, or at once with `force`. */
  progress(envSteps: number, extra = '', force = false, everySeconds = 10): void {
    const now = performance.now();
    if (!force && now - this.lastPrint < everySeconds * 1000) return;
    this.lastPrint = now;
    const seconds = (now - this.started) / 1000;
    console.log(`${this.name}  steps ${envSteps}/${this.totalSteps}  episodes ${this.returns.length}  ` +
      `mean return (last 100) ${this.mean100().toFixed(1)}  ${(envSteps / seconds).toFixed(0)} steps/s  ${seconds.toFixed(0)} s${extra ? `  ${extra}` : ''}`);
  }
}

/** A greedy policy: the action for one observation. */
export type GreedyPolicy = (obs: Float32Array) => number | Float32Array;

/**
 * Mean and standard deviation of the return of `episodes` episodes of `envId` (with its time limit)
 * under `policy`, seeds `seed`, `seed + 1`, …
 */
export function evaluate(envId: string, policy: GreedyPolicy, episodes = 100, seed = EVAL_SEED): { mean: number; std: number; returns: number[] } {
  const env = rl.make(envId) as rl.Env<Float32Array, unknown>;
  const returns: number[] = [];
  for (let e = 0; e < episodes; e++) {
    let [obs] = env.reset({ seed: seed + e });
    let total = 0;
    for (let done = false; !done;) {
      const [next, reward, terminated, truncated] = env.step(policy(obs));
      total += reward;
      obs = next;
      done = terminated || truncated;
    }
    returns.push(total);
  }
  const mean = returns.reduce((a, b) => a + b, 0) / episodes;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / episodes);
  return { mean, std, returns };
}

/** Where a run writes: `--out`, or runs/<name>-<seed>-<time>. */
export function outDir(name: string, seed: number, out: string | undefined): string {
  return out ?? join('runs', `${name}-seed${seed}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
}

/** Writes the policy (safetensors, config in the metadata) and reads it back, so that evaluation runs on the saved weights. */
export function savePolicy(dir: string, tensors: Record<string, Tensor>, config: object): Record<string, Tensor> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'policy.safetensors');
  writeFileSync(path, toSafetensors(tensors, { config: JSON.stringify(config) }));
  return fromSafetensors(new Uint8Array(readFileSync(path))).tensors;
}

/**
 * Prints the summary (evaluation, time, peak memory), writes the curve (SVG) and metrics.json, and
 * sets a failing exit code when the bar is given and missed.
 */
export function finish(options: {
  log: RunLog; dir: string; envId: string; envSteps: number; evaluation: { mean: number; std: number };
  bar: number | null; extra?: Record<string, unknown>;
}): void {
  const { log, dir, envId, envSteps, evaluation, bar } = options;
  const seconds = (performance.now() - log.started) / 1000;
  log.peakRss = Math.max(log.peakRss, process.memoryUsage().rss);
  console.log(`greedy evaluation of the saved policy on 100 fresh episodes (seeds ${EVAL_SEED}…${EVAL_SEED + 99}): ` +
    `mean return ${evaluation.mean.toFixed(1)} ± ${evaluation.std.toFixed(1)}${bar === null ? '' : ` (bar ${bar}: ${evaluation.mean >= bar ? 'met' : 'NOT met'})`}`);
  console.log(`time ${seconds.toFixed(1)} s for ${envSteps} env steps (${(envSteps / seconds).toFixed(0)} steps/s), ` +
    `peak memory ${(log.peakRss / 2 ** 20).toFixed(0)} MiB (wasm heap peak ${(wasmMemoryStats().peakBytes / 2 ** 20).toFixed(0)} MiB)`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'curve.svg'), linePlot({
    title: `${log.name} on ${envId}: mean return of the last 100 training episodes`,
    xLabel: 'env steps', yLabel: 'return',
    series: [{ name: 'mean return (last 100)', x: log.curve.steps, values: log.curve.mean100 }],
  }));
  writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify({
    envId, envSteps, episodes: log.returns.length, seconds, peakRssMiB: log.peakRss / 2 ** 20,
    evaluation: { mean: evaluation.mean, std: evaluation.std, episodes: 100, firstSeed: EVAL_SEED },
    bar, ...options.extra,
  }, null, 2)}\n`);
  console.log(`wrote ${dir}/: curve.svg, policy.safetensors, metrics.json`);
  if (bar !== null && evaluation.mean < bar) process.exitCode = 1;
}
