/**
 * N copies of an environment stepped together, as Gymnasium's `SyncVectorEnv`: observations come back
 * batched in one typed array (row i = copy i), rewards in a Float64Array, and a copy whose episode ended
 * is reset automatically — on its next step ('next-step', Gymnasium 1.x's default: that step ignores
 * its action and returns the reset observation with reward 0) or at once ('same-step': the step returns
 * the reset observation and puts the last one in `infos[i].finalObs`).
 */
import { ArgumentError, EnvError, check, fmt } from '../base/errors.js';
import { Env, type Info, type ResetArgs } from './env.js';
import { Box, type BoxValue, Discrete, type Space, describeValue } from './spaces.js';

/** When a copy whose episode ended is reset: Gymnasium's `AutoresetMode` NEXT_STEP or SAME_STEP. */
export type AutoresetMode = 'next-step' | 'same-step';

/** A batch of observations: copy i's observation is row i (`size` numbers from i·size). */
export type BatchedObservation = Float32Array | Float64Array | Int32Array;

/** What `SyncVectorEnv.step` returns. */
export type VectorStepResult = [observations: BatchedObservation, rewards: Float64Array, terminated: boolean[], truncated: boolean[], infos: Info[]];

/**
 * Steps `envFns.length` environments in lockstep, in this thread (Gymnasium's `SyncVectorEnv`).
 * `reset({ seed })` seeds copy i with `seed + i`. Actions: one number per copy for a Discrete action
 * space; for a Box, one array per copy or one flat array of `numEnvs × size` numbers.
 * @example
 * const envs = new rl.SyncVectorEnv(Array.from({ length: 4 }, () => () => rl.make('CartPole-v1')));
 * const [obs] = envs.reset({ seed: 0 });                     // Float32Array of 4 × 4
 * const [next, rewards, terminated, truncated, infos] = envs.step([0, 1, 0, 1]);
 */
export class SyncVectorEnv {
  readonly envs: readonly Env[];
  readonly numEnvs: number;
  readonly singleObservationSpace: Space<unknown>;
  readonly singleActionSpace: Space<unknown>;
  readonly autoresetMode: AutoresetMode;
  private readonly obsSize: number;
  private readonly needsReset: boolean[];
  private started = false;

  constructor(envFns: readonly (() => Env)[], options: { autoresetMode?: AutoresetMode } = {}) {
    check(Array.isArray(envFns) && envFns.length > 0 && envFns.every((f) => typeof f === 'function'), ArgumentError,
      () => `[SyncVectorEnv] expects a non-empty array of functions that make environments, got ${fmt(envFns)}`);
    for (const key of Object.keys(options)) check(key === 'autoresetMode', ArgumentError, () => `[SyncVectorEnv] unknown option ${fmt(key)}; the options are autoresetMode`);
    const mode = options.autoresetMode ?? 'next-step';
    check(mode === 'next-step' || mode === 'same-step', ArgumentError, () => `[SyncVectorEnv] autoresetMode must be 'next-step' or 'same-step', got ${fmt(mode)}`);
    this.autoresetMode = mode;
    this.envs = envFns.map((f, i) => {
      const env = f();
      check(env instanceof Env, ArgumentError, () => `[SyncVectorEnv] envFns[${i}] returned ${fmt(env)}, not an environment`);
      return env;
    });
    this.numEnvs = this.envs.length;
    const first = this.envs[0]!;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    const same = (a: Space<unknown>, b: Space<unknown>): boolean => String(a) === String(b);
    this.envs.forEach((env, i) => check(same(env.observationSpace, this.singleObservationSpace) && same(env.actionSpace, this.singleActionSpace), ArgumentError,
      () => `[SyncVectorEnv] every copy must have the same spaces; copy ${i} has ${String(env.observationSpace)} and ${String(env.actionSpace)}, copy 0 ${String(this.singleObservationSpace)} and ${String(this.singleActionSpace)}`));
    const obsSpace = this.singleObservationSpace;
    check(obsSpace instanceof Box || obsSpace instanceof Discrete, ArgumentError,
      () => `[SyncVectorEnv] can batch Box and Discrete observations, got ${String(obsSpace)}`);
    this.obsSize = obsSpace instanceof Box ? obsSpace.size : 1;
    this.needsReset = new Array<boolean>(this.numEnvs).fill(false);
  }

  /** Resets every copy; copy i gets `seed + i` when a seed is given. */
  reset(args: ResetArgs = {}): [BatchedObservation, Info[]] {
    const { seed, options } = args;
    check(seed === undefined || (Number.isSafeInteger(seed) && seed >= 0), ArgumentError,
      () => `[SyncVectorEnv.reset] seed must be a non-negative safe integer, got ${fmt(seed)}`);
    const obs = this.newBatch();
    const infos = this.envs.map((env, i) => {
      const a: ResetArgs = {};
      if (seed !== undefined) a.seed = seed + i;
      if (options !== undefined) a.options = options;
      const [o, info] = env.reset(a);
      this.write(obs, i, o);
      return info;
    });
    this.needsReset.fill(false);
    this.started = true;
    return [obs, infos];
  }

  /** Steps every copy with its action; see the class for the auto-reset modes. */
  step(actions: ArrayLike<number> | readonly ArrayLike<number>[]): VectorStepResult {
    check(this.started, EnvError, () => '[SyncVectorEnv.step] called before reset(); call reset() first');
    const perEnv = this.splitActions(actions);
    // every action is checked before any copy steps, so a bad one leaves all copies as they were
    perEnv.forEach((a, i) => check(this.needsReset[i] || this.singleActionSpace.contains(a), ArgumentError,
      () => `[SyncVectorEnv.step] actions[${i}] = ${describeValue(a)} is not in the action space ${String(this.singleActionSpace)}`));
    const obs = this.newBatch();
    const rewards = new Float64Array(this.numEnvs);
    const terminated = new Array<boolean>(this.numEnvs).fill(false);
    const truncated = new Array<boolean>(this.numEnvs).fill(false);
    const infos: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      if (this.needsReset[i]) {
        const [o, info] = env.reset();
        this.write(obs, i, o);
        infos.push(info);
        this.needsReset[i] = false;
        continue;
      }
      const [o, r, te, tr, info] = env.step(perEnv[i]);
      rewards[i] = r;
      terminated[i] = te;
      truncated[i] = tr;
      if ((te || tr) && this.autoresetMode === 'same-step') {
        const [o2, info2] = env.reset();
        this.write(obs, i, o2);
        infos.push({ ...info2, finalObs: o, finalInfo: info });
      } else {
        this.write(obs, i, o);
        infos.push(info);
        if (te || tr) this.needsReset[i] = true;
      }
    }
    return [obs, rewards, terminated, truncated, infos];
  }

  /** Closes every copy. */
  close(): void {
    for (const env of this.envs) env.close();
  }

  private newBatch(): BatchedObservation {
    const space = this.singleObservationSpace;
    const n = this.numEnvs * this.obsSize;
    if (space instanceof Discrete) return new Int32Array(n);
    return (space as Box).dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  }

  private write(batch: BatchedObservation, i: number, obs: unknown): void {
    if (typeof obs === 'number') batch[i] = obs;
    else batch.set(obs as BoxValue, i * this.obsSize);
  }

  private splitActions(actions: ArrayLike<number> | readonly ArrayLike<number>[]): unknown[] {
    const n = this.numEnvs;
    check(actions !== null && typeof actions === 'object' && typeof (actions as ArrayLike<unknown>).length === 'number', ArgumentError,
      () => `[SyncVectorEnv.step] actions must be an array or typed array, got ${fmt(actions)}`);
    const space = this.singleActionSpace;
    if (space instanceof Box) {
      const flat = actions as ArrayLike<number>;
      if (flat.length === n * space.size && typeof flat[0] === 'number') {
        return Array.from({ length: n }, (_, i) => (ArrayBuffer.isView(flat) ? (flat as Float32Array).subarray(i * space.size, (i + 1) * space.size) : Array.prototype.slice.call(flat, i * space.size, (i + 1) * space.size)));
      }
    }
    check(actions.length === n, ArgumentError,
      () => `[SyncVectorEnv.step] expected ${n} actions (one per copy${space instanceof Box ? `, or ${n * space.size} numbers` : ''}), got ${actions.length}`);
    return Array.from(actions as ArrayLike<unknown>);
  }
}
