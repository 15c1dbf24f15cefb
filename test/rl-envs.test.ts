/**
 * The four classic-control environments against Gymnasium: test/fixtures/rl-envs.json holds episodes
 * of real Gymnasium 1.3.0 (made by scripts/fixtures/gymnasium_envs.py: known action sequences that end
 * in termination, in truncation by the time limit, or stay open), with the float64 state after every
 * step. NumPy's random generator is not nabla's, so the tests set the initial state and replay the
 * actions. Two checks per episode:
 *  - one step at a time: before each step the state is set to Gymnasium's state before it, so every
 *    step's dynamics, reward, termination and truncation are compared on their own, to a few ulps (the
 *    only difference left is the last bit of libm's sin and cos, V8's against glibc's);
 *  - the whole episode run freely from the initial state, as an agent would: the ulps may grow along
 *    the trajectory (CartPole's balancing policy and Acrobot are sensitive), so the tolerance is loose,
 *    but every flag and every reward must still be Gymnasium's.
 * Then the reset distributions, the reset and constructor options, and the typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArgumentError, EnvError, rl } from '../src/index.js';

interface Case {
  name: string; seed: number; kwargs: Record<string, unknown>; attrs: Record<string, unknown>; actions: string;
  initialState: number[]; initialObs: number[]; action: number[]; obs: number[][]; reward: number[];
  terminated: boolean[]; truncated: boolean[]; state: number[][]; end: 'terminated' | 'truncated' | 'open';
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/rl-envs.json', import.meta.url), 'utf8')) as {
  gymnasium: string; limits: Record<string, number>; envs: Record<string, Case[]>;
};

type StateEnv = rl.Env<Float32Array, unknown> & { state: Float64Array | null };

/** Gymnasium's snake_case keyword arguments (and attributes) as nabla's camelCase options. */
const camel = (options: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(options).map(([k, v]) => [k.replace(/_(.)/g, (_, c: string) => c.toUpperCase()), v]));

/** The environment of a case, made as Gymnasium made it (with its time limit) and reset. */
function makeCase(id: string, c: Case): rl.Env<Float32Array, unknown> {
  const env = rl.make(id, { ...camel(c.kwargs), ...camel(c.attrs ?? {}) }) as rl.Env<Float32Array, unknown>;
  env.reset({ seed: c.seed });
  return env;
}
const stateOf = (env: rl.Env): StateEnv => env.unwrapped as StateEnv;
const actionOf = (id: string, a: number): unknown => (id === 'Pendulum-v1' ? Float32Array.of(a) : a);

/** max |a − b| / max(1, |b|) over two arrays of the same length. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

/** The observation Gymnasium derives from a state (float32 rounding). */
function observationOf(id: string, s: ArrayLike<number>): Float32Array {
  switch (id) {
    case 'Acrobot-v1': return Float32Array.of(Math.cos(s[0]!), Math.sin(s[0]!), Math.cos(s[1]!), Math.sin(s[1]!), s[2]!, s[3]!);
    case 'Pendulum-v1': return Float32Array.of(Math.cos(s[0]!), Math.sin(s[0]!), s[1]!);
    default: return Float32Array.from(s);
  }
}

describe('environments against Gymnasium', () => {
  it(`the fixture is Gymnasium ${fixture.gymnasium}'s, with every environment, a time limit reached and a termination`, () => {
    expect(Object.keys(fixture.envs).sort()).toEqual(['Acrobot-v1', 'CartPole-v1', 'MountainCar-v0', 'Pendulum-v1']);
    for (const [id, cases] of Object.entries(fixture.envs)) {
      expect(rl.make(id).spec!.maxEpisodeSteps).toBe(fixture.limits[id]);
      expect(cases.some((c) => c.end === 'truncated')).toBe(true);
      if (id !== 'Pendulum-v1') expect(cases.some((c) => c.end === 'terminated')).toBe(true);
    }
  });

  for (const [id, cases] of Object.entries(fixture.envs)) {
    describe(id, () => {
      for (const c of cases) {
        it(`${c.name} (${c.actions}; ${c.action.length} steps, ${c.end}): each step from Gymnasium's state`, () => {
          const env = makeCase(id, c);
          const s = stateOf(env);
          for (let t = 0; t < c.action.length; t++) {
            s.state = Float64Array.from(t === 0 ? c.initialState : c.state[t - 1]!);
            const [obs, reward, terminated, truncated] = env.step(actionOf(id, c.action[t]!));
            const at = `${c.name} step ${t}`;
            expect(relErr(s.state, c.state[t]!), at).toBeLessThan(1e-13);
            expect(obs).toBeInstanceOf(Float32Array);
            expect(relErr(obs, c.obs[t]!), at).toBeLessThan(1e-6); // one float32 ulp at most, where the double sits on a rounding edge
            // (Pendulum: NumPy's float32 u**2 is powf, sometimes a float32 ulp off the exact square: ~1e-12)
            expect(Math.abs(reward - c.reward[t]!) / Math.max(1, Math.abs(c.reward[t]!)), at).toBeLessThan(1e-11);
            expect([terminated, truncated], at).toEqual([c.terminated[t], c.truncated[t]]);
          }
          // the episode is over exactly when Gymnasium's was
          if (c.end !== 'open') expect(() => env.step(actionOf(id, c.action[0]!))).toThrow(EnvError);
        });

        it(`${c.name}: the whole episode run freely from the initial state`, () => {
          const env = makeCase(id, c);
          stateOf(env).state = Float64Array.from(c.initialState);
          let worstState = 0;
          for (let t = 0; t < c.action.length; t++) {
            const [obs, reward, terminated, truncated] = env.step(actionOf(id, c.action[t]!));
            worstState = Math.max(worstState, relErr(stateOf(env).state!, c.state[t]!));
            expect(relErr(obs, c.obs[t]!)).toBeLessThan(1e-3);
            expect(Math.abs(reward - c.reward[t]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(c.reward[t]!)));
            expect([terminated, truncated], `${c.name} step ${t}`).toEqual([c.terminated[t], c.truncated[t]]);
          }
          expect(worstState).toBeLessThan(1e-3);
        });
      }
    });
  }
});

describe('reset distributions', () => {
  // Gymnasium's: CartPole U(−0.05, 0.05)⁴; Acrobot U(−0.1, 0.1)⁴ rounded to float32; MountainCar
  // x ~ U(−0.6, −0.4), v = 0; Pendulum θ ~ U(−π, π), θ̇ ~ U(−1, 1)
  const ranges: Record<string, [number, number][]> = {
    'CartPole-v1': [[-0.05, 0.05], [-0.05, 0.05], [-0.05, 0.05], [-0.05, 0.05]],
    'Acrobot-v1': [[-0.1, 0.1], [-0.1, 0.1], [-0.1, 0.1], [-0.1, 0.1]],
    'MountainCar-v0': [[-0.6, -0.4], [0, 0]],
    'Pendulum-v1': [[-Math.PI, Math.PI], [-1, 1]],
  };
  for (const [id, bounds] of Object.entries(ranges)) {
    it(`${id}: uniform on Gymnasium's ranges, the observation derived from the state, reproducible for a seed`, () => {
      const env = rl.make(id) as rl.Env<Float32Array, unknown>;
      const n = 3000;
      const sums = bounds.map(() => 0);
      const squares = bounds.map(() => 0);
      for (let i = 0; i < n; i++) {
        const [obs, info] = env.reset(i === 0 ? { seed: 123 } : {});
        expect(info).toEqual({});
        const s = stateOf(env).state!;
        expect(s).toBeInstanceOf(Float64Array);
        expect(obs).toEqual(observationOf(id, s));
        expect(env.observationSpace.contains(obs)).toBe(true);
        bounds.forEach(([lo, hi], k) => {
          expect(s[k]).toBeGreaterThanOrEqual(lo);
          expect(s[k]).toBeLessThanOrEqual(hi);
          sums[k] = sums[k]! + s[k]!;
          squares[k] = squares[k]! + s[k]! ** 2;
          if (id === 'Acrobot-v1') expect(Math.fround(s[k]!)).toBe(s[k]);
        });
      }
      bounds.forEach(([lo, hi], k) => {
        const mean = sums[k]! / n;
        const variance = squares[k]! / n - mean ** 2;
        // U(lo, hi): mean (lo + hi)/2, variance (hi − lo)²/12; 5 standard errors of the mean
        expect(Math.abs(mean - (lo + hi) / 2)).toBeLessThanOrEqual(5 * (hi - lo) / Math.sqrt(12 * n) + 1e-15);
        expect(Math.abs(variance - (hi - lo) ** 2 / 12)).toBeLessThanOrEqual(0.1 * (hi - lo) ** 2 / 12 + 1e-15);
      });
      // the same seed gives the same first state (and the same stream after it); another seed another
      const first = (seed: number): number[] => [...(env.reset({ seed }), stateOf(env).state!)];
      expect(first(7)).toEqual(first(7));
      expect(first(7)).not.toEqual(first(8));
    });
  }

  it('reset options: CartPole, Acrobot and MountainCar take { low, high }; Pendulum { xInit, yInit }', () => {
    for (const [id, low, high, k] of [['CartPole-v1', 0.2, 0.3, 4], ['Acrobot-v1', -0.5, -0.25, 4], ['MountainCar-v0', 0.1, 0.2, 1]] as const) {
      const env = rl.make(id);
      for (let i = 0; i < 200; i++) {
        env.reset({ seed: i, options: { low, high } });
        for (let j = 0; j < k; j++) {
          expect(stateOf(env).state![j]).toBeGreaterThanOrEqual(id === 'Acrobot-v1' ? Math.fround(low) : low);
          expect(stateOf(env).state![j]).toBeLessThanOrEqual(id === 'Acrobot-v1' ? Math.fround(high) : high);
        }
      }
      // low = high pins the state
      env.reset({ options: { low: 0.25, high: 0.25 } });
      expect(stateOf(env).state![0]).toBe(0.25);
    }
    const pendulum = rl.make('Pendulum-v1');
    for (let i = 0; i < 200; i++) {
      pendulum.reset({ seed: i, options: { xInit: 0.1, yInit: 0.5 } });
      const [th, thdot] = stateOf(pendulum).state!;
      expect(Math.abs(th!)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(thdot!)).toBeLessThanOrEqual(0.5);
    }
  });

  it('bad reset options throw ArgumentError naming the environment and the option', () => {
    const cartpole = rl.make('CartPole-v1');
    expect(() => cartpole.reset({ options: { low: 0.1, high: -0.1 } })).toThrow(/\[CartPole-v1\.reset\] option low must be <= high, got low=0.1 high=-0.1/);
    expect(() => cartpole.reset({ options: { low: NaN } })).toThrow(/option low must be a finite number, got NaN/);
    expect(() => cartpole.reset({ options: { high: '1' } })).toThrow(ArgumentError);
    expect(() => cartpole.reset({ options: { x_init: 1 } })).toThrow(/unknown option "x_init"; the options are low, high/);
    expect(() => rl.make('Acrobot-v1').reset({ options: { low: Infinity } })).toThrow(/\[Acrobot-v1\.reset\] option low must be a finite number/);
    expect(() => rl.make('MountainCar-v0').reset({ options: { xInit: 0 } })).toThrow(/\[MountainCar-v0\.reset\] unknown option "xInit"/);
    const pendulum = rl.make('Pendulum-v1');
    expect(() => pendulum.reset({ options: { xInit: -1 } })).toThrow(/\[Pendulum-v1\.reset\] options xInit and yInit must be >= 0/);
    expect(() => pendulum.reset({ options: { yInit: NaN } })).toThrow(/option yInit must be a finite number, got NaN/);
    expect(() => pendulum.reset({ options: { low: 0 } })).toThrow(/unknown option "low"; the options are xInit, yInit/);
    expect(() => pendulum.reset({ seed: -1 })).toThrow(/seed must be a non-negative safe integer, got -1/);
    expect(() => pendulum.reset({ seed: 1.5 })).toThrow(ArgumentError);
    expect(() => pendulum.reset({ options: [] as never })).toThrow(/options must be an object/);
  });

  it('bad constructor options throw ArgumentError', () => {
    expect(() => rl.make('CartPole-v1', { kinematicsIntegrator: 'rk4' as never })).toThrow(/kinematicsIntegrator must be 'euler' or 'semi-implicit-euler', got "rk4"/);
    expect(() => rl.make('CartPole-v1', { suttonBartoReward: 1 as never })).toThrow(/suttonBartoReward must be a boolean/);
    expect(() => rl.make('CartPole-v1', { render_mode: 'human' })).toThrow(/\[CartPoleEnv\] unknown option "render_mode"/);
    expect(() => rl.make('Pendulum-v1', { g: NaN })).toThrow(/\[PendulumEnv\] g must be a finite number, got NaN/);
    expect(() => rl.make('MountainCar-v0', { goal_velocity: 0.1 })).toThrow(/unknown option "goal_velocity"; the options are goalVelocity/);
    expect(() => rl.make('Acrobot-v1', { bookOrNips: 'nips' })).toThrow(/AcrobotEnv takes no options/);
    expect(() => rl.make('CartPole-v1', { maxEpisodeSteps: 0 })).toThrow(/maxEpisodeSteps must be a positive integer or null, got 0/);
  });
});

describe('invalid actions and misuse', () => {
  const invalid: Record<string, unknown[]> = {
    'CartPole-v1': [2, -1, 0.5, NaN, Infinity, '1', true, null, undefined, [1], Float32Array.of(1)],
    'Acrobot-v1': [3, -1, 1.5, NaN, '2', null],
    'MountainCar-v0': [3, -1, 2.0000001, NaN, {}, null],
    'Pendulum-v1': [Float32Array.of(2.5), Float32Array.of(-3), Float32Array.of(NaN), Float32Array.of(0, 0), new Float32Array(0), 0.5, NaN, null, [2.5], Float64Array.of(-2.5)],
  };
  for (const [id, actions] of Object.entries(invalid)) {
    it(`${id}: out-of-range, wrong-type and NaN actions throw ArgumentError and leave the state as it was`, () => {
      const env = rl.make(id) as rl.Env<Float32Array, unknown>;
      env.reset({ seed: 0 });
      const before = [...stateOf(env).state!];
      for (const a of actions) {
        expect(() => env.step(a), `${id} action ${String(a)}`).toThrow(ArgumentError);
        expect(() => env.step(a)).toThrow(new RegExp(`^\\[${id}\\.step\\] action .* is not in the action space`));
      }
      expect([...stateOf(env).state!]).toEqual(before);
      // a valid action still works afterwards
      expect(env.step(env.actionSpace.sample())[0]).toBeInstanceOf(Float32Array);
    });
  }

  it('stepping before reset, after termination and after truncation throws EnvError; reset starts again', () => {
    for (const id of Object.keys(invalid)) {
      const env = rl.make(id) as rl.Env<Float32Array, unknown>;
      expect(() => env.step(env.actionSpace.sample())).toThrow(EnvError);
      expect(() => env.step(env.actionSpace.sample())).toThrow(new RegExp(`\\[${id}\\.step\\] called before reset\\(\\)`));
    }
    // CartPole pushed one way terminates within a few dozen steps
    const cartpole = rl.make('CartPole-v1');
    cartpole.reset({ seed: 0 });
    let steps = 0;
    for (let done = false; !done; steps++) done = cartpole.step(1)[2];
    expect(steps).toBeLessThan(50);
    expect(() => cartpole.step(1)).toThrow(/\[CartPole-v1\.step\] the episode has ended \(terminated or truncated\); call reset\(\) before stepping again/);
    cartpole.reset();
    expect(cartpole.step(0)[1]).toBe(1);
    // Pendulum never terminates: the time limit truncates it at 200 steps
    const pendulum = rl.make('Pendulum-v1') as rl.Env<Float32Array, Float32Array>;
    pendulum.reset({ seed: 0 });
    for (let t = 1; t <= 200; t++) {
      const [, , terminated, truncated] = pendulum.step(Float32Array.of(0));
      expect([terminated, truncated]).toEqual([false, t === 200]);
    }
    expect(() => pendulum.step(Float32Array.of(0))).toThrow(EnvError);
  });
});
