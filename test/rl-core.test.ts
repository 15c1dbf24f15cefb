/**
 * The rl module's spaces, wrappers, vector environment and registry: Gymnasium's semantics (auto-reset
 * modes, episode statistics, running normalisation, time limits) checked against values computed here
 * by hand, and the typed errors for misuse.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArgumentError, EnvError, rl } from '../src/index.js';

/** A deterministic toy environment: the observation counts steps; the episode terminates after `length` steps; reward = action. */
class Counter extends rl.Env<Float32Array, number> {
  readonly observationSpace = new rl.Box<Float32Array>(0, 1000, [2]);
  readonly actionSpace = new rl.Discrete(3);
  t = 0;
  resets = 0;
  constructor(readonly length: number) {
    super();
  }
  protected resetEnv(): [Float32Array, rl.Info] {
    this.t = 0;
    this.resets += 1;
    return [Float32Array.of(0, this.resets), { reset: this.resets }];
  }
  protected stepEnv(action: number): rl.StepResult<Float32Array> {
    this.t += 1;
    return [Float32Array.of(this.t, this.resets), action, this.t >= this.length, false, { t: this.t }];
  }
}

describe('spaces', () => {
  it('Discrete: contains exactly the integers start … start+n−1; seeded samples cover them uniformly', () => {
    const d = new rl.Discrete(3, { start: -1, seed: 5 });
    expect([-1, 0, 1].map((x) => d.contains(x))).toEqual([true, true, true]);
    expect([-2, 2, 0.5, NaN, '0', [0], null].map((x) => d.contains(x))).toEqual([false, false, false, false, false, false, false]);
    const counts = new Map<number, number>();
    for (let i = 0; i < 30000; i++) counts.set(d.sample(), (counts.get(d.sample()) ?? 0) + 1);
    for (const v of [-1, 0, 1]) expect(counts.get(v)! / 30000).toBeCloseTo(1 / 3, 1);
    expect([...counts.keys()].sort()).toEqual([-1, 0, 1]);
    const a = new rl.Discrete(10, { seed: 7 });
    const b = new rl.Discrete(10, { seed: 7 });
    expect(Array.from({ length: 20 }, () => a.sample())).toEqual(Array.from({ length: 20 }, () => b.sample()));
    expect(String(d)).toBe('Discrete(3, start=-1)');
  });

  it('Box: bounded dims sample uniformly, half-bounded ones from a shifted exponential, unbounded ones from N(0, 1)', () => {
    const box = new rl.Box([-2, 0, -Infinity, -Infinity], [2, Infinity, 3, Infinity], undefined, { dtype: 'float64', seed: 1 });
    const n = 20000;
    const sums = [0, 0, 0, 0];
    const sq = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const s = box.sample();
      expect(box.contains(s)).toBe(true);
      s.forEach((v, j) => { sums[j]! += v; sq[j]! += v * v; });
    }
    const mean = sums.map((s) => s / n);
    const variance = sq.map((s, j) => s / n - mean[j]! ** 2);
    // U(−2, 2): mean 0, var 4/3; 0 + Exp(1): mean 1, var 1; 3 − Exp(1): mean 2, var 1; N(0, 1)
    const expected = [[0, 4 / 3], [1, 1], [2, 1], [0, 1]];
    expected.forEach(([m, v], j) => {
      expect(Math.abs(mean[j]! - m!)).toBeLessThan(4 * Math.sqrt(v! / n));
      expect(Math.abs(variance[j]! - v!)).toBeLessThan(0.06);
    });
  });

  it('Box.contains checks length, type, NaN and both bounds, on the value rounded to the box dtype', () => {
    const box = new rl.Box(-1, 1, [2]);
    expect(box.contains([0, 1])).toBe(true);
    expect(box.contains(new Float64Array([-1, 0.5]))).toBe(true);
    expect(box.contains([0, 1.0001])).toBe(false);
    expect(box.contains([0])).toBe(false);
    expect(box.contains([0, NaN])).toBe(false);
    expect(box.contains(['0', 0])).toBe(false);
    expect(box.contains(0)).toBe(false);
    expect(box.sample()).toBeInstanceOf(Float32Array);
    fc.assert(fc.property(fc.array(fc.double(), { minLength: 2, maxLength: 2 }), (x) => {
      expect(box.contains(x)).toBe(x.every((v) => Math.fround(v) >= -1 && Math.fround(v) <= 1));
    }));
    // the value as the box's dtype, as Gymnasium casts it: 0.7 is the float32 bound 0.699999988…
    expect(new rl.Box(0, 0.7, [1]).contains([0.7])).toBe(true);
    expect(new rl.Box(-1, 1, [1]).contains([1 + 2 ** -30])).toBe(true); // rounds to 1 in float32
    expect(new rl.Box(-1, 1, [1], { dtype: 'float64' }).contains([1 + 2 ** -30])).toBe(false);
  });

  it('bad space arguments throw ArgumentErrors', () => {
    expect(() => new rl.Discrete(0)).toThrow(ArgumentError);
    expect(() => new rl.Discrete(2.5)).toThrow(/n must be a positive integer/);
    expect(() => new rl.Box(1, 0, [1])).toThrow(/low <= high/);
    expect(() => new rl.Box(0, 1)).toThrow(/needs a shape/);
    expect(() => new rl.Box([0, 0], [1, 1, 1])).toThrow(/high has 3 elements but shape \[2\] has 2/);
    expect(() => new rl.Box(NaN, 1, [1])).toThrow(ArgumentError);
    expect(() => new rl.Discrete(2).seed(-1)).toThrow('[Discrete.seed] seed must be a non-negative safe integer, got -1');
    expect(() => new rl.Box(0, 1, [1]).seed(0.5)).toThrow(/\[Box\.seed\] seed must be a non-negative safe integer/);
    expect(() => new rl.Discrete(2, { seed: -1 })).toThrow(/\[Discrete\.seed\]/);
  });
});

describe('reset', () => {
  it('a reset rejected for its options leaves the generator as it was: the stream goes on as if it never happened', () => {
    const a = rl.make('CartPole-v1');
    const b = rl.make('CartPole-v1');
    a.reset({ seed: 3 });
    b.reset({ seed: 3 });
    expect(() => a.reset({ seed: 99, options: { low: 1, high: 0 } })).toThrow(/low must be <= high/);
    expect(a.reset()[0]).toEqual(b.reset()[0]);
  });

  it('rl.make is typed for the built-in ids', () => {
    const cartpole: rl.Env<Float32Array, number> = rl.make('CartPole-v1');
    const pendulum: rl.Env<Float32Array, Float32Array> = rl.make('Pendulum-v1');
    expect([cartpole.actionSpace.contains(1), pendulum.actionSpace.contains(Float32Array.of(0))]).toEqual([true, true]);
  });
});

describe('Env order and action checks', () => {
  it('throws EnvError before the first reset and after the episode ended; reset starts over', () => {
    const env = new Counter(2);
    expect(() => env.step(0)).toThrow(EnvError);
    expect(() => env.step(0)).toThrow(/\[Counter\.step\] called before reset/);
    env.reset();
    env.step(1);
    expect(env.step(2)[2]).toBe(true);
    expect(() => env.step(0)).toThrow(/episode has ended/);
    env.reset();
    expect(env.step(0)[0]).toEqual(Float32Array.of(1, 2));
  });

  it('refuses actions outside the action space with an ArgumentError naming the action and the space', () => {
    const env = new Counter(5);
    env.reset();
    for (const bad of [3, -1, 1.5, NaN, '1', [1], null, undefined]) {
      expect(() => env.step(bad as number)).toThrow(ArgumentError);
    }
    expect(() => env.step(3)).toThrow('[Counter.step] action 3 is not in the action space Discrete(3)');
    expect(() => env.step('1' as unknown as number)).toThrow('action "1" (string) is not');
    expect(env.step(2)[1]).toBe(2); // the refused actions did not step
  });

  it('checks reset arguments', () => {
    const env = new Counter(5);
    expect(() => env.reset({ seed: -1 })).toThrow(/seed must be a non-negative safe integer/);
    expect(() => env.reset({ seed: 1.5 })).toThrow(ArgumentError);
    expect(() => env.reset({ sead: 1 } as rl.ResetArgs)).toThrow(/unknown argument "sead"/);
    expect(() => env.reset({ options: [] as unknown as Record<string, unknown> })).toThrow(/options must be an object/);
    expect(() => rl.make('CartPole-v1').reset({ options: { low: 'a' } })).toThrow(/option low must be a finite number/);
    expect(() => rl.make('CartPole-v1').reset({ options: { lo: 0 } })).toThrow(/unknown option "lo"/);
  });

  it('seeds: reset({ seed }) restarts the generator, later resets continue its stream', () => {
    const a = rl.make('CartPole-v1');
    const b = rl.make('CartPole-v1');
    const firstA = a.reset({ seed: 3 })[0];
    const secondA = a.reset()[0];
    expect(b.reset({ seed: 3 })[0]).toEqual(firstA);
    expect(b.reset()[0]).toEqual(secondA);
    expect(secondA).not.toEqual(firstA);
  });
});

describe('wrappers', () => {
  it('TimeLimit truncates at maxEpisodeSteps (also when that step terminates: both flags true), and counts steps per episode', () => {
    const env = new rl.TimeLimit(new Counter(10), 3);
    env.reset();
    expect(env.step(0).slice(2, 4)).toEqual([false, false]);
    expect(env.step(0).slice(2, 4)).toEqual([false, false]);
    expect(env.step(0).slice(2, 4)).toEqual([false, true]);
    expect(env.elapsedSteps).toBe(3);
    expect(() => env.step(0)).toThrow(EnvError);
    env.reset();
    expect(env.elapsedSteps).toBe(0);
    const both = new rl.TimeLimit(new Counter(2), 2);
    both.reset();
    both.step(0);
    expect(both.step(0).slice(2, 4)).toEqual([true, true]); // Gymnasium reports both
    expect(() => new rl.TimeLimit(new Counter(2), 0)).toThrow(ArgumentError);
  });

  it('make wraps in the registered TimeLimit; CartPole-v1 is truncated at 500 steps', () => {
    const env = rl.make('CartPole-v1');
    expect(env).toBeInstanceOf(rl.TimeLimit);
    expect(env.spec).toMatchObject({ id: 'CartPole-v1', maxEpisodeSteps: 500, rewardThreshold: 475 });
    expect(env.unwrapped).toBeInstanceOf(rl.CartPoleEnv);
    // balance with a hand-written controller (push towards where the pole falls) until the limit
    let [obs] = env.reset({ seed: 0 }) as [Float32Array, rl.Info];
    let steps = 0;
    let result: rl.StepResult<unknown>;
    do {
      result = env.step(obs[2]! + 0.5 * obs[3]! + 0.01 * obs[0]! + 0.1 * obs[1]! > 0 ? 1 : 0);
      obs = result[0] as Float32Array;
      steps++;
    } while (!result[2] && !result[3]);
    expect([steps, result[2], result[3]]).toEqual([500, false, true]);
    expect(rl.make('CartPole-v1', { maxEpisodeSteps: null })).toBeInstanceOf(rl.CartPoleEnv);
    expect((rl.make('Pendulum-v1', { maxEpisodeSteps: 7 }) as rl.TimeLimit<unknown, unknown>).maxEpisodeSteps).toBe(7);
  });

  it('RecordEpisodeStatistics reports return and length on the last step and keeps the last bufferLength', () => {
    const env = new rl.RecordEpisodeStatistics(new Counter(3), { bufferLength: 2 });
    const episodes: rl.EpisodeStatistics[] = [];
    for (const actions of [[1, 2, 2], [0, 0, 1], [2, 2, 2]]) {
      env.reset();
      actions.forEach((a, k) => {
        const info = env.step(a)[4];
        if (k < 2) expect(info.episode).toBeUndefined();
        else episodes.push(info.episode as rl.EpisodeStatistics);
      });
    }
    expect(episodes.map((e) => [e.r, e.l])).toEqual([[5, 3], [1, 3], [6, 3]]);
    expect(episodes.every((e) => e.t >= 0 && e.t < 5)).toBe(true);
    expect(env.returnQueue).toEqual([1, 6]);
    expect(env.lengthQueue).toEqual([3, 3]);
    expect(env.episodeCount).toBe(3);
    // wrapping twice (directly or under another wrapper) is refused at once, not at the first episode's end
    expect(() => new rl.RecordEpisodeStatistics(env)).toThrow('[RecordEpisodeStatistics] the environment is already wrapped in RecordEpisodeStatistics: wrap it once');
    expect(() => new rl.RecordEpisodeStatistics(new rl.TimeLimit(env, 10))).toThrow(/already wrapped/);
  });

  it('RunningMeanStd matches the mean and variance of everything seen (after the epsilon prior)', () => {
    const stats = new rl.RunningMeanStd(2, 1e-12);
    const rows = [[1, 10], [2, 20], [4, 40], [7, -5], [0, 0]];
    stats.update(rows.slice(0, 2).flat(), 2);
    for (const r of rows.slice(2)) stats.update(r);
    for (let j = 0; j < 2; j++) {
      const col = rows.map((r) => r[j]!);
      const m = col.reduce((a, b) => a + b) / col.length;
      const v = col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length;
      expect(stats.mean[j]).toBeCloseTo(m, 9);
      expect(stats.var[j]).toBeCloseTo(v, 8);
    }
    expect(() => stats.update([1, 2, 3])).toThrow(/expected 1 × 2 = 2 numbers, got 3/);
  });

  it('NormalizeObservation standardises with the statistics including the current observation, and can freeze them', () => {
    const env = new rl.NormalizeObservation(new Counter(100));
    const seen: number[][] = [];
    const [first] = env.reset();
    seen.push([0, 1]);
    expect(first[0]).toBe(0); // one sample (plus the 1e-4 prior at mean 0): x − mean = 0
    for (let k = 1; k <= 5; k++) {
      const [obs] = env.step(0);
      seen.push([k, 1]);
      const col = seen.map((r) => r[0]!);
      const n = col.length + 1e-4;
      const m = col.reduce((a, b) => a + b) / n; // the prior contributes mean 0 with weight 1e-4
      const v = (1e-4 * (1 + m * m) + col.reduce((a, b) => a + (b - m) ** 2, 0)) / n;
      expect(obs[0]).toBeCloseTo((k - m) / Math.sqrt(v + 1e-8), 4);
    }
    env.updateRunningMean = false;
    const before = Float64Array.from(env.obsRms.mean);
    env.step(0);
    expect(env.obsRms.mean).toEqual(before);
    expect(env.observationSpace.contains([1e9, -1e9])).toBe(true);
    expect(() => new rl.NormalizeObservation(rl.make('CartPole-v1') as never)).not.toThrow();
  });
});

describe('SyncVectorEnv', () => {
  const make = (lengths: number[], mode?: rl.AutoresetMode): rl.SyncVectorEnv =>
    new rl.SyncVectorEnv(lengths.map((l) => () => new Counter(l)), mode === undefined ? {} : { autoresetMode: mode });

  it("'next-step' (Gymnasium 1.x's default): the step after an ended episode resets that copy, with reward 0 and its action ignored", () => {
    const envs = make([1, 2]);
    const [obs0] = envs.reset({ seed: 4 });
    expect(Array.from(obs0)).toEqual([0, 1, 0, 1]);
    let [obs, rewards, terminated, truncated, infos] = envs.step([2, 1]);
    expect(Array.from(obs)).toEqual([1, 1, 1, 1]);
    expect(Array.from(rewards)).toEqual([2, 1]);
    expect(terminated).toEqual([true, false]);
    expect(truncated).toEqual([false, false]);
    [obs, rewards, terminated, , infos] = envs.step([2, 1]);
    expect(Array.from(obs)).toEqual([0, 2, 2, 1]); // copy 0 reset (second episode), copy 1 stepped and ended
    expect(Array.from(rewards)).toEqual([0, 1]);
    expect(terminated).toEqual([false, true]);
    expect(infos[0]).toEqual({ reset: 2 });
    [obs, rewards, terminated] = envs.step([1, 2]);
    expect(Array.from(obs)).toEqual([1, 2, 0, 2]);
    expect(Array.from(rewards)).toEqual([1, 0]);
    expect(terminated).toEqual([true, false]);
  });

  it("'same-step': the ending step returns the reset observation and puts the last one in infos[i].finalObs", () => {
    const envs = make([1, 2], 'same-step');
    envs.reset();
    const [obs, rewards, terminated, , infos] = envs.step([2, 1]);
    expect(Array.from(obs)).toEqual([0, 2, 1, 1]);
    expect(Array.from(rewards)).toEqual([2, 1]);
    expect(terminated).toEqual([true, false]);
    expect(Array.from(infos[0]!.finalObs as Float32Array)).toEqual([1, 1]);
    expect(infos[0]!.finalInfo).toEqual({ t: 1 });
    expect(infos[0]!.reset).toBe(2);
    expect(infos[1]).toEqual({ t: 1 });
  });

  it('seeds copy i with seed + i, as Gymnasium does', () => {
    const envs = rl.makeVec('CartPole-v1', 3);
    const [obs] = envs.reset({ seed: 10 });
    for (let i = 0; i < 3; i++) {
      expect(obs.subarray(i * 4, i * 4 + 4)).toEqual(rl.make('CartPole-v1').reset({ seed: 10 + i })[0]);
    }
  });

  it('takes Box actions as one array per copy or one flat array', () => {
    const a = rl.makeVec('Pendulum-v1', 2);
    const b = rl.makeVec('Pendulum-v1', 2);
    a.reset({ seed: 1 });
    b.reset({ seed: 1 });
    const ra = a.step([Float32Array.of(0.5), Float32Array.of(-1)]);
    const rb = b.step(Float32Array.of(0.5, -1));
    expect(ra[0]).toEqual(rb[0]);
    expect(ra[1]).toEqual(rb[1]);
  });

  it('errors: step before reset, wrong number of actions, an invalid action, mismatched copies, bad options', () => {
    const envs = make([3, 3]);
    expect(() => envs.step([0, 0])).toThrow(EnvError);
    envs.reset();
    expect(() => envs.step([0])).toThrow('[SyncVectorEnv.step] expected 2 actions (one per copy), got 1');
    // no copy steps when one action is bad: copy 0 is still at its first step afterwards
    expect(() => envs.step([1, 5])).toThrow('[SyncVectorEnv.step] actions[1] = 5 is not in the action space Discrete(3)');
    expect(() => envs.step([Number.NaN, 0])).toThrow(/actions\[0\] = NaN is not in the action space/);
    expect((envs.envs[0] as Counter).t).toBe(0);
    expect(() => envs.step(7 as unknown as number[])).toThrow(ArgumentError);
    expect(() => new rl.SyncVectorEnv([])).toThrow(ArgumentError);
    expect(() => new rl.SyncVectorEnv([() => rl.make('CartPole-v1'), () => rl.make('Acrobot-v1')])).toThrow(/same spaces/);
    expect(() => make([1], 'eventually' as rl.AutoresetMode)).toThrow(/autoresetMode must be/);
    expect(() => rl.makeVec('CartPole-v1', 0)).toThrow(/numEnvs must be a positive integer/);
  });
});

describe('registry', () => {
  it('lists the classic-control environments and builds them with options', () => {
    expect(rl.registeredEnvs()).toEqual(expect.arrayContaining(['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'Pendulum-v1']));
    expect(() => rl.make('CartPole-v0')).toThrow(/no environment "CartPole-v0"; registered: CartPole-v1/);
    expect(() => rl.make('CartPole-v1', { maxEpisodeSteps: -1 })).toThrow(/maxEpisodeSteps must be a positive integer or null/);
    expect(() => rl.make('CartPole-v1', { gravity: 3 })).toThrow(/unknown option "gravity"/);
    rl.register('Counter-v0', { create: () => new Counter(4), maxEpisodeSteps: 2 });
    const env = rl.make('Counter-v0');
    expect(env.spec?.id).toBe('Counter-v0');
    env.reset();
    env.step(0);
    expect(env.step(0)[3]).toBe(true);
    expect(() => rl.register('Counter-v0', { create: () => new Counter(4) })).toThrow(/already registered/);
    expect(() => rl.register('bad id', { create: () => new Counter(4) })).toThrow(ArgumentError);
  });
});
