/**
 * Wrappers, as Gymnasium's: an environment around an environment. `TimeLimit` truncates episodes,
 * `RecordEpisodeStatistics` reports each finished episode's return and length, `NormalizeObservation`
 * standardises observations with running statistics.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { Env, type Info, type ResetArgs, type StepResult } from './env.js';
import { Box, type BoxValue, type Space } from './spaces.js';

/**
 * An environment that passes reset and step on to the one it wraps (Gymnasium's `Wrapper`); subclasses
 * change what passes through.
 * @example
 * class Negate extends rl.Wrapper<Float32Array, number> {
 *   protected override stepEnv(action: number) {
 *     const [obs, reward, terminated, truncated, info] = this.env.step(action);
 *     return [obs, -reward, terminated, truncated, info] as rl.StepResult<Float32Array>;
 *   }
 * }
 */
export class Wrapper<Obs = unknown, Act = unknown> extends Env<Obs, Act> {
  readonly env: Env<Obs, Act>;

  constructor(env: Env<Obs, Act>) {
    super();
    check(env instanceof Env, ArgumentError, () => `[${new.target.name}] expects an environment, got ${fmt(env)}`);
    this.env = env;
    this.spec = env.spec;
  }

  get observationSpace(): Space<Obs> {
    return this.env.observationSpace;
  }

  get actionSpace(): Space<Act> {
    return this.env.actionSpace;
  }

  override get name(): string {
    return this.env.name;
  }

  override get unwrapped(): Env {
    return this.env.unwrapped;
  }

  override close(): void {
    this.env.close();
  }

  protected resetEnv(options: Record<string, unknown>, seed: number | undefined): [Obs, Info] {
    const args: ResetArgs = { options };
    if (seed !== undefined) args.seed = seed;
    return this.env.reset(args);
  }

  protected stepEnv(action: Act): StepResult<Obs> {
    return this.env.step(action);
  }
}

/**
 * Truncates an episode after `maxEpisodeSteps` steps (Gymnasium's `TimeLimit`; `rl.make` adds it with
 * the environment's limit): the step that reaches the limit returns `truncated = true`, also when it
 * terminates too (both flags are then true, as in Gymnasium).
 * @example
 * const env = new rl.TimeLimit(new rl.CartPoleEnv(), 200);
 */
export class TimeLimit<Obs, Act> extends Wrapper<Obs, Act> {
  readonly maxEpisodeSteps: number;
  private elapsed = 0;

  constructor(env: Env<Obs, Act>, maxEpisodeSteps: number) {
    super(env);
    check(Number.isSafeInteger(maxEpisodeSteps) && maxEpisodeSteps > 0, ArgumentError,
      () => `[TimeLimit] maxEpisodeSteps must be a positive integer, got ${fmt(maxEpisodeSteps)}`);
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  protected override resetEnv(options: Record<string, unknown>, seed: number | undefined): [Obs, Info] {
    this.elapsed = 0;
    return super.resetEnv(options, seed);
  }

  protected override stepEnv(action: Act): StepResult<Obs> {
    const result = super.stepEnv(action);
    this.elapsed += 1;
    if (this.elapsed >= this.maxEpisodeSteps) result[3] = true;
    return result;
  }
}

/** A finished episode's statistics, in `info.episode` (Gymnasium's `{ r, l, t }`). */
export interface EpisodeStatistics {
  /** The return: the sum of the episode's rewards. */
  r: number;
  /** The length in steps. */
  l: number;
  /** Seconds from the reset to the last step. */
  t: number;
}

/**
 * Adds `info.episode = { r, l, t }` (return, length, seconds) to the step that ends an episode and keeps
 * the last `bufferLength` returns and lengths (Gymnasium's `RecordEpisodeStatistics`).
 * @example
 * const env = new rl.RecordEpisodeStatistics(rl.make('CartPole-v1'));
 * env.reset({ seed: 0 });
 * let info: rl.Info = {};
 * for (let done = false; !done;) {
 *   const [, , terminated, truncated, i] = env.step(env.actionSpace.sample());
 *   done = terminated || truncated;
 *   info = i;
 * }
 * console.log((info.episode as rl.EpisodeStatistics).r, env.returnQueue);
 */
export class RecordEpisodeStatistics<Obs, Act> extends Wrapper<Obs, Act> {
  /** The returns of the last `bufferLength` finished episodes, oldest first. */
  readonly returnQueue: number[] = [];
  /** Their lengths. */
  readonly lengthQueue: number[] = [];
  /** Episodes finished so far. */
  episodeCount = 0;
  private readonly bufferLength: number;
  private episodeReturn = 0;
  private episodeLength = 0;
  private started = 0;

  constructor(env: Env<Obs, Act>, options: { bufferLength?: number } = {}) {
    super(env);
    for (let inner: Env = env; inner instanceof Wrapper; inner = inner.env) {
      check(!(inner instanceof RecordEpisodeStatistics), ArgumentError,
        () => '[RecordEpisodeStatistics] the environment is already wrapped in RecordEpisodeStatistics: wrap it once');
    }
    const bufferLength = options.bufferLength ?? 100;
    check(Number.isSafeInteger(bufferLength) && bufferLength > 0, ArgumentError,
      () => `[RecordEpisodeStatistics] bufferLength must be a positive integer, got ${fmt(bufferLength)}`);
    this.bufferLength = bufferLength;
  }

  protected override resetEnv(options: Record<string, unknown>, seed: number | undefined): [Obs, Info] {
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.started = performance.now();
    return super.resetEnv(options, seed);
  }

  protected override stepEnv(action: Act): StepResult<Obs> {
    const result = super.stepEnv(action);
    this.episodeReturn += result[1];
    this.episodeLength += 1;
    if (result[2] || result[3]) {
      const episode: EpisodeStatistics = { r: this.episodeReturn, l: this.episodeLength, t: (performance.now() - this.started) / 1000 };
      check(!('episode' in result[4]), ArgumentError, () => `[RecordEpisodeStatistics] the wrapped environment already sets info.episode (wrapped twice?)`);
      result[4] = { ...result[4], episode };
      this.episodeCount += 1;
      this.returnQueue.push(episode.r);
      this.lengthQueue.push(episode.l);
      if (this.returnQueue.length > this.bufferLength) {
        this.returnQueue.shift();
        this.lengthQueue.shift();
      }
    }
    return result;
  }
}

/**
 * Running mean and variance of a stream of vectors (Chan et al.'s parallel update, as Gymnasium's
 * `RunningMeanStd`, which starts from mean 0, variance 1 and a count of `epsilon`).
 * @example
 * const stats = new rl.RunningMeanStd(2);
 * stats.update([1, 2]);
 * stats.update([3, 4]);
 * stats.mean; // ≈ [2, 3]
 */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;

  constructor(size: number, epsilon = 1e-4) {
    check(Number.isSafeInteger(size) && size > 0, ArgumentError, () => `[RunningMeanStd] size must be a positive integer, got ${fmt(size)}`);
    check(epsilon > 0, ArgumentError, () => `[RunningMeanStd] epsilon must be > 0, got ${fmt(epsilon)}`);
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Adds a batch: `x` holds `batch` rows of the vector's size (one row when omitted). */
  update(x: ArrayLike<number>, batch = 1): void {
    const d = this.mean.length;
    check(x.length === batch * d, ArgumentError, () => `[RunningMeanStd.update] expected ${batch} × ${d} = ${batch * d} numbers, got ${x.length}`);
    const total = this.count + batch;
    for (let j = 0; j < d; j++) {
      let m = 0;
      for (let b = 0; b < batch; b++) m += x[b * d + j]!;
      m /= batch;
      let v = 0;
      for (let b = 0; b < batch; b++) v += (x[b * d + j]! - m) ** 2;
      v /= batch;
      const delta = m - this.mean[j]!;
      const m2 = this.var[j]! * this.count + v * batch + (delta * delta * this.count * batch) / total;
      this.mean[j] = this.mean[j]! + (delta * batch) / total;
      this.var[j] = m2 / total;
    }
    this.count = total;
  }
}

/**
 * Standardises observations to (x − mean) / √(var + ε) with running statistics updated at every reset
 * and step (Gymnasium's `NormalizeObservation`); set `updateRunningMean = false` to freeze them (at
 * evaluation), and save `obsRms` with the policy.
 * @example
 * const env = new rl.NormalizeObservation(rl.make('Pendulum-v1'));
 * const [obs] = env.reset({ seed: 0 });
 */
export class NormalizeObservation<Act> extends Wrapper<BoxValue, Act> {
  readonly obsRms: RunningMeanStd;
  /** Whether reset and step update the statistics. */
  updateRunningMean = true;
  private readonly epsilon: number;
  private readonly space: Box;

  constructor(env: Env<BoxValue, Act>, options: { epsilon?: number } = {}) {
    super(env);
    check(env.observationSpace instanceof Box, ArgumentError,
      () => `[NormalizeObservation] needs a Box observation space, got ${String(env.observationSpace)}`);
    this.epsilon = options.epsilon ?? 1e-8;
    this.obsRms = new RunningMeanStd(env.observationSpace.size);
    this.space = new Box(-Infinity, Infinity, env.observationSpace.shape, { dtype: env.observationSpace.dtype });
  }

  /** Observations are standardised, so any float is possible. */
  override get observationSpace(): Box {
    return this.space;
  }

  /** Standardises one observation with the current statistics (without updating them). */
  normalize(obs: BoxValue): BoxValue {
    const out = obs.slice();
    for (let j = 0; j < out.length; j++) out[j] = (obs[j]! - this.obsRms.mean[j]!) / Math.sqrt(this.obsRms.var[j]! + this.epsilon);
    return out;
  }

  protected override resetEnv(options: Record<string, unknown>, seed: number | undefined): [BoxValue, Info] {
    const [obs, info] = super.resetEnv(options, seed);
    if (this.updateRunningMean) this.obsRms.update(obs);
    return [this.normalize(obs), info];
  }

  protected override stepEnv(action: Act): StepResult<BoxValue> {
    const [obs, reward, terminated, truncated, info] = super.stepEnv(action);
    if (this.updateRunningMean) this.obsRms.update(obs);
    return [this.normalize(obs), reward, terminated, truncated, info];
  }
}
