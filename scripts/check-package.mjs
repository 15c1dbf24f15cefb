// Proves the built package loads both as ESM (`import`) and as CommonJS (`require`), through its exports map
// (Node's self-reference to 'nabla'), and that each copy works: the scalar `Value` engine, and Tensor training —
// 200 SGD steps of a small regression on the wasm backend, to a loss both copies reach bit for bit.
import { createRequire } from 'node:module';
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const esm = await import('nabla');
const cjs = require('nabla');
assert(fileURLToPath(import.meta.resolve('nabla')).endsWith('dist/index.js'), 'import resolves to dist/index.js');
assert(require.resolve('nabla').endsWith('dist/index.cjs'), 'require resolves to dist/index.cjs');
assert.notEqual(esm.Tensor, cjs.Tensor, 'import and require load two different files');

/** Fits y = 3x − 1 (x in [0, 1)) with Linear(1, 8) + Tanh + Linear(8, 1); returns the first and last losses. */
function train(lib) {
  const { F, manualSeed, nn, optim, rand } = lib;
  manualSeed(0);
  const x = rand([32, 1]);
  const y = x.mul(3).sub(1);
  const model = new nn.Sequential(new nn.Linear(1, 8), new nn.Tanh(), new nn.Linear(8, 1));
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const losses = [];
  for (let step = 0; step < 200; step++) {
    const loss = F.mseLoss(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  return { first: losses[0], last: losses.at(-1) };
}

const results = [];
for (const [kind, lib] of [['import', esm], ['require', cjs]]) {
  const x = new lib.Value(3);
  const y = x.mul(x).add(1);
  y.backward();
  assert.equal(y.data, 10, `${kind}: Value forward`);
  assert.equal(x.grad, 6, `${kind}: Value backward`);

  assert.equal(lib.backend().name, 'wasm', `${kind}: the default backend`);
  const t = lib.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  t.matmul(lib.tensor([[1], [-1]])).square().sum().backward(); // d/dt Σ (t·[1,−1]ᵀ)² = 2(t·w)wᵀ = [[−2, 2], [−2, 2]]
  assert.deepEqual(Array.from(t.grad.toTypedArray()), [-2, 2, -2, 2], `${kind}: Tensor backward`);

  const { first, last } = train(lib);
  assert(last < first / 100 && last < 0.01, `${kind}: training went from loss ${first} to ${last}`);
  results.push(last);
  console.log(`${kind}('nabla') ok: ${Object.keys(lib).length} exports; Value and Tensor gradients right; loss ${first.toFixed(4)} → ${last.toExponential(4)} in 200 steps`);
}
assert.equal(results[0], results[1], 'import and require train to the same loss');
