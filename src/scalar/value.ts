/**
 * `Value`: the scalar autodiff engine, small enough to read in one sitting.
 *
 * Every op computes its result and records its parents, an op label and its local gradient
 * rule: a function that applies the chain rule from the output's grad into the parents' grads
 * (`parent.grad += d(out)/d(parent) · out.grad`). `backward()` orders the graph topologically
 * (iteratively, so million-node chains work) and runs those rules from the output back to the leaves.
 *
 * NOTE: each op's rule is one shared function that receives the output node, not a new closure per
 * node as in micrograd. A per-node closure created by a rarely called op (say one `div` per step)
 * kept whole graphs alive across scavenges in V8 (lazy feedback allocation), which made W6 about 4×
 * slower: 9.3 vs 2.3 ms per step, measured. Shared rules allocate nothing and read the same way.
 */
import { ArgumentError, DomainError, fmt } from '../base/errors.js';
import { VALUE_BRAND } from '../base/value-brand.js';

/** A `Value` or a plain number; numbers become constant leaves. */
export type Scalar = Value | number;

/** A local gradient rule: adds d(out)/d(parent) · out.grad into each parent's grad. */
export type GradRule = (out: Value) => void;

let visitEpoch = 0;

/**
 * A scalar that remembers how it was computed, so that `backward()` can fill in `grad`.
 *
 * Semantics follow PyTorch: leaves (values built with `new Value`) accumulate gradients across
 * `backward()` calls until `zeroGrad()`; a value used twice receives both contributions.
 * NOTE: a second `backward()` through the same graph is allowed (the graph is never freed) and adds
 * the same gradients to the leaves again; intermediate values show the gradient of the latest call only.
 * @example
 * const a = new Value(2, 'a');
 * const b = new Value(-3, 'b');
 * const c = a.mul(b).add(a.pow(2)); // c = a·b + a² = -2
 * c.backward();
 * a.grad; // b + 2a = 1
 * b.grad; // a = 2
 */
export class Value {
  /** The number this value holds. */
  data: number;
  /** d(output of the latest backward)/d(this value). */
  grad = 0;
  /** A name shown in graph drawings. */
  label: string;
  /** The op that produced this value ('' for a leaf). */
  _op = '';
  /**
   * The values this one was computed from, in two fields (Value ops are unary or binary).
   * NOTE: not an array per node: V8 pretenures such arrays into the old generation, which made
   * W6 about 4× slower (8.1 vs 1.8 ms per step, measured with and without the arrays).
   */
  _left: Value | null = null;
  _right: Value | null = null;
  /** The op's local gradient rule; null for leaves. */
  _backward: GradRule | null = null;
  /** Visit mark used by the topological sort. */
  _mark = 0;

  constructor(data: number, label = '') {
    if (typeof data !== 'number' || Number.isNaN(data)) {
      throw new ArgumentError(`[Value] data must be a number (not NaN), got ${fmt(data)}`);
    }
    this.data = data;
    this.label = label;
  }

  /** The values this one was computed from: none for a leaf, one or two for an op's output. */
  get _parents(): Value[] {
    if (this._left === null) return [];
    return this._right === null ? [this._left] : [this._left, this._right];
  }

  /** Builds an op's output: its result, label, gradient rule and parents. */
  private static result(op: string, y: number, rule: GradRule, left: Value, right: Value | null = null): Value {
    if (Number.isNaN(y)) {
      const args = right === null ? fmt(left.data) : `${fmt(left.data)}, ${fmt(right.data)}`;
      throw new DomainError(`[${op}] input (${args}) is outside the op's domain: the result would be NaN`);
    }
    const out = new Value(y);
    out._op = op;
    out._backward = rule;
    out._left = left;
    out._right = right;
    return out;
  }

  add(other: Scalar): Value {
    const o = toValue(other, 'add');
    return Value.result('+', this.data + o.data, addRule, this, o);
  }

  sub(other: Scalar): Value {
    const o = toValue(other, 'sub');
    return Value.result('-', this.data - o.data, subRule, this, o);
  }

  mul(other: Scalar): Value {
    const o = toValue(other, 'mul');
    return Value.result('*', this.data * o.data, mulRule, this, o);
  }

  div(other: Scalar): Value {
    const o = toValue(other, 'div');
    return Value.result('/', this.data / o.data, divRule, this, o);
  }

  neg(): Value {
    return Value.result('neg', -this.data, negRule, this);
  }

  /**
   * `this ** exponent`. With a number exponent only the base gets a gradient (the exponent is kept
   * as a constant parent); with a `Value` exponent both do, which needs a base >= 0 (d/db aᵇ = aᵇ·ln a).
   */
  pow(exponent: Scalar): Value {
    if (typeof exponent === 'number') {
      const e = toValue(exponent, 'pow');
      return Value.result('**', this.data ** exponent, powNumberRule, this, e);
    }
    const e = toValue(exponent, 'pow');
    if (this.data < 0) {
      throw new DomainError(`[pow] base must be >= 0 when the exponent is a Value (d/db a^b = a^b·ln a), got base ${fmt(this.data)}`);
    }
    return Value.result('**', this.data ** e.data, powValueRule, this, e);
  }

  exp(): Value {
    return Value.result('exp', Math.exp(this.data), expRule, this);
  }

  log(): Value {
    return Value.result('log', Math.log(this.data), logRule, this);
  }

  tanh(): Value {
    return Value.result('tanh', Math.tanh(this.data), tanhRule, this);
  }

  sigmoid(): Value {
    return Value.result('sigmoid', 1 / (1 + Math.exp(-this.data)), sigmoidRule, this);
  }

  relu(): Value {
    return Value.result('relu', this.data > 0 ? this.data : 0, reluRule, this);
  }

  sin(): Value {
    return Value.result('sin', Math.sin(this.data), sinRule, this);
  }

  cos(): Value {
    return Value.result('cos', Math.cos(this.data), cosRule, this);
  }

  sqrt(): Value {
    return Value.result('sqrt', Math.sqrt(this.data), sqrtRule, this);
  }

  abs(): Value {
    return Value.result('abs', Math.abs(this.data), absRule, this);
  }

  /**
   * Fills `grad` of every value this one depends on with d(this)/d(value), by the chain rule
   * over a topological order. Leaves accumulate; intermediate values are reset first.
   * @example
   * const x = new Value(3);
   * const y = x.mul(x);
   * y.backward();
   * x.grad; // 6
   */
  backward(): void {
    const order = topologicalOrder(this);
    for (const v of order) if (v._backward !== null) v.grad = 0;
    this.grad += 1;
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i]!;
      node._backward?.(node);
    }
  }

  /**
   * Sets `grad` to 0 on this value and on every value it was computed from.
   * @example
   * loss.backward(); loss.zeroGrad(); // all grads in loss's graph are 0 again
   */
  zeroGrad(): void {
    for (const v of topologicalOrder(this)) v.grad = 0;
  }

  /** `Value(data=…, grad=…)`, as micrograd prints. */
  toString(): string {
    return `Value(data=${this.data}, grad=${this.grad})`;
  }
}

// the brand viz's graph drawings recognise a Value by (they may not import scalar/)
Object.defineProperty(Value.prototype, VALUE_BRAND, { value: true });

/**
 * Creates a leaf `Value` (shorthand for `new Value(data, label)`).
 * @example
 * const x = value(1.5, 'x');
 * x.tanh().backward();
 */
export function value(data: number, label = ''): Value {
  return new Value(data, label);
}

/**
 * The values `root` depends on (itself included), each after all of its parents. Iterative
 * depth-first search with an explicit stack, so that graph depth is not limited by the JS call stack.
 * @example
 * const order = topologicalOrder(loss); // leaves first, loss last
 */
export function topologicalOrder(root: Value): Value[] {
  const epoch = ++visitEpoch;
  const order: Value[] = [];
  const stack: Value[] = [root];
  const nextParent: number[] = [0]; // per stack entry: 0 = visit left next, 1 = right, 2 = done
  root._mark = epoch;
  while (stack.length > 0) {
    const top = stack.length - 1;
    const node = stack[top]!;
    const i = nextParent[top]!;
    const parent = i === 0 ? node._left : i === 1 ? node._right : null;
    if (parent !== null) {
      nextParent[top] = i + 1;
      if (parent._mark !== epoch) {
        parent._mark = epoch;
        stack.push(parent);
        nextParent.push(0);
      }
    } else {
      stack.pop();
      nextParent.pop();
      order.push(node);
    }
  }
  return order;
}

// The local gradient rules, one per op. `a` is the (left) input, `b` the right one, `y` the output.

// d(a+b) = da + db
const addRule: GradRule = (y) => {
  y._left!.grad += y.grad;
  y._right!.grad += y.grad;
};

// d(a−b) = da − db
const subRule: GradRule = (y) => {
  y._left!.grad += y.grad;
  y._right!.grad -= y.grad;
};

// d(a·b) = b·da + a·db
const mulRule: GradRule = (y) => {
  const a = y._left!;
  const b = y._right!;
  a.grad += b.data * y.grad;
  b.grad += a.data * y.grad;
};

// d(a/b) = da/b − (y/b)·db
const divRule: GradRule = (y) => {
  const a = y._left!;
  const b = y._right!;
  a.grad += y.grad / b.data;
  b.grad -= (y.data / b.data) * y.grad;
};

// d(−a) = −da
const negRule: GradRule = (y) => {
  y._left!.grad -= y.grad;
};

// d(aⁿ) = n·aⁿ⁻¹·da, n a constant   NOTE: for n = 0 the derivative is 0 even at a = 0 (not 0·∞), as in PyTorch.
const powNumberRule: GradRule = (y) => {
  const a = y._left!;
  a.grad += powDerivative(a.data, y._right!.data) * y.grad;
};

// d(aᵇ) = b·aᵇ⁻¹·da + aᵇ·ln(a)·db   NOTE: at a = 0 the exponent's gradient is 0 (the limit for b > 0), as in PyTorch.
const powValueRule: GradRule = (y) => {
  const a = y._left!;
  const b = y._right!;
  a.grad += powDerivative(a.data, b.data) * y.grad;
  b.grad += (a.data === 0 ? 0 : y.data * Math.log(a.data)) * y.grad;
};

// d(eˣ) = y·dx   (from the output)
const expRule: GradRule = (y) => {
  y._left!.grad += y.data * y.grad;
};

// d(ln x) = dx/x   NOTE: ln 0 = −∞ with derivative +∞; negative inputs throw in the forward pass.
const logRule: GradRule = (y) => {
  y._left!.grad += y.grad / y._left!.data;
};

// d(tanh x) = (1 − y²)·dx   (from the output)
const tanhRule: GradRule = (y) => {
  y._left!.grad += (1 - y.data * y.data) * y.grad;
};

// d(σ(x)) = y·(1 − y)·dx   (from the output)
const sigmoidRule: GradRule = (y) => {
  y._left!.grad += y.data * (1 - y.data) * y.grad;
};

// d(relu x) = [x > 0]·dx   NOTE: the kink at 0 gets gradient 0, as in PyTorch.
const reluRule: GradRule = (y) => {
  if (y._left!.data > 0) y._left!.grad += y.grad;
};

// d(sin x) = cos x·dx
const sinRule: GradRule = (y) => {
  y._left!.grad += Math.cos(y._left!.data) * y.grad;
};

// d(cos x) = −sin x·dx
const cosRule: GradRule = (y) => {
  y._left!.grad -= Math.sin(y._left!.data) * y.grad;
};

// d(√x) = dx/(2y)   NOTE: at 0 the derivative is +∞, as in PyTorch.
const sqrtRule: GradRule = (y) => {
  y._left!.grad += y.grad / (2 * y.data);
};

// d|x| = sign(x)·dx   NOTE: the kink at 0 gets gradient 0, as in PyTorch.
const absRule: GradRule = (y) => {
  y._left!.grad += Math.sign(y._left!.data) * y.grad;
};

function powDerivative(a: number, n: number): number {
  return n === 0 ? 0 : n * a ** (n - 1);
}

function toValue(x: Scalar, op: string): Value {
  if (x instanceof Value) return x;
  checkNumber(x, op);
  return new Value(x);
}

function checkNumber(x: unknown, op: string): asserts x is number {
  if (typeof x !== 'number' || Number.isNaN(x)) {
    throw new ArgumentError(`[${op}] operand must be a Value or a number (not NaN), got ${fmt(x)}`);
  }
}
