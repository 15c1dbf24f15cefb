import { describe, expect, it } from 'vitest';
import { ArgumentError, DomainError, Value, value } from '../src/index.js';

describe('Value: hand-computed cases', () => {
  it('a value reused (x·x) receives both contributions', () => {
    const x = new Value(3);
    const y = x.mul(x);
    y.backward();
    expect(y.data).toBe(9);
    expect(x.grad).toBe(6);
  });

  it('b = a+a, c = b+b gives dc/da = 4', () => {
    const a = new Value(-4);
    const b = a.add(a);
    const c = b.add(b);
    c.backward();
    expect(c.data).toBe(-16);
    expect(b.grad).toBe(2);
    expect(a.grad).toBe(4);
  });

  it('a diamond: d = (2a)·(a+1) gives dd/da = 2(a+1) + 2a', () => {
    const a = new Value(3);
    const d = a.mul(2).mul(a.add(1));
    d.backward();
    expect(d.data).toBe(24);
    expect(a.grad).toBe(2 * 4 + 2 * 3);
  });

  it('an unused input keeps grad 0', () => {
    const a = new Value(1.5);
    const unused = new Value(7);
    a.tanh().backward();
    expect(unused.grad).toBe(0);
  });

  it('micrograd sanity expression: values and gradients', () => {
    // micrograd's test_more_ops, evaluated by hand: a=-4, b=2
    const a = new Value(-4);
    const b = new Value(2);
    let c = a.add(b); // -2
    let d = a.mul(b).add(b.pow(3)); // -8 + 8 = 0
    c = c.add(c.add(1)); // -2 + -1 = -3
    c = c.add(c.add(1)).add(a.neg()); // -3 + -2 + 4 = -1
    d = d.add(d.mul(2)).add(b.add(a).relu()); // 0 + 0 + 0 = 0
    d = d.add(d.mul(3)).add(b.sub(a).relu()); // 0 + 0 + 6 = 6
    const e = c.sub(d); // -7
    const f = e.pow(2); // 49
    let g = f.div(2); // 24.5
    g = g.add(new Value(10).div(f)); // 24.5 + 10/49
    g.backward();
    expect(g.data).toBeCloseTo(24.5 + 10 / 49, 12);
    // c = 3a + 4b + 3            → dc/da = 3,  dc/db = 4
    // d = 12(ab + b³) + 4·relu(a + b) + relu(b − a), with a + b < 0 and b − a > 0
    //                               → dd/da = 12b − 1 = 23,  dd/db = 12(a + 3b²) + 1 = 97
    // e = c − d, f = e², g = f/2 + 10/f → dg/de = (1/2 − 10/f²)·2e
    const dgde = (0.5 - 10 / 49 ** 2) * 2 * -7;
    expect(a.grad).toBeCloseTo(dgde * (3 - 23), 10);
    expect(b.grad).toBeCloseTo(dgde * (4 - 97), 10);
    expect(a.grad).toBeCloseTo(138.83381924198252, 10); // the value PyTorch gives (micrograd's test)
  });

  it('a deep chain of 1,000,000 nodes does not overflow the stack', () => {
    const x = new Value(1);
    const c = new Value(1.000001);
    let y = x;
    for (let i = 0; i < 1_000_000; i++) y = y.mul(c);
    y.backward();
    const expected = 1.000001 ** 1_000_000; // ≈ e^0.9999995
    expect(y.data).toBeCloseTo(expected, 6);
    expect(x.grad).toBeCloseTo(expected, 6);
    expect(c.grad / (1_000_000 * 1.000001 ** 999_999)).toBeCloseTo(1, 6); // d(x·cⁿ)/dc = n·cⁿ⁻¹
  });

  it('pow with a Value exponent: d(aᵇ)/da = b·aᵇ⁻¹ and d(aᵇ)/db = aᵇ·ln a', () => {
    const a = new Value(2);
    const b = new Value(3);
    const y = a.pow(b);
    y.backward();
    expect(y.data).toBe(8);
    expect(a.grad).toBe(12);
    expect(b.grad).toBeCloseTo(8 * Math.log(2), 14);
  });

  it('pow edge cases: x⁰ at 0 has gradient 0; a Value exponent at base 0 has gradient 0', () => {
    const x = new Value(0);
    x.pow(0).backward();
    expect(x.grad).toBe(0);
    const a = new Value(0);
    const b = new Value(2);
    a.pow(b).backward();
    expect(b.grad).toBe(0);
    expect(a.grad).toBe(0);
  });

  it('unary ops: values and derivatives at a point', () => {
    const x0 = 0.7;
    const cases: [string, (v: Value) => Value, number, number][] = [
      ['exp', (v) => v.exp(), Math.exp(x0), Math.exp(x0)],
      ['log', (v) => v.log(), Math.log(x0), 1 / x0],
      ['tanh', (v) => v.tanh(), Math.tanh(x0), 1 / Math.cosh(x0) ** 2],
      ['sigmoid', (v) => v.sigmoid(), 1 / (1 + Math.exp(-x0)), Math.exp(-x0) / (1 + Math.exp(-x0)) ** 2],
      ['relu', (v) => v.relu(), x0, 1],
      ['sin', (v) => v.sin(), Math.sin(x0), Math.cos(x0)],
      ['cos', (v) => v.cos(), Math.cos(x0), -Math.sin(x0)],
      ['sqrt', (v) => v.sqrt(), Math.sqrt(x0), 0.5 / Math.sqrt(x0)],
      ['abs', (v) => v.neg().abs(), x0, 1],
      ['neg', (v) => v.neg(), -x0, -1],
      ['pow', (v) => v.pow(-1.5), x0 ** -1.5, -1.5 * x0 ** -2.5],
    ];
    for (const [name, f, y, dy] of cases) {
      const x = new Value(x0);
      const out = f(x);
      out.backward();
      expect(out.data, name).toBeCloseTo(y, 14);
      expect(x.grad, name).toBeCloseTo(dy, 13);
    }
  });

  it('kinks: relu and abs at exactly 0 have gradient 0; relu of a negative is 0 with gradient 0', () => {
    for (const f of [(v: Value) => v.relu(), (v: Value) => v.abs()]) {
      const x = new Value(0);
      f(x).backward();
      expect(x.grad).toBe(0);
    }
    const n = new Value(-2);
    const r = n.relu();
    r.backward();
    expect(r.data).toBe(0);
    expect(n.grad).toBe(0);
  });

  it('numbers are accepted as operands and become constant leaves', () => {
    const x = value(2);
    const y = x.mul(3).add(1).sub(0.5).div(2); // (6 + 1 − 0.5) / 2
    y.backward();
    expect(y.data).toBe(3.25);
    expect(x.grad).toBe(1.5);
  });
});

describe('Value: accumulation semantics', () => {
  it('a second backward adds the same gradients to the leaves (not more)', () => {
    const a = new Value(2);
    const b = new Value(-3);
    const e = new Value(5);
    const d = a.mul(b).mul(e);
    d.backward();
    expect(a.grad).toBe(-15);
    d.backward();
    expect(a.grad).toBe(-30); // PyTorch's accumulation; micrograd's resetting-free loop would give -45
    expect(b.grad).toBe(20);
    expect(d.grad).toBe(1); // intermediate values show the latest call only
  });

  it('gradients accumulate across different graphs until zeroGrad', () => {
    const w = new Value(3);
    w.mul(2).backward();
    w.mul(w).backward();
    expect(w.grad).toBe(2 + 6);
    const loss = w.mul(4);
    loss.zeroGrad();
    expect(w.grad).toBe(0);
    expect(loss.grad).toBe(0);
  });

  it('toString prints data and grad', () => {
    const x = new Value(2);
    x.mul(x).backward();
    expect(String(x)).toBe('Value(data=2, grad=4)');
  });
});

describe('Value: errors', () => {
  it('rejects non-number data and NaN', () => {
    expect(() => new Value('a' as unknown as number)).toThrow(ArgumentError);
    expect(() => new Value('a' as unknown as number)).toThrow('[Value] data must be a number (not NaN), got "a"');
    expect(() => new Value(Number.NaN)).toThrow(ArgumentError);
  });

  it('rejects non-number operands, naming the op', () => {
    expect(() => value(1).add('2' as unknown as number)).toThrow('[add] operand must be a Value or a number (not NaN), got "2"');
    expect(() => value(1).pow(Number.NaN)).toThrow(ArgumentError);
  });

  it('throws DomainError where the result would be NaN', () => {
    expect(() => value(-1).log()).toThrow(DomainError);
    expect(() => value(-1).log()).toThrow("[log] input (-1) is outside the op's domain");
    expect(() => value(-4).sqrt()).toThrow(DomainError);
    expect(() => value(-8).pow(1 / 3)).toThrow(DomainError);
    expect(() => value(Infinity).sub(Infinity)).toThrow('[-] input (Infinity, Infinity)');
  });

  it('a Value exponent needs a non-negative base', () => {
    expect(() => value(-2).pow(value(2))).toThrow('[pow] base must be >= 0 when the exponent is a Value');
  });

  it('log(0) is −∞, not an error', () => {
    expect(value(0).log().data).toBe(-Infinity);
  });
});
