// The fixed training task of the package checks (scripts/check-tarball.mjs, scripts/soak.mjs):
// Sequential(Linear(784, 256), ReLU, Linear(256, 10)) trained with plain SGD (lr 0.05) on one fixed
// random batch of 64 (seed 0), cross-entropy loss. It takes the library as an argument, so it runs
// whichever copy the caller loaded (dist by import or require, or src through tsx); it is CommonJS
// so that ES-module and CommonJS callers can both load it.
'use strict';

/**
 * Trains for `steps` steps and calls `onStep(step, loss)` after each with the loss as a number.
 * Returns the model and the first and last losses.
 */
function trainMlp(nabla, steps, onStep = () => {}) {
  const { F, manualSeed, nn, optim, randint, randn } = nabla;
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
  const x = randn([64, 784]);
  const y = randint(0, 10, [64]);
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.05 });
  let first = NaN;
  let last = NaN;
  for (let step = 1; step <= steps; step++) {
    const loss = F.crossEntropy(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    last = loss.item();
    if (step === 1) first = last;
    onStep(step, last);
  }
  return { model, x, first, last };
}

/** The bits of `x` rounded to float32, as 8 hex digits: what "bit-identical" compares. */
function f32hex(x) {
  return new Uint32Array(new Float32Array([x]).buffer)[0].toString(16).padStart(8, '0');
}

module.exports = { trainMlp, f32hex };
