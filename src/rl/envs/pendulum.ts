/**
 * Pendulum-v1 with Gymnasium's constants: swing a frictionless pendulum (mass 1 kg, length 1 m) up and
 * keep it upright with a torque u ∈ [−2, 2] N·m. θ is the angle from upright. One step of dt = 0.05 s:
 *   θ̇ ← clip(θ̇ + (3g/(2l)·sin θ + 3/(m·l²)·u)·dt, −8, 8),   θ ← θ + θ̇·dt,
 * with cost normalize(θ)² + 0.1·θ̇² + 0.001·u² (normalize maps θ into [−π, π)) and reward −cost; the
 * episode never terminates (only `rl.make`'s 200-step time limit ends it). The state is float64 [θ, θ̇];
 * observations are the float32 rounding of [cos θ, sin θ, θ̇]. The action is a float32 array of one
 * element, and the terms that involve it are rounded to float32 where NumPy 2 computes them in float32
 * (u², 0.001·u², 3/(m·l²)·u), so the results equal Gymnasium's. Reset draws θ uniformly from
 * [−xInit, xInit) (default π) and θ̇ from [−yInit, yInit) (default 1).
 */
import { ArgumentError, check, fmt } from '../../base/errors.js';
import { Env, type Info, type StepResult, numberOption, onlyOptions } from '../env.js';
import { Box } from '../spaces.js';

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const MASS = 1.0;
const LENGTH = 1.0;
const DEFAULT_X = Math.PI;
const DEFAULT_Y = 1.0;

/**
 * Python's float remainder `a % b`: the result has the sign of the divisor (JavaScript's `%` takes the
 * dividend's), computed from the exact `fmod` as CPython and NumPy do: pyMod(-1, 3) = 2, pyMod(1, -3) = -2.
 */
function pyMod(a: number, b: number): number {
  let mod = a % b;
  if (mod !== 0) {
    if (b < 0 !== mod < 0) mod += b;
  } else {
    mod = b < 0 || Object.is(b, -0) ? -0 : 0;
  }
  return mod;
}

/** θ mapped into [−π, π) as Gymnasium's `angle_normalize`: ((θ + π) mod 2π) − π with Python's mod. */
function angleNormalize(x: number): number {
  return pyMod(x + Math.PI, 2 * Math.PI) - Math.PI;
}

/** Options of `new PendulumEnv` (and of `rl.make('Pendulum-v1', …)`). */
export interface PendulumOptions {
  /** The gravitational acceleration in m/s² (default 10.0). */
  g?: number;
}

/**
 * Gymnasium's Pendulum (use `rl.make('Pendulum-v1')` for the 200-step time limit). The action is a
 * one-element float32 array, the torque in [−2, 2]; a torque outside it is an ArgumentError, as any action
 * outside the action space (Gymnasium clips it: clip or squash before stepping). Reset takes the options `{ xInit, yInit }`
 * (Gymnasium's `x_init`, `y_init`): the half-widths of the uniform initial θ and θ̇.
 * @example
 * const env = new rl.PendulumEnv({ g: 9.81 });
 * const [obs] = env.reset({ seed: 0, options: { xInit: 0.1, yInit: 0.1 } }); // near upright
 * const [, reward] = env.step(Float32Array.of(-0.5));                        // reward = −cost ≤ 0
 */
export class PendulumEnv extends Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box<Float32Array>([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED]);
  readonly actionSpace = new Box<Float32Array>(-MAX_TORQUE, MAX_TORQUE, [1]);
  /** The float64 state [θ, θ̇] (Gymnasium's `unwrapped.state`); may be set to start from a given state. */
  state: Float64Array | null = null;
  /** The gravitational acceleration (the `g` option). */
  readonly g: number;

  constructor(options: PendulumOptions = {}) {
    super();
    check(typeof options === 'object' && options !== null && !Array.isArray(options), ArgumentError,
      () => `[PendulumEnv] options must be an object, got ${fmt(options)}`);
    for (const key of Object.keys(options)) {
      check(key === 'g', ArgumentError, () => `[PendulumEnv] unknown option ${fmt(key)}; the options are g`);
    }
    const g = options.g ?? 10.0;
    check(typeof g === 'number' && Number.isFinite(g), ArgumentError, () => `[PendulumEnv] g must be a finite number, got ${fmt(g)}`);
    this.g = g;
  }

  protected resetEnv(options: Record<string, unknown>): [Float32Array, Info] {
    const op = `${this.name}.reset`;
    onlyOptions(options, ['xInit', 'yInit'], op);
    const x = numberOption(options, 'xInit', DEFAULT_X, op);
    const y = numberOption(options, 'yInit', DEFAULT_Y, op);
    check(x >= 0 && y >= 0, ArgumentError, () => `[${op}] options xInit and yInit must be >= 0, got xInit=${x} yInit=${y}`);
    this.state = Float64Array.of(this.rng.uniform(-x, x), this.rng.uniform(-y, y));
    return [this.observation(), {}];
  }

  protected stepEnv(action: Float32Array): StepResult<Float32Array> {
    const s = this.state!;
    const th = s[0]!;
    const thdot = s[1]!;
    const g = this.g;
    const m = MASS;
    const l = LENGTH;
    const dt = DT;
    // the action as a float32 scalar (the clip is Gymnasium's; step() has already refused values outside it),
    // and the float32 arithmetic NumPy does with it
    const u = Math.fround(Math.min(Math.max(Math.fround(action[0]!), -MAX_TORQUE), MAX_TORQUE));
    const uSquared = Math.fround(u * u);
    const an = angleNormalize(th);
    // u² is the correctly rounded float32 square; NumPy's float32 `u**2` calls powf, which can be one
    // float32 ulp off (a difference of ~1e-12 in the reward, never in the dynamics)
    const costs = an * an + 0.1 * (thdot * thdot) + Math.fround(Math.fround(0.001) * uSquared);
    let newthdot = thdot + ((3 * g) / (2 * l) * Math.sin(th) + Math.fround((3.0 / (m * (l * l))) * u)) * dt;
    newthdot = Math.min(Math.max(newthdot, -MAX_SPEED), MAX_SPEED);
    const newth = th + newthdot * dt;
    s[0] = newth;
    s[1] = newthdot;
    return [this.observation(), -costs, false, false, {}];
  }

  private observation(): Float32Array {
    const s = this.state!;
    return Float32Array.of(Math.cos(s[0]!), Math.sin(s[0]!), s[1]!);
  }
}
