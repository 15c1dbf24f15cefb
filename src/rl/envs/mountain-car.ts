/**
 * MountainCar-v0 (Moore 1990; Sutton & Barto's version) with Gymnasium's constants: an underpowered car
 * in a valley of height sin(3x) must rock back and forth to reach the flag at x = 0.5. Actions 0, 1, 2
 * accelerate left, not at all, right. One step:
 *   v ← clip(v + (a − 1)·0.001 − 0.0025·cos(3x), −0.07, 0.07),   x ← clip(x + v, −1.2, 0.6),
 * and a car that hits the left wall (x = −1.2 while v < 0) stops (v ← 0). Reward −1 per step; the
 * episode terminates when x ≥ 0.5 and v ≥ goalVelocity (default 0). The state is float64 [x, v];
 * observations are its float32 rounding. Reset draws x uniformly from [low, high) (default
 * [−0.6, −0.4)) and sets v = 0.
 */
import { ArgumentError, check, fmt } from '../../base/errors.js';
import { Env, type Info, type StepResult, resetBounds } from '../env.js';
import { Box, Discrete } from '../spaces.js';

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const FORCE = 0.001;
const GRAVITY = 0.0025;

/** Options of `new MountainCarEnv` (and of `rl.make('MountainCar-v0', …)`). */
export interface MountainCarOptions {
  /** The velocity the car must have (at least) at the flag to terminate (Gymnasium's `goal_velocity`; default 0). */
  goalVelocity?: number;
}

/**
 * Gymnasium's MountainCar with discrete actions (use `rl.make('MountainCar-v0')` for the 200-step time
 * limit). Actions 0, 1, 2 push left, do nothing, push right.
 * @example
 * const env = new rl.TimeLimit(new rl.MountainCarEnv(), 200); // as rl.make('MountainCar-v0')
 * let [obs] = env.reset({ seed: 0 });                          // Float32Array [x, v]
 * for (let done = false; !done;) {
 *   const [next, , terminated, truncated] = env.step(obs[1]! >= 0 ? 2 : 0); // push along the velocity
 *   obs = next;
 *   done = terminated || truncated;
 * }
 */
export class MountainCarEnv extends Env<Float32Array, number> {
  readonly observationSpace = new Box<Float32Array>([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]);
  readonly actionSpace = new Discrete(3);
  /** The float64 state [x, v] (Gymnasium's `unwrapped.state`); may be set to start from a given state. */
  state: Float64Array | null = null;
  /** The velocity needed at the flag (the `goalVelocity` option). */
  readonly goalVelocity: number;

  constructor(options: MountainCarOptions = {}) {
    super();
    check(typeof options === 'object' && options !== null && !Array.isArray(options), ArgumentError,
      () => `[MountainCarEnv] options must be an object, got ${fmt(options)}`);
    for (const key of Object.keys(options)) {
      check(key === 'goalVelocity', ArgumentError, () => `[MountainCarEnv] unknown option ${fmt(key)}; the options are goalVelocity`);
    }
    const goalVelocity = options.goalVelocity ?? 0;
    check(typeof goalVelocity === 'number' && Number.isFinite(goalVelocity), ArgumentError,
      () => `[MountainCarEnv] goalVelocity must be a finite number, got ${fmt(goalVelocity)}`);
    this.goalVelocity = goalVelocity;
  }

  protected resetEnv(options: Record<string, unknown>): [Float32Array, Info] {
    const [low, high] = resetBounds(options, -0.6, -0.4, `${this.name}.reset`);
    this.state = Float64Array.of(this.rng.uniform(low, high), 0);
    return [Float32Array.from(this.state), {}];
  }

  protected stepEnv(action: number): StepResult<Float32Array> {
    const s = this.state!;
    let position = s[0]!;
    let velocity = s[1]!;
    velocity += (action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
    velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
    position += velocity;
    position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    s[0] = position;
    s[1] = velocity;
    const terminated = position >= GOAL_POSITION && velocity >= this.goalVelocity;
    return [Float32Array.from(s), -1.0, terminated, false, {}];
  }
}
