// The fixed training task of the package checks (scripts/check-tarball.mjs, scripts/soak.mjs):
// Sequential(Linear(784, 256), ReLU, Linear(256, 10)) trained with plain SGD (lr 0.05) on one fixed
// random batch of 64 (seed 0), cross-entropy loss. It takes the library as an argument, so it runs
// whichever copy the caller loaded (dist by import or require, or src through tsx); it is CommonJS
// so that ES-module and CommonJS callers can both load it.
'use strict';

/** `steps` plain training steps on one batch; `onStep(step, loss)` after each; the first and last losses. */
function fit(F, model, optimizer, x, y, steps, onStep = () => {}) {
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
  return { first, last };
}

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
  const { first, last } = fit(F, model, optimizer, x, y, steps, onStep);
  return { model, x, first, last };
}

/**
 * The other reproductions: an MLP 784-256-128-10 with Adam (the old dist died at step 1,056) for
 * `steps` steps on one fixed batch; returns the first and last losses.
 */
function trainAdamMlp(nabla, steps) {
  const { F, manualSeed, nn, optim, randint, randn } = nabla;
  manualSeed(1);
  const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const x = randn([64, 784]);
  const y = randint(0, 10, [64]);
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  return fit(F, model, optimizer, x, y, steps);
}

/**
 * The README's nn/optim example (Conv2d + max-pool + Linear, AdamW, label smoothing, a shuffled
 * DataLoader; the old dist died after ~150 steps) on `samples` random MNIST-shaped digits for `epochs`.
 */
function trainReadmeNet(nabla, samples, epochs) {
  const { DataLoader, F, Generator, TensorDataset, manualSeed, nn, optim, randint, randn } = nabla;
  manualSeed(2);
  class Net extends nn.Module {
    conv = new nn.Conv2d(1, 8, 3, { padding: 1 });
    fc = new nn.Linear(8 * 14 * 14, 10);
    forward(x) {
      return this.fc.forward(F.maxPool2d(this.conv.forward(x).relu(), 2).flatten(1));
    }
  }
  const model = new Net();
  const optimizer = new optim.AdamW(model.parameters(), { lr: 1e-3 });
  const data = new TensorDataset(randn([samples, 1, 28, 28]), randint(0, 10, [samples]));
  let first = NaN;
  let last = NaN;
  let steps = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const [x, y] of new DataLoader(data, { batchSize: 64, shuffle: true, generator: new Generator(epoch) })) {
      const loss = F.crossEntropy(model.forward(x), y, { labelSmoothing: 0.1 });
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      last = loss.item();
      if (steps++ === 0) first = last;
    }
  }
  return { first, last, steps };
}

/** The bits of `x` rounded to float32, as 8 hex digits: what "bit-identical" compares. */
function f32hex(x) {
  return new Uint32Array(new Float32Array([x]).buffer)[0].toString(16).padStart(8, '0');
}

module.exports = { trainMlp, trainAdamMlp, trainReadmeNet, f32hex };
