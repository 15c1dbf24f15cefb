import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GradcheckError, Value, scalar } from '../src/index.js';

/**
 * Random expression trees over every Value op. Ops with a restricted domain get arguments that
 * stay inside it (log(u² + 0.5), a/(b² + 0.5), ...); kinks (relu, abs) are filtered out when an
 * argument lands within 1e-3 of 0, so the central differences stay meaningful.
 */
type Expr =
  | { op: 'x'; i: number }
  | { op: 'const'; c: number }
  | { op: 'neg' | 'exp' | 'log' | 'tanh' | 'sigmoid' | 'relu' | 'sin' | 'cos' | 'sqrt' | 'abs'; a: Expr }
  | { op: 'powc'; a: Expr; c: number }
  | { op: 'add' | 'sub' | 'mul' | 'div' | 'powv'; a: Expr; b: Expr };

const N_INPUTS = 3;
const UNARY = ['neg', 'exp', 'log', 'tanh', 'sigmoid', 'relu', 'sin', 'cos', 'sqrt', 'abs'] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'powv'] as const;

// integer-derived values shrink to readable counterexamples
const small = (lo: number, hi: number): fc.Arbitrary<number> => fc.integer({ min: lo * 100, max: hi * 100 }).map((k) => k / 100);

const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'expr' },
    fc.record({ op: fc.constant('x' as const), i: fc.integer({ min: 0, max: N_INPUTS - 1 }) }),
    fc.record({ op: fc.constant('const' as const), c: small(-2, 2) }),
    fc.record({ op: fc.constantFrom(...UNARY), a: tie('expr') }),
    fc.record({ op: fc.constant('powc' as const), a: tie('expr'), c: small(-2, 3) }),
    fc.record({ op: fc.constantFrom(...BINARY), a: tie('expr'), b: tie('expr') }),
  ),
})).expr;

/** Builds the expression; `kinks` collects the arguments of relu and abs. */
function build(e: Expr, xs: readonly Value[], kinks: number[]): Value {
  switch (e.op) {
    case 'x':
      return xs[e.i]!;
    case 'const':
      return new Value(e.c);
    case 'powc':
      return positive(build(e.a, xs, kinks)).pow(e.c);
    case 'add':
    case 'sub':
    case 'mul':
      return build(e.a, xs, kinks)[e.op](build(e.b, xs, kinks));
    case 'div':
      return build(e.a, xs, kinks).div(positive(build(e.b, xs, kinks)));
    case 'powv':
      return positive(build(e.a, xs, kinks)).pow(build(e.b, xs, kinks).tanh());
    case 'log':
    case 'sqrt':
      return positive(build(e.a, xs, kinks))[e.op]();
    case 'relu':
    case 'abs': {
      const a = build(e.a, xs, kinks);
      kinks.push(a.data);
      return a[e.op]();
    }
    default:
      return build(e.a, xs, kinks)[e.op]();
  }
}

/** u² + 0.5: keeps log, sqrt, division and powers away from 0 and negatives. */
function positive(u: Value): Value {
  return u.mul(u).add(0.5);
}

function show(e: Expr): string {
  switch (e.op) {
    case 'x':
      return `x${e.i}`;
    case 'const':
      return String(e.c);
    case 'powc':
      return `(${show(e.a)})**${e.c}`;
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'powv':
      return `${e.op}(${show(e.a)}, ${show(e.b)})`;
    default:
      return `${e.op}(${show(e.a)})`;
  }
}

describe('Value: property test against central differences', () => {
  it('random expression trees have analytic gradients equal to numerical ones', () => {
    fc.assert(
      fc.property(exprArb, fc.array(small(-2, 2), { minLength: N_INPUTS, maxLength: N_INPUTS }), (expr, inputs) => {
        const kinks: number[] = [];
        const leaves = inputs.map((x) => new Value(x));
        let out: Value;
        try {
          out = build(expr, leaves, kinks);
        } catch {
          return true; // overflow to ±∞ followed by ∞−∞ is a domain error, tested elsewhere
        }
        fc.pre(Number.isFinite(out.data) && Math.abs(out.data) < 1e4);
        fc.pre(kinks.every((k) => Math.abs(k) > 1e-3));
        // NOTE: central differences lose their relative accuracy where the function varies fast (cos of an
        // argument in the thousands: a gradient of −3,219 was off by 1e-4 relative): such points are skipped
        out.backward();
        fc.pre(leaves.every((x) => Math.abs(x.grad) < 1e3));
        try {
          scalar.gradcheckValue((...xs) => build(expr, xs, []), inputs, { atol: 1e-5, rtol: 1e-4 });
        } catch (err) {
          throw new Error(`${show(expr)} at ${JSON.stringify(inputs)}: ${(err as Error).message}`);
        }
        return true;
      }),
      { numRuns: 400 },
    );
  });
});

describe('gradcheckValue', () => {
  it('returns analytic and numeric gradients that agree for a correct function', () => {
    const r = scalar.gradcheckValue((a, b) => a.mul(b).tanh(), [0.3, -1.2]);
    const t = Math.tanh(0.3 * -1.2);
    expect(r.ok).toBe(true);
    expect(r.value).toBeCloseTo(t, 14);
    expect(r.analytic[0]).toBeCloseTo((1 - t * t) * -1.2, 12);
    expect(r.numeric[1]).toBeCloseTo((1 - t * t) * 0.3, 8);
  });

  it('throws a GradcheckError naming the input and both values when a gradient is wrong', () => {
    // a.mul(a.data) treats the second factor as a constant: analytic 3, numeric 6
    const wrong = function square(a: Value, b: Value): Value {
      return a.mul(a.data).add(b);
    };
    expect(() => scalar.gradcheckValue(wrong, [3, 1])).toThrow(GradcheckError);
    expect(() => scalar.gradcheckValue(wrong, [3, 1])).toThrow(/gradient mismatch for input 0 of 'square' at inputs \[3,1\]: numeric=6\.0000\d* analytic=3/);
    const report = scalar.gradcheckValue(wrong, [3, 1], { throwOnFailure: false });
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([0]);
  });

  it('rejects bad tolerances', () => {
    expect(() => scalar.gradcheckValue((a) => a, [1], { eps: 0 })).toThrow('[gradcheckValue] eps must be > 0');
  });
});
