/**
 * Trains a scalar-`Value` MLP(2, [16, 16, 1]) on 100 noisy two-moons points with a max-margin
 * (SVM) loss, printing loss and accuracy per epoch, then writes the DOT graph of one neuron.
 *
 *   npm start                       # or: npx tsx examples/moons-scalar.ts --epochs 100 --seed 1337
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Value, makeMoons, manualSeed, scalar } from 'nabla';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1337' },
    samples: { type: 'string', default: '100' },
    out: { type: 'string', default: join('runs', 'moons-scalar') },
  },
});
const epochs = Number(args.epochs);
manualSeed(Number(args.seed));

const { x, y } = makeMoons(Number(args.samples), { noise: 0.1 });
const labels = y.map((c) => (c === 1 ? 1 : -1)); // ±1 targets for the margin loss
const model = new scalar.MLP(2, [16, 16, 1]);
console.log(`${model.toString().slice(0, 60)}…  (${model.parameters().length} parameters)`);

function lossAndAccuracy(): { loss: Value; accuracy: number } {
  const scores = x.map((p) => model.forward(p)[0]!);
  // max-margin loss: mean(relu(1 − y·score)), plus L2 regularisation 1e-4·Σp²
  const margins = scores.map((s, i) => s.mul(-labels[i]!).add(1).relu());
  const dataLoss = margins.reduce((a, b) => a.add(b)).div(margins.length);
  const l2 = model.parameters().reduce((acc, p) => acc.add(p.mul(p)), new Value(0)).mul(1e-4);
  const correct = scores.filter((s, i) => s.data > 0 === labels[i]! > 0).length;
  return { loss: dataLoss.add(l2), accuracy: correct / scores.length };
}

const start = performance.now();
let accuracy = 0;
for (let epoch = 0; epoch < epochs; epoch++) {
  const result = lossAndAccuracy();
  accuracy = result.accuracy;
  model.zeroGrad();
  result.loss.backward();
  const lr = 1 - (0.9 * epoch) / epochs; // linear decay from 1.0 to 0.1
  for (const p of model.parameters()) p.data -= lr * p.grad;
  console.log(`epoch ${String(epoch + 1).padStart(3)}/${epochs}  loss ${result.loss.data.toFixed(4)}  accuracy ${(accuracy * 100).toFixed(1)}%`);
}
console.log(`trained in ${((performance.now() - start) / 1000).toFixed(2)} s; final training accuracy ${(accuracy * 100).toFixed(1)}%`);

// The graph of one neuron of the first layer, on the first sample, with its gradients.
const neuron = model.layers[0]!.neurons[0]!;
const inputs = x[0]!.map((v, i) => new Value(v, `x${i}`));
neuron.w.forEach((w, i) => (w.label = `w${i}`));
neuron.b.label = 'b';
const out = neuron.forward(inputs);
out.label = 'out';
neuron.zeroGrad();
out.backward();
mkdirSync(args.out, { recursive: true });
const dotPath = join(args.out, 'neuron.dot');
writeFileSync(dotPath, scalar.toDot(out));
console.log(`wrote ${dotPath} (render: dot -Tsvg ${dotPath} -o ${join(args.out, 'neuron.svg')})`);
