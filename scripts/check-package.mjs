// Proves the built package loads both as ESM (`import`) and as CommonJS (`require`), through its exports map.
import { createRequire } from 'node:module';
import { strict as assert } from 'node:assert';

const require = createRequire(import.meta.url);
const esm = await import('nabla');
const cjs = require('nabla');
for (const [kind, lib] of [['import', esm], ['require', cjs]]) {
  const x = new lib.Value(3);
  const y = x.mul(x).add(1);
  y.backward();
  assert.equal(y.data, 10, `${kind}: forward`);
  assert.equal(x.grad, 6, `${kind}: backward`);
  console.log(`${kind}('nabla') ok: ${Object.keys(lib).length} exports`);
}
