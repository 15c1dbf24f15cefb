/**
 * The hand-written plain-JS reference for W6: a bare micrograd-style engine (add, mul, relu; a
 * closure per node; iterative topological sort) with no validation, labels or op names.
 * It exists only to measure nabla's Value against the cost of the same algorithm done minimally.
 */
export class PlainValue {
  grad = 0;
  mark = 0;
  back: (() => void) | null = null;
  constructor(
    public data: number,
    public parents: PlainValue[] = [],
  ) {}

  add(o: PlainValue): PlainValue {
    const out = new PlainValue(this.data + o.data, [this, o]);
    out.back = () => {
      this.grad += out.grad;
      o.grad += out.grad;
    };
    return out;
  }

  mul(o: PlainValue): PlainValue {
    const out = new PlainValue(this.data * o.data, [this, o]);
    out.back = () => {
      this.grad += o.data * out.grad;
      o.grad += this.data * out.grad;
    };
    return out;
  }

  relu(): PlainValue {
    const out = new PlainValue(this.data > 0 ? this.data : 0, [this]);
    out.back = () => {
      if (out.data > 0) this.grad += out.grad;
    };
    return out;
  }
}

let epoch = 0;

/** Backward pass from `root`: iterative post-order DFS, then closures in reverse order; returns the node count. */
export function plainBackward(root: PlainValue): number {
  const e = ++epoch;
  const order: PlainValue[] = [];
  const stack = [root];
  const next = [0];
  root.mark = e;
  while (stack.length > 0) {
    const top = stack.length - 1;
    const node = stack[top]!;
    const i = next[top]!;
    if (i < node.parents.length) {
      next[top] = i + 1;
      const p = node.parents[i]!;
      if (p.mark !== e) {
        p.mark = e;
        stack.push(p);
        next.push(0);
      }
    } else {
      stack.pop();
      next.pop();
      order.push(node);
    }
  }
  for (const v of order) if (v.back !== null) v.grad = 0;
  root.grad = 1;
  for (let i = order.length - 1; i >= 0; i--) order[i]!.back?.();
  return order.length;
}
