/**
 * Acrobot-v1 (Sutton 1996) with the dynamics of Sutton & Barto's book and Gymnasium's constants: two
 * links of length 1 m and mass 1 kg hang from a fixed pivot; the action puts a torque of −1, 0 or +1 N·m
 * (actions 0, 1, 2) on the joint between them. The state is [θ1, θ2, θ̇1, θ̇2], θ1 the first link's angle
 * from hanging straight down and θ2 the second link's angle relative to the first. With
 *   d1 = m1·lc1² + m2·(l1² + lc2² + 2·l1·lc2·cos θ2) + I1 + I2,   d2 = m2·(lc2² + l1·lc2·cos θ2) + I2,
 *   φ2 = m2·lc2·g·cos(θ1 + θ2 − π/2),
 *   φ1 = −m2·l1·lc2·θ̇2²·sin θ2 − 2·m2·l1·lc2·θ̇2·θ̇1·sin θ2 + (m1·lc1 + m2·l1)·g·cos(θ1 − π/2) + φ2,
 *   θ̈2 = (τ + d2/d1·φ1 − m2·l1·lc2·θ̇1²·sin θ2 − φ2) / (m2·lc2² + I2 − d2²/d1),   θ̈1 = −(d2·θ̈2 + φ1)/d1,
 * one step integrates these over dt = 0.2 s with a single classical Runge–Kutta (RK4) step, in the order
 * of Gymnasium's `rk4`; then θ1, θ2 are wrapped into [−π, π] and θ̇1, θ̇2 clipped to ±4π and ±9π. Reward
 * −1 per step; the episode terminates (reward 0) when the free end rises above the pivot by more than one
 * link: −cos θ1 − cos(θ1 + θ2) > 1. The observation is the float32 rounding of
 * [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]. Reset draws each of the four state variables uniformly from
 * [low, high) (default ±0.1) and rounds them to float32, as Gymnasium does.
 */
import { ArgumentError, check, fmt } from '../../base/errors.js';
import { Env, type Info, type StepResult, resetBounds } from '../env.js';
import { Box, Discrete } from '../spaces.js';

const DT = 0.2; // seconds per step
const LINK_LENGTH_1 = 1.0; // l1 [m]
const LINK_MASS_1 = 1.0; // m1 [kg]
const LINK_MASS_2 = 1.0; // m2 [kg]
const LINK_COM_POS_1 = 0.5; // lc1: position of the centre of mass of link 1 [m]
const LINK_COM_POS_2 = 0.5; // lc2 [m]
const LINK_MOI = 1.0; // I1 = I2: moment of inertia of either link
const GRAVITY = 9.8;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const AVAIL_TORQUE = [-1.0, 0.0, 1.0] as const;

/** Wraps `x` into [lo, hi] by whole turns of hi − lo (Gymnasium's `wrap`). */
function wrap(x: number, lo: number, hi: number): number {
  const diff = hi - lo;
  while (x > hi) x -= diff;
  while (x < lo) x += diff;
  return x;
}

/** Clips `x` into [lo, hi] (Gymnasium's `bound`). */
function bound(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/** The time derivative of [θ1, θ2, θ̇1, θ̇2] under torque `a` (the book's equations), written into `out`. */
function dsdt(s: ArrayLike<number>, a: number, out: Float64Array): void {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const I1 = LINK_MOI;
  const I2 = LINK_MOI;
  const g = GRAVITY;
  const theta1 = s[0]!;
  const theta2 = s[1]!;
  const dtheta1 = s[2]!;
  const dtheta2 = s[3]!;
  // the same operations in the same order as Gymnasium's _dsdt (squares as products, which are exact like x**2)
  const d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 * lc2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * Math.sin(theta2)
    - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2)
    + (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2)
    + phi2;
  const ddtheta2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * Math.sin(theta2) - phi2)
    / (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[0] = dtheta1;
  out[1] = dtheta2;
  out[2] = ddtheta1;
  out[3] = ddtheta2;
}

/**
 * Gymnasium's Acrobot (use `rl.make('Acrobot-v1')` for the 500-step time limit): swing the tip of a
 * two-link pendulum above the bar by torquing the middle joint. Actions 0, 1, 2 apply −1, 0, +1 N·m.
 * It takes no options.
 * @example
 * const env = rl.make('Acrobot-v1');
 * const [obs] = env.reset({ seed: 0 });            // Float32Array [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]
 * const [, reward, terminated] = env.step(2);     // +1 N·m: reward −1 until the tip is high enough
 */
export class AcrobotEnv extends Env<Float32Array, number> {
  readonly observationSpace = new Box<Float32Array>([-1, -1, -1, -1, -MAX_VEL_1, -MAX_VEL_2], [1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2]);
  readonly actionSpace = new Discrete(3);
  /**
   * The float64 state [θ1, θ2, θ̇1, θ̇2] (Gymnasium's `unwrapped.state`; after a reset its values are
   * float32-rounded); may be set to start from a given state.
   */
  state: Float64Array | null = null;

  constructor(options: Record<string, unknown> = {}) {
    super();
    check(typeof options === 'object' && options !== null && !Array.isArray(options), ArgumentError,
      () => `[AcrobotEnv] options must be an object, got ${fmt(options)}`);
    const keys = Object.keys(options);
    check(keys.length === 0, ArgumentError, () => `[AcrobotEnv] unknown option ${fmt(keys[0])}; AcrobotEnv takes no options`);
  }

  protected resetEnv(options: Record<string, unknown>): [Float32Array, Info] {
    const [low, high] = resetBounds(options, -0.1, 0.1, `${this.name}.reset`);
    this.state = Float64Array.from({ length: 4 }, () => Math.fround(this.rng.uniform(low, high)));
    return [this.observation(), {}];
  }

  protected stepEnv(action: number): StepResult<Float32Array> {
    const s = this.state!;
    const torque = AVAIL_TORQUE[action]!;
    // one RK4 step over [0, dt] of the augmented state [s, torque] (the torque's derivative is 0)
    const dt = DT - 0;
    const dt2 = dt / 2.0;
    const k1 = new Float64Array(4);
    const k2 = new Float64Array(4);
    const k3 = new Float64Array(4);
    const k4 = new Float64Array(4);
    const y = new Float64Array(4);
    dsdt(s, torque, k1);
    for (let i = 0; i < 4; i++) y[i] = s[i]! + dt2 * k1[i]!;
    dsdt(y, torque, k2);
    for (let i = 0; i < 4; i++) y[i] = s[i]! + dt2 * k2[i]!;
    dsdt(y, torque, k3);
    for (let i = 0; i < 4; i++) y[i] = s[i]! + dt * k3[i]!;
    dsdt(y, torque, k4);
    const h = dt / 6.0;
    const ns = new Float64Array(4);
    for (let i = 0; i < 4; i++) ns[i] = s[i]! + h * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
    ns[0] = wrap(ns[0]!, -Math.PI, Math.PI);
    ns[1] = wrap(ns[1]!, -Math.PI, Math.PI);
    ns[2] = bound(ns[2]!, -MAX_VEL_1, MAX_VEL_1);
    ns[3] = bound(ns[3]!, -MAX_VEL_2, MAX_VEL_2);
    s.set(ns);
    const terminated = -Math.cos(s[0]!) - Math.cos(s[1]! + s[0]!) > 1.0;
    return [this.observation(), terminated ? 0.0 : -1.0, terminated, false, {}];
  }

  private observation(): Float32Array {
    const s = this.state!;
    return Float32Array.of(Math.cos(s[0]!), Math.sin(s[0]!), Math.cos(s[1]!), Math.sin(s[1]!), s[2]!, s[3]!);
  }
}
