/**
 * Anomaly mode (`detectAnomaly`): the first forward op that makes NaN/Inf out of finite inputs, and
 * the backward rule that returns a NaN/Inf gradient, are named with shapes (and, in backward, where
 * the forward op was created); off, nothing changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnomalyError, detectAnomaly, manualSeed, isAnomalyEnabled, nn, randn, setDetectAnomaly, tensor, zeros, type Tensor,
} from '../src/index.js';
import { expectError, values } from './helpers/expect.js';

afterEach(() => setDetectAnomaly(false));

describe('anomaly mode: forward', () => {
  it('log(0)·0 is reported at log, the op that first made a non-finite value, with its shapes', () => {
    const x = tensor([1, 0]);
    expectError(() => detectAnomaly(() => x.log().mul(0)), AnomalyError,
      '[log] the forward produced -Infinity (float32 [2] output, first at flat index 1) from inputs without NaN or Inf: input 0 float32 [2]');
  });

  it('0/0 is reported at div, naming both input shapes and dtypes', () => {
    const a = zeros([2, 3], { dtype: 'float64' });
    const b = tensor([1, 0, 2], { dtype: 'float64' });
    expectError(() => detectAnomaly(() => a.div(b)), AnomalyError,
      '[div] the forward produced NaN (float64 [2,3] output, first at flat index 1) from inputs without NaN or Inf: input 0 float64 [2,3], input 1 float64 [3]');
  });

  it('an op whose input already had NaN/Inf is not blamed, and integer results are not checked', () => {
    expect(values(detectAnomaly(() => tensor([NaN, 1]).add(1)))).toEqual([NaN, 2]);
    expect(values(detectAnomaly(() => tensor([-Infinity, 0]).exp()))).toEqual([0, 1]);
    expect(values(detectAnomaly(() => tensor([3, 4], { dtype: 'int32' }).add(1)))).toEqual([4, 5]);
  });

  it('scans strided views element by element: a NaN outside the view is not in the input', () => {
    const v = tensor([[0, NaN], [5, NaN]]).narrow(1, 0, 1); // [[0], [5]], row stride 2
    expectError(() => detectAnomaly(() => v.div(v)), AnomalyError,
      '[div] the forward produced NaN (float32 [2,1] output, first at flat index 0) from inputs without NaN or Inf: input 0 float32 [2,1], input 1 float32 [2,1]');
    const w = tensor([[1, 2], [NaN, 3]]).t(); // [[1, NaN], [2, 3]]: the NaN is in the view
    expect(values(detectAnomaly(() => w.div(0))).map(Number.isFinite)).toEqual([false, false, false, false]);
  });
});

describe('anomaly mode: backward', () => {
  it('sqrt at 0 gives an Inf gradient: reported at sqrt with shapes and the stack where sqrt was created', () => {
    const x = tensor([0, 4], { requiresGrad: true });
    let message = '';
    try {
      detectAnomaly(() => x.sqrt().mul(2).sum().backward());
    } catch (e) {
      expect(e).toBeInstanceOf(AnomalyError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^\[sqrt\] the backward produced Infinity in the gradient for input 0 \(float32 \[2\], first at flat index 0; input 0 is float32 \[2\], the output gradient float32 \[2\]\); the forward op was created at:\n/);
    expect(message).toMatch(/anomaly\.test\.ts/);
  });

  it('a forward recorded with the mode off still gets its backward checked, saying the stack is unknown', () => {
    const x = tensor([0], { requiresGrad: true });
    const y = x.sqrt().sum();
    expectError(() => detectAnomaly(() => y.backward()), AnomalyError, /^\[sqrt\] .*the forward op was created while anomaly mode was off/);
  });
});

describe('anomaly mode: off, and nesting', () => {
  it('is off by default; with it off NaN/Inf pass silently', () => {
    expect(isAnomalyEnabled()).toBe(false);
    expect(values(tensor([0]).log().mul(0))).toEqual([NaN]);
    const x = tensor([0], { requiresGrad: true });
    x.sqrt().sum().backward();
    expect(values(x.grad!)).toEqual([Infinity]);
  });

  it('gives exactly the same values and gradients on or off', () => {
    const run = (): number[][] => {
      manualSeed(5);
      const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 2));
      const x = randn([3, 4]);
      const loss = (model.forward(x) as Tensor).square().mean();
      loss.backward();
      return [values(loss), ...model.parameters().map((p) => values(p.grad!))];
    };
    const off = run();
    const on = detectAnomaly(run);
    expect(on).toEqual(off);
  });

  it('returns what fn returns, nests, and restores the previous mode when fn throws', () => {
    expect(detectAnomaly(() => 42)).toBe(42);
    detectAnomaly(() => {
      detectAnomaly(() => expect(isAnomalyEnabled()).toBe(true));
      expect(isAnomalyEnabled()).toBe(true);
    });
    expect(isAnomalyEnabled()).toBe(false);
    expect(() => detectAnomaly(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(isAnomalyEnabled()).toBe(false);
    setDetectAnomaly(true);
    expect(() => detectAnomaly(() => tensor([0]).log())).toThrow(AnomalyError);
    expect(isAnomalyEnabled()).toBe(true);
    setDetectAnomaly(false);
    expect(isAnomalyEnabled()).toBe(false);
  });
});
