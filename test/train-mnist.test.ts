import { describe, expect, it } from 'vitest';
import { DataLoader, F, Generator, TensorDataset, loadMnist, manualSeed, nn, noGrad, optim, type Tensor } from '../src/index.js';

describe('end to end: a tiny model learns real MNIST digits', () => {
  it('an MLP trained on 600 digits classifies 400 unseen test digits far above chance', async () => {
    manualSeed(0);
    const { train, test } = await loadMnist({ normalize: true, flatten: true });
    const x = train.images.narrow(0, 0, 600);
    const y = train.labels.narrow(0, 0, 600);
    const model = new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10));
    const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 50, shuffle: true, generator: new Generator(0) });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 8; epoch++) {
      for (const [xb, yb] of loader as Iterable<[Tensor, Tensor]>) {
        const loss = F.crossEntropy(model.forward(xb), yb);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        losses.push(loss.item());
      }
    }
    const accuracy = noGrad(() => model.forward(test.images.narrow(0, 0, 400)).argmax(1).eq(test.labels.narrow(0, 0, 400)).float().mean().item());
    expect(losses[0]).toBeGreaterThan(1.5); // about ln 10 at the start
    expect(losses.at(-1)!).toBeLessThan(0.2);
    expect(accuracy).toBeGreaterThan(0.8); // chance is 0.1; this typically lands near 0.87
  }, 60_000);
});
