/**
 * W6 (bench/README.md): a scalar MLP(2, [16, 16, 1]) of `Value`s, 16 samples, mean squared
 * error; one step = reset the 337 gradients, forward (~10,300 nodes), backward. nabla's `Value`
 * next to the plain-JS reference engine in the same run.
 */
import { Generator, Value, scalar } from 'nabla';
import { PlainValue, plainBackward } from './reference/plain-scalar.js';

const SAMPLES = 16;

export interface W6Case {
  name: string;
  /** One training step's forward and backward; returns the loss. */
  step: () => number;
  /** Nodes in one step's graph. */
  nodes: number;
}

function data(g: Generator): { xs: number[][]; ys: number[] } {
  const xs = Array.from({ length: SAMPLES }, () => [g.uniform(-1, 1), g.uniform(-1, 1)]);
  const ys = xs.map((_, i) => (i % 2 === 0 ? 1 : -1));
  return { xs, ys };
}

/** nabla's Value engine and its scalar MLP. */
export function nablaCase(): W6Case {
  const g = new Generator(6);
  const model = new scalar.MLP(2, [16, 16, 1], { generator: g });
  const params = model.parameters();
  const { xs, ys } = data(g);
  const forward = (): Value => {
    let loss = new Value(0);
    for (let i = 0; i < SAMPLES; i++) {
      const d = model.forward(xs[i]!)[0]!.sub(ys[i]!);
      loss = loss.add(d.mul(d));
    }
    return loss.div(SAMPLES);
  };
  const step = (): number => {
    for (const p of params) p.grad = 0;
    const loss = forward();
    loss.backward();
    return loss.data;
  };
  return { name: 'nabla Value', step, nodes: scalar.topologicalOrder(forward()).length };
}

/** The same network on the bare plain-JS reference engine. */
export function plainCase(): W6Case {
  const g = new Generator(6);
  const sizes = [2, 16, 16, 1];
  const layers = sizes.slice(1).map((nout, l) =>
    Array.from({ length: nout }, () => ({
      w: Array.from({ length: sizes[l]! }, () => new PlainValue(g.uniform(-1, 1))),
      b: new PlainValue(0),
    })),
  );
  const params = layers.flat().flatMap((n) => [...n.w, n.b]);
  const { xs, ys } = data(g);
  let nodes = 0;
  const step = (): number => {
    for (const p of params) p.grad = 0;
    let loss = new PlainValue(0);
    for (let s = 0; s < SAMPLES; s++) {
      let h = xs[s]!.map((v) => new PlainValue(v));
      layers.forEach((layer, l) => {
        h = layer.map((n) => {
          let act = n.b;
          for (let i = 0; i < n.w.length; i++) act = act.add(n.w[i]!.mul(h[i]!));
          return l < layers.length - 1 ? act.relu() : act;
        });
      });
      const d = h[0]!.add(new PlainValue(-ys[s]!));
      loss = loss.add(d.mul(d));
    }
    loss = loss.mul(new PlainValue(1 / SAMPLES));
    nodes = plainBackward(loss);
    return loss.data;
  };
  step();
  return { name: 'plain JS reference', step, nodes };
}
