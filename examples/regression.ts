/**
 * Regression: an MLP fits y = sin(3x)·x + noise on [-2, 2] with SGD (momentum), a StepLR
 * schedule and the mean squared error; prints the error on held-out points next to the noise level.
 *
 *   npm run example:regression
 */
import { F, manualSeed, nn, noGrad, optim, rand, randn } from 'nabla';

manualSeed(1);
const noise = 0.1;
const target = (x: ReturnType<typeof rand>) => x.mul(3).sin().mul(x);
const xTrain = rand([512, 1]).mul(4).sub(2);
const yTrain = target(xTrain).add(randn([512, 1]).mul(noise));
const xTest = rand([256, 1]).mul(4).sub(2);
const yTest = target(xTest);

const model = new nn.Sequential(new nn.Linear(1, 64), new nn.Tanh(), new nn.Linear(64, 64), new nn.Tanh(), new nn.Linear(64, 1));
const optimizer = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const scheduler = new optim.StepLR(optimizer, 1000, { gamma: 0.3 });
for (let step = 1; step <= 2500; step++) {
  const loss = F.mseLoss(model.forward(xTrain), yTrain);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  scheduler.step();
  if (step % 500 === 0) console.log(`step ${step}  train mse ${loss.item().toFixed(5)}  lr ${scheduler.getLastLr()[0]!.toPrecision(3)}`);
}
const testMse = noGrad(() => F.mseLoss(model.forward(xTest), yTest).item());
console.log(`test mse against the noise-free function: ${testMse.toFixed(5)} (noise variance ${noise ** 2})`);
if (testMse > noise ** 2) process.exitCode = 1;
