/**
 * The fused Adam step (Backend.adamUpdate: js/optim.ts, and assembly/optim.ts on the wasm heap)
 * against the composed update it replaces, written here with public ops in the same order: equal
 * bit for bit, on both backends, in float32 and float64, for tensors on the wasm heap and small ones
 * on the JS heap, over several steps, with Adam's L2 weight decay and AdamW's decoupled decay.
 */
import { describe, expect, it } from 'vitest';
import { Generator, type Tensor, backend, noGrad, optim, setBackend, tensor } from '../src/index.js';

/** The composed Adam step (PyTorch's order), on clones: returns the new parameter, m and v. */
function composedStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, t: number, o: { lr: number; betas: [number, number]; eps: number }): [Tensor, Tensor, Tensor] {
  return noGrad(() => {
    const [b1, b2] = o.betas;
    const m2 = m.clone().mul_(b1).add_(g, { alpha: 1 - b1 });
    const v2 = v.clone().mul_(b2).add_(g.mul(g), { alpha: 1 - b2 });
    const denom = v2.sqrt().div(Math.sqrt(1 - b2 ** t)).add(o.eps);
    const p2 = p.clone().add_(m2.div(denom), { alpha: -o.lr / (1 - b1 ** t) });
    return [p2, m2, v2];
  });
}

const bits = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>);

describe('fused Adam step', () => {
  for (const backendName of ['js', 'wasm'] as const) {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const size of [3, 1000]) {
        it(`${backendName}, ${dtype}, ${size} elements: Adam and AdamW equal the composed update bit for bit over 5 steps`, () => {
          const previous = backend();
          setBackend(backendName);
          try {
            const gen = new Generator(size);
            const draw = (scale: number): Tensor => tensor(Array.from({ length: size }, () => gen.normal() * scale), { dtype });
            for (const kind of ['adam', 'adamw'] as const) {
              const options = { lr: 3e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: kind === 'adam' ? 0.01 : 0.1 };
              const p = draw(1).requiresGrad_(true);
              const opt = kind === 'adam' ? new optim.Adam([p], options) : new optim.AdamW([p], options);
              let ref = p.detach().clone();
              let m = tensor(new Array(size).fill(0), { dtype });
              let v = tensor(new Array(size).fill(0), { dtype });
              for (let t = 1; t <= 5; t++) {
                const grad = draw(t === 3 ? 1e-4 : 1); // a step of tiny gradients too
                p.grad = grad.clone();
                // the gradient the composed update sees: Adam adds λp; AdamW decays p first
                const g = kind === 'adam' ? noGrad(() => grad.add(ref, { alpha: options.weightDecay })) : grad;
                if (kind === 'adamw') ref = noGrad(() => ref.mul(1 - options.lr * options.weightDecay));
                [ref, m, v] = composedStep(ref, g, m, v, t, options);
                opt.step();
                expect(bits(p), `${kind} step ${t}`).toEqual(bits(ref));
                const state = opt.state.get(p)!;
                expect(bits(state.expAvg)).toEqual(bits(m));
                expect(bits(state.expAvgSq)).toEqual(bits(v));
              }
            }
          } finally {
            setBackend(previous);
          }
        });
      }
    }
  }

  it('a step bumps the versions of the parameter and both moments (saved-tensor checks see the change)', () => {
    const p = tensor([1, 2, 3], { requiresGrad: true });
    const opt = new optim.Adam([p], { lr: 0.1 });
    p.grad = tensor([0.1, 0.2, 0.3]);
    const before = p.version;
    opt.step();
    expect(p.version).toBe(before + 1);
    const state = opt.state.get(p)!;
    expect([state.expAvg.version, state.expAvgSq.version]).toEqual([1, 1]);
  });
});
