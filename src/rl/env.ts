/**
 * The environment interface, as Gymnasium's `Env`: `reset({ seed })` → `[observation, info]`,
 * `step(action)` → `[observation, reward, terminated, truncated, info]`. The base class enforces the
 * order (no step before the first reset, none after the episode ended) and checks every action against
 * `actionSpace`, so an environment's own `resetEnv`/`stepEnv` only write the dynamics.
 */
import { ArgumentError, EnvError, check, fmt } from '../base/errors.js';
import { Generator, defaultGenerator } from '../base/random.js';
import { type Space, describeValue } from './spaces.js';

/** Extra information returned by `reset` and `step` (Gymnasium's `info` dict). */
export type Info = Record<string, unknown>;

/** What `step` returns: Gymnasium's five-tuple. */
export type StepResult<Obs> = [observation: Obs, reward: number, terminated: boolean, truncated: boolean, info: Info];

/** Arguments of `reset`: a seed for the environment's generator, and environment-specific options. */
export interface ResetArgs {
  /** Restarts the environment's generator (a non-negative safe integer); later resets without a seed continue its stream. */
  seed?: number;
  /** Environment-specific options, e.g. `{ low, high }` for the bounds of CartPole's initial state. */
  options?: Record<string, unknown>;
}

/** How an environment was made by `rl.make`: its id, time limit and the return that counts as solved. */
export interface EnvSpec {
  id: string;
  maxEpisodeSteps: number | null;
  rewardThreshold: number | null;
  kwargs: Record<string, unknown>;
}

/**
 * A reinforcement-learning environment (Gymnasium's `Env`). Subclasses write `resetEnv` and `stepEnv`
 * and set the two spaces; `reset`/`step` add the order checks and the action check.
 * @example
 * const env = rl.make('CartPole-v1');
 * let [obs] = env.reset({ seed: 0 });
 * let done = false;
 * while (!done) {
 *   const [next, reward, terminated, truncated] = env.step(env.actionSpace.sample());
 *   obs = next;
 *   done = terminated || truncated;
 * }
 */
export abstract class Env<Obs = unknown, Act = unknown> {
  abstract readonly observationSpace: Space<Obs>;
  abstract readonly actionSpace: Space<Act>;
  /** Set by `rl.make`: id, time limit, reward threshold. */
  spec: EnvSpec | null = null;
  /** 'new' until the first reset, 'running' during an episode, 'ended' after terminated or truncated. */
  private phase: 'new' | 'running' | 'ended' = 'new';
  private generator: Generator | undefined;

  /** The environment's generator (Gymnasium's `np_random`): reset with a seed restarts it; unseeded, it is seeded from the global generator. */
  get rng(): Generator {
    this.generator ??= new Generator(defaultGenerator.randint(0, 2 ** 31));
    return this.generator;
  }

  /** The name used in error messages: the spec's id, or the class name. */
  get name(): string {
    return this.spec?.id ?? this.constructor.name.replace(/^_(?=[A-Z])/, '');
  }

  /** The innermost environment, beneath every wrapper. */
  get unwrapped(): Env {
    return this as Env;
  }

  /** Starts an episode; returns the first observation and an info object. */
  reset(args: ResetArgs = {}): [Obs, Info] {
    check(typeof args === 'object' && args !== null, ArgumentError, () => `[${this.name}.reset] expects an object { seed, options }, got ${fmt(args)}`);
    for (const key of Object.keys(args)) {
      check(key === 'seed' || key === 'options', ArgumentError, () => `[${this.name}.reset] unknown argument ${fmt(key)}; the arguments are seed, options`);
    }
    const { seed, options = {} } = args;
    check(seed === undefined || (Number.isSafeInteger(seed) && seed >= 0), ArgumentError, () => `[${this.name}.reset] seed must be a non-negative safe integer, got ${fmt(seed)}`);
    check(typeof options === 'object' && options !== null && !Array.isArray(options), ArgumentError,
      () => `[${this.name}.reset] options must be an object, got ${fmt(options)}`);
    const previous = this.generator;
    if (seed !== undefined) this.generator = new Generator(seed);
    let result: [Obs, Info];
    try {
      result = this.resetEnv(options, seed);
    } catch (error) {
      this.generator = previous; // a rejected reset leaves the generator's stream as it was
      throw error;
    }
    this.phase = 'running';
    return result;
  }

  /** Advances one time step with `action`; throws an EnvError before the first reset or after the episode ended. */
  step(action: Act): StepResult<Obs> {
    check(this.phase !== 'new', EnvError, () => `[${this.name}.step] called before reset(); call reset() to start an episode`);
    check(this.phase !== 'ended', EnvError, () => `[${this.name}.step] the episode has ended (terminated or truncated); call reset() before stepping again`);
    check(this.actionSpace.contains(action), ArgumentError,
      () => `[${this.name}.step] action ${describeValue(action)} is not in the action space ${String(this.actionSpace)}`);
    const result = this.stepEnv(action);
    if (result[2] || result[3]) this.phase = 'ended';
    return result;
  }

  /** Releases what the environment holds (nothing for the classic-control environments). */
  close(): void {}

  /** Resets the dynamics (the generator is already seeded); `seed` is the reset's seed, for wrappers that pass it on. */
  protected abstract resetEnv(options: Record<string, unknown>, seed: number | undefined): [Obs, Info];

  /** One step of the dynamics with an action already checked to be in the action space. */
  protected abstract stepEnv(action: Act): StepResult<Obs>;
}

/**
 * Reads a reset option that must be a finite number, with a default (Gymnasium's
 * `maybe_parse_reset_bounds` and `verify_number_and_cast`).
 * @example
 * numberOption({ low: -0.1 }, 'low', -0.05, 'CartPole-v1.reset'); // -0.1
 */
export function numberOption(options: Record<string, unknown>, key: string, fallback: number, op: string): number {
  const v = options[key] ?? fallback;
  check(typeof v === 'number' && Number.isFinite(v), ArgumentError, () => `[${op}] option ${key} must be a finite number, got ${fmt(v)}`);
  return v;
}

/**
 * Checks that `options` has only the given keys.
 * @example
 * onlyOptions({ low: 0 }, ['low', 'high'], 'CartPole-v1.reset');
 */
export function onlyOptions(options: Record<string, unknown>, keys: readonly string[], op: string): void {
  for (const key of Object.keys(options)) {
    check(keys.includes(key), ArgumentError, () => `[${op}] unknown option ${fmt(key)}; the options are ${keys.length ? keys.join(', ') : '(none)'}`);
  }
}

/**
 * Reset bounds `{ low, high }` with defaults, checked low ≤ high (Gymnasium's `maybe_parse_reset_bounds`).
 * @example
 * resetBounds({}, -0.05, 0.05, 'CartPole-v1.reset'); // [-0.05, 0.05]
 */
export function resetBounds(options: Record<string, unknown>, low: number, high: number, op: string): [number, number] {
  onlyOptions(options, ['low', 'high'], op);
  const lo = numberOption(options, 'low', low, op);
  const hi = numberOption(options, 'high', high, op);
  check(lo <= hi, ArgumentError, () => `[${op}] option low must be <= high, got low=${lo} high=${hi}`);
  return [lo, hi];
}
