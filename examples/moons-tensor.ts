/**
 * Two moons with tensors: a small MLP (nn.Sequential) trained with Adam and cross-entropy on 1,000
 * noisy points, evaluated on 1,000 fresh ones.
 *
 *   npm run example:moons-tensor
 */
import { DataLoader, F, Generator, TensorDataset, manualSeed, moons, nn, noGrad, optim, type Tensor } from 'nabla';

manualSeed(0);
const generator = new Generator(0);
const train = moons(1000, { noise: 0.15, generator });
const test = moons(1000, { noise: 0.15, generator });
const model = new nn.Sequential(new nn.Linear(2, 32), new nn.ReLU(), new nn.Linear(32, 32), new nn.ReLU(), new nn.Linear(32, 2));
const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
const loader = new DataLoader(new TensorDataset(train.x, train.y), { batchSize: 64, shuffle: true, generator });

const accuracy = (x: Tensor, y: Tensor): number => noGrad(() => model.forward(x).argmax(1).eq(y).float().mean().item());
for (let epoch = 1; epoch <= 30; epoch++) {
  let total = 0;
  for (const [x, y] of loader as Iterable<[Tensor, Tensor]>) {
    const loss = F.crossEntropy(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    total += loss.item() * y.shape[0]!;
  }
  if (epoch % 5 === 0) console.log(`epoch ${epoch}  loss ${(total / train.y.shape[0]!).toFixed(4)}  train accuracy ${(accuracy(train.x, train.y) * 100).toFixed(1)}%`);
}
const testAccuracy = accuracy(test.x, test.y);
console.log(`test accuracy on 1,000 new points: ${(testAccuracy * 100).toFixed(1)}%`);
if (testAccuracy < 0.95) process.exitCode = 1;
