/**
 * CartPole-v1 (Barto, Sutton & Anderson 1983) with Gymnasium's constants, explicit-Euler integrator,
 * reward and termination: push the cart left (0) or right (1) by 10 N; +1 per step while the pole
 * stays within ±12° and the cart within ±2.4; the episode terminates when either leaves. The state is
 * float64; observations are its float32 rounding [x, ẋ, θ, θ̇]. Reset draws each of the four uniformly
 * from [low, high) (default ±0.05).
 */
import { ArgumentError, check, fmt } from '../../base/errors.js';
import { Env, type Info, type StepResult, resetBounds } from '../env.js';
import { Box, Discrete } from '../spaces.js';

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const LENGTH = 0.5; // half the pole's length
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02; // seconds between state updates
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;

/** Options of `new CartPoleEnv` (and of `rl.make('CartPole-v1', …)`). */
export interface CartPoleOptions {
  /** Sutton & Barto's reward: 0 per step, −1 on termination (default false: +1 per step). */
  suttonBartoReward?: boolean;
  /** 'euler' (Gymnasium's default) or 'semi-implicit-euler'. */
  kinematicsIntegrator?: 'euler' | 'semi-implicit-euler';
}

/**
 * Gymnasium's CartPole (use `rl.make('CartPole-v1')` for the 500-step time limit).
 * @example
 * const env = new rl.CartPoleEnv();
 * const [obs] = env.reset({ seed: 0 });            // Float32Array [x, ẋ, θ, θ̇]
 * const [, reward, terminated] = env.step(1);     // push right
 */
export class CartPoleEnv extends Env<Float32Array, number> {
  readonly observationSpace: Box<Float32Array>;
  readonly actionSpace = new Discrete(2);
  /** The float64 state [x, ẋ, θ, θ̇] (Gymnasium's `unwrapped.state`); may be set to start from a given state. */
  state: Float64Array | null = null;
  private readonly suttonBarto: boolean;
  private readonly integrator: 'euler' | 'semi-implicit-euler';

  constructor(options: CartPoleOptions = {}) {
    super();
    for (const key of Object.keys(options)) {
      check(key === 'suttonBartoReward' || key === 'kinematicsIntegrator', ArgumentError,
        () => `[CartPoleEnv] unknown option ${fmt(key)}; the options are suttonBartoReward, kinematicsIntegrator`);
    }
    this.suttonBarto = options.suttonBartoReward ?? false;
    this.integrator = options.kinematicsIntegrator ?? 'euler';
    check(typeof this.suttonBarto === 'boolean', ArgumentError, () => `[CartPoleEnv] suttonBartoReward must be a boolean, got ${fmt(this.suttonBarto)}`);
    check(this.integrator === 'euler' || this.integrator === 'semi-implicit-euler', ArgumentError,
      () => `[CartPoleEnv] kinematicsIntegrator must be 'euler' or 'semi-implicit-euler', got ${fmt(this.integrator)}`);
    const high = [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity];
    this.observationSpace = new Box<Float32Array>(high.map((h) => -h), high);
  }

  protected resetEnv(options: Record<string, unknown>): [Float32Array, Info] {
    const [low, high] = resetBounds(options, -0.05, 0.05, `${this.name}.reset`);
    this.state = Float64Array.from({ length: 4 }, () => this.rng.uniform(low, high));
    return [Float32Array.from(this.state), {}];
  }

  protected stepEnv(action: number): StepResult<Float32Array> {
    const s = this.state!;
    let [x, xDot, theta, thetaDot] = s as unknown as [number, number, number, number];
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const temp = (force + POLE_MASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
    const thetaAcc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - (MASS_POLE * cos * cos) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
    if (this.integrator === 'euler') {
      x += TAU * xDot;
      xDot += TAU * xAcc;
      theta += TAU * thetaDot;
      thetaDot += TAU * thetaAcc;
    } else {
      xDot += TAU * xAcc;
      x += TAU * xDot;
      thetaDot += TAU * thetaAcc;
      theta += TAU * thetaDot;
    }
    s[0] = x;
    s[1] = xDot;
    s[2] = theta;
    s[3] = thetaDot;
    const terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
    // +1 every step, the terminating one included (Sutton & Barto: 0, and −1 on termination);
    // no step follows termination: the base class refuses to step an ended episode
    const reward = this.suttonBarto ? (terminated ? -1 : 0) : 1;
    return [Float32Array.from(s), reward, terminated, false, {}];
  }
}
