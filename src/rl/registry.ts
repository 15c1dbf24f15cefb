/**
 * Environments by id, as Gymnasium's `make`: `rl.make('CartPole-v1')` builds the environment, sets its
 * `spec` and wraps it in a `TimeLimit` of the registered length (500 steps for CartPole-v1).
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { type Env, type EnvSpec } from './env.js';
import { AcrobotEnv } from './envs/acrobot.js';
import { CartPoleEnv } from './envs/cartpole.js';
import { MountainCarEnv } from './envs/mountain-car.js';
import { PendulumEnv } from './envs/pendulum.js';
import { type AutoresetMode, SyncVectorEnv } from './vector.js';
import { TimeLimit } from './wrappers.js';

/** How `register` builds an environment: a constructor taking the keyword options, a time limit, a reward threshold. */
export interface EnvEntry {
  /** Builds the bare environment from `make`'s environment options. */
  create: (kwargs: Record<string, unknown>) => Env;
  maxEpisodeSteps?: number | null;
  rewardThreshold?: number | null;
  /** Default environment options, overridden by `make`'s. */
  kwargs?: Record<string, unknown>;
}

/** Gymnasium's classic-control registrations (time limits and thresholds from its registry). */
const registry = new Map<string, EnvEntry>([
  ['CartPole-v1', { create: (kw) => new CartPoleEnv(kw), maxEpisodeSteps: 500, rewardThreshold: 475 }],
  ['Acrobot-v1', { create: (kw) => new AcrobotEnv(kw), maxEpisodeSteps: 500, rewardThreshold: -100 }],
  ['MountainCar-v0', { create: (kw) => new MountainCarEnv(kw), maxEpisodeSteps: 200, rewardThreshold: -110 }],
  ['Pendulum-v1', { create: (kw) => new PendulumEnv(kw), maxEpisodeSteps: 200 }],
]);

/**
 * Registers an environment under an id for `make` (Gymnasium's `register`); an id already taken throws.
 * @example
 * rl.register('ShortCartPole-v0', { create: () => new rl.CartPoleEnv(), maxEpisodeSteps: 100 });
 * const env = rl.make('ShortCartPole-v0');
 */
export function register(id: string, entry: EnvEntry): void {
  check(typeof id === 'string' && /^[\w:./-]+-v\d+$/.test(id), ArgumentError, () => `[register] id must look like 'Name-v0', got ${fmt(id)}`);
  check(!registry.has(id), ArgumentError, () => `[register] ${fmt(id)} is already registered`);
  check(typeof entry === 'object' && entry !== null && typeof entry.create === 'function', ArgumentError,
    () => `[register] entry must be an object with a create function, got ${fmt(entry)}`);
  registry.set(id, entry);
}

/**
 * The registered ids.
 * @example
 * rl.registeredEnvs(); // ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'Pendulum-v1', …]
 */
export function registeredEnvs(): string[] {
  return [...registry.keys()];
}

/** Options of `make`: the time limit (null for none) and the environment's own options. */
export interface MakeOptions {
  /** Overrides the registered time limit; `null` makes no TimeLimit. */
  maxEpisodeSteps?: number | null;
  [kwarg: string]: unknown;
}

/**
 * Builds a registered environment (Gymnasium's `make`): the bare environment with `options` (other than
 * `maxEpisodeSteps`) as its constructor options, wrapped in a `TimeLimit`.
 * @example
 * const env = rl.make('CartPole-v1');                       // 500-step limit
 * const pendulum = rl.make('Pendulum-v1', { g: 9.81 });     // an environment option
 * const endless = rl.make('Acrobot-v1', { maxEpisodeSteps: null });
 */
export function make(id: 'CartPole-v1' | 'Acrobot-v1' | 'MountainCar-v0', options?: MakeOptions): Env<Float32Array, number>;
export function make(id: 'Pendulum-v1', options?: MakeOptions): Env<Float32Array, Float32Array>;
export function make(id: string, options?: MakeOptions): Env;
export function make(id: string, options: MakeOptions = {}): Env {
  check(typeof id === 'string', ArgumentError, () => `[make] id must be a string, got ${fmt(id)}`);
  const entry = registry.get(id);
  check(entry !== undefined, ArgumentError, () => `[make] no environment ${fmt(id)}; registered: ${registeredEnvs().join(', ')}`);
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[make] options must be an object, got ${fmt(options)}`);
  const { maxEpisodeSteps: limit, ...kwargs } = options;
  const maxEpisodeSteps = limit === undefined ? (entry.maxEpisodeSteps ?? null) : limit;
  check(maxEpisodeSteps === null || (Number.isSafeInteger(maxEpisodeSteps) && maxEpisodeSteps > 0), ArgumentError,
    () => `[make] maxEpisodeSteps must be a positive integer or null, got ${fmt(maxEpisodeSteps)}`);
  const allKwargs = { ...entry.kwargs, ...kwargs };
  const spec: EnvSpec = { id, maxEpisodeSteps, rewardThreshold: entry.rewardThreshold ?? null, kwargs: allKwargs };
  let env = entry.create(allKwargs);
  env.spec = spec;
  if (maxEpisodeSteps !== null) {
    env = new TimeLimit(env, maxEpisodeSteps);
    env.spec = spec;
  }
  return env;
}

/** Options of `makeVec`: the auto-reset mode, a function that wraps each copy, and `make`'s options. */
export interface MakeVecOptions extends MakeOptions {
  autoresetMode?: AutoresetMode;
  /** Wraps each copy after `make` (e.g. in RecordEpisodeStatistics). */
  wrappers?: (env: Env) => Env;
}

/**
 * `numEnvs` copies of a registered environment in a `SyncVectorEnv` (Gymnasium's `make_vec` with
 * vectorization_mode 'sync').
 * @example
 * const envs = rl.makeVec('CartPole-v1', 8, { wrappers: (e) => new rl.RecordEpisodeStatistics(e) });
 * const [obs] = envs.reset({ seed: 1 }); // Float32Array of 8 × 4
 */
export function makeVec(id: string, numEnvs: number, options: MakeVecOptions = {}): SyncVectorEnv {
  check(Number.isSafeInteger(numEnvs) && numEnvs > 0, ArgumentError, () => `[makeVec] numEnvs must be a positive integer, got ${fmt(numEnvs)}`);
  const { autoresetMode, wrappers, ...makeOptions } = options;
  check(wrappers === undefined || typeof wrappers === 'function', ArgumentError, () => `[makeVec] wrappers must be a function, got ${fmt(wrappers)}`);
  const fns = Array.from({ length: numEnvs }, () => () => (wrappers ? wrappers(make(id, makeOptions)) : make(id, makeOptions)));
  return new SyncVectorEnv(fns, autoresetMode === undefined ? {} : { autoresetMode });
}
