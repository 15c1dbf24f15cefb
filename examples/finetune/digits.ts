/**
 * Transfer learning on real MNIST digits: pretrain the MNIST CNN (examples/mnist's LeNet) on the
 * digits 0–4 only, then adapt it to the digits 5–9 from 50 labelled examples per class, four ways:
 * (a) from scratch, (b) a new head on the frozen backbone, (c) full fine-tuning with the backbone at a
 * tenth of the head's learning rate, (d) LoRA adapters on the backbone plus a new head. Prints a table
 * of test accuracy on every test digit 5–9, trainable parameters, time and peak memory per method.
 *
 *   npm run example:finetune-digits                 # flags: --pretrain-epochs --epochs --shots --seed --out
 *
 * Each method runs in its own process (this script with --method), so that its peak memory is its own.
 * Writes a run folder: pretrained.safetensors, per method its weights (LoRA: adapter_model.safetensors +
 * adapter_config.json, PEFT's layout) and metrics, curves.svg (test accuracy per epoch) and results.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  F, Generator, ProgressBar, cat, fromSafetensors, loadMnist, manualSeed, nn, noGrad, optim, plotCurves, scope, tensor, toSafetensors, type Tensor,
} from 'nabla';
import { randomShift } from '../mnist/augment.js';
import { LeNet } from '../mnist/models.js';
import { DESCRIPTIONS, METHODS, setUp, type Method } from './methods.js';

const { values: flags } = parseArgs({
  options: {
    'pretrain-epochs': { type: 'string', default: '3' },
    epochs: { type: 'string', default: '40' },
    shots: { type: 'string', default: '50' },
    lr: { type: 'string', default: '0.003' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
    method: { type: 'string' },
    'no-augment': { type: 'boolean', default: false },
  },
});
const pretrainEpochs = Number(flags['pretrain-epochs']);
const epochs = Number(flags.epochs);
const shots = Number(flags.shots);
const lr = Number(flags.lr);
const seed = Number(flags.seed);
for (const [name, v] of [['pretrain-epochs', pretrainEpochs], ['epochs', epochs], ['shots', shots], ['seed', seed + 1]] as const) {
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`--${name} must be a positive integer, got ${flags[name]}`);
}
if (!(lr > 0)) throw new Error(`--lr must be positive, got ${flags.lr}`);
if (flags.method !== undefined && !METHODS.includes(flags.method as Method)) throw new Error(`--method must be one of ${METHODS.join(', ')}`);
const augment = !flags['no-augment'];
const outDir = flags.out ?? join('runs', `finetune-digits-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);

// ── data: the MNIST package's fixed 8,000/2,000 split, cut by digit ──
const { train, test } = await loadMnist({ normalize: true });
/** The images and labels of `split` whose digit is in [low, low + 5), labels shifted to 0–4. */
function digits(split: { images: Tensor; labels: Tensor }, low: number): { images: Tensor; labels: Tensor } {
  const labels = split.labels.toArray() as number[];
  const rows = labels.flatMap((d, i) => (d >= low && d < low + 5 ? [i] : []));
  const index = tensor(rows, { dtype: 'int32' });
  return { images: split.images.indexSelect(0, index), labels: tensor(rows.map((i) => labels[i]! - low), { dtype: 'int32' }) };
}

/** Loss and accuracy on a whole set, in chunks, without recording a graph. */
function evaluate(model: nn.Module, set: { images: Tensor; labels: Tensor }): { loss: number; accuracy: number } {
  model.eval();
  return scope(() => noGrad(() => {
    const n = set.images.shape[0]!;
    const logits = cat(Array.from({ length: Math.ceil(n / 250) }, (_, k) => scope(() => model.forward(set.images.narrow(0, k * 250, Math.min(250, n - k * 250))))), 0);
    return { loss: F.crossEntropy(logits, set.labels).item(), accuracy: logits.argmax(1).eq(set.labels).float().mean().item() };
  }));
}

/** Trains `model` for `epochs` on `set` in shuffled batches (±2 px shifts unless --no-augment), cosine-decayed; calls `after(epoch)` after each epoch. */
function trainEpochs(model: nn.Module, optimizer: optim.Optimizer, set: { images: Tensor; labels: Tensor }, options: {
  epochs: number; batchSize: number; generator: Generator; frozenNorms?: nn.Module[]; label: string; after?: (epoch: number, loss: number) => string | undefined;
}): void {
  const n = set.images.shape[0]!;
  // cosine decay of every group's learning rate to 0 over the run, stepped per batch
  const schedule = new optim.CosineAnnealingLR(optimizer, options.epochs * Math.ceil(n / options.batchSize));
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    model.train();
    for (const m of options.frozenNorms ?? []) m.eval();
    const order = options.generator.permutation(n);
    let lossSum = 0;
    for (let i = 0; i < n; i += options.batchSize) {
      const index = tensor(Array.from(order.slice(i, i + options.batchSize)), { dtype: 'int32' });
      lossSum += scope(() => {
        const batch = set.images.indexSelect(0, index);
        const x = augment ? randomShift(batch, options.generator) : batch;
        const loss = F.crossEntropy(model.forward(x), set.labels.indexSelect(0, index));
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return loss.item() * index.shape[0]!;
      });
      schedule.step();
    }
    const note = options.after?.(epoch, lossSum / n);
    if (note !== undefined) console.log(`${options.label} epoch ${epoch}/${options.epochs} loss ${(lossSum / n).toFixed(4)} ${note}`);
  }
}

const peakMiB = (): number => process.resourceUsage().maxRSS / 1024;
const trainable = (m: nn.Module): number => m.parameters().filter((p) => p.requiresGrad).reduce((s, p) => s + p.numel(), 0);

if (flags.method !== undefined) {
  // ── one method, in its own process ──
  const method = flags.method as Method;
  manualSeed(seed);
  const generator = new Generator(seed + 1);
  const target = digits(train, 5);
  const testSet = digits(test, 5);
  // 50 labelled examples per class, drawn with the seed (the same for every method)
  const labels = target.labels.toArray() as number[];
  const pick = new Generator(seed + 2).permutation(labels.length);
  const chosen: number[] = [];
  for (let c = 0; c < 5; c++) chosen.push(...Array.from(pick).filter((i) => labels[i] === c).slice(0, shots));
  const index = tensor(chosen, { dtype: 'int32' });
  const few = { images: target.images.indexSelect(0, index), labels: target.labels.indexSelect(0, index) };

  const pretrained = fromSafetensors(readFileSync(join(outDir, 'pretrained.safetensors'))).tensors;
  const { model, optimizer, lora, frozenNorms } = setUp(method, pretrained, lr);
  const accuracy: number[] = [];
  const losses: number[] = [];
  const started = performance.now();
  trainEpochs(model, optimizer, few, {
    epochs, batchSize: 25, generator, frozenNorms, label: method,
    after: (epoch, loss) => {
      const { accuracy: acc } = evaluate(model, testSet);
      accuracy.push(acc);
      losses.push(loss);
      return epoch % 10 === 0 || epoch === epochs ? `test accuracy ${(acc * 100).toFixed(2)}%` : undefined;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const dir = join(outDir, method);
  mkdirSync(dir, { recursive: true });
  const trainableParams = trainable(model); // before a LoRA model is merged back into a plain one
  if (lora !== null) {
    // the adapter alone, in PEFT's layout, plus the new head (not an adapter: saved beside it)
    writeFileSync(join(dir, 'adapter_model.safetensors'), toSafetensors(lora.adapterStateDict()));
    writeFileSync(join(dir, 'adapter_config.json'), `${JSON.stringify(lora.adapterConfig(), null, 2)}\n`);
    writeFileSync(join(dir, 'head.safetensors'), toSafetensors(model.fc2.stateDict()));
    lora.mergeAndUnload(); // the merged network: a plain LeNet again
  }
  writeFileSync(join(dir, 'model.safetensors'), toSafetensors(model.stateDict(), { method, digits: '5-9', shots: String(shots) }));
  const result = {
    method, description: DESCRIPTIONS[method], testAccuracy: accuracy.at(-1)!, trainableParams, seconds, peakRssMiB: peakMiB(),
    accuracy, losses, testDigits: testSet.labels.shape[0],
  };
  writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(result, null, 2)}\n`);
} else {
  // ── pretraining on 0–4, then each method in a child process ──
  mkdirSync(outDir, { recursive: true });
  manualSeed(seed);
  const source = digits(train, 0);
  const sourceTest = digits(test, 0);
  console.log(`MNIST digits 0–4: ${source.labels.shape[0]} training and ${sourceTest.labels.shape[0]} test images; pretraining LeNet with a 5-way head`);
  const model = new LeNet();
  model.fc2 = new nn.Linear(128, 5);
  const started = performance.now();
  const bar = new ProgressBar({ total: pretrainEpochs, label: 'pretraining', unit: 'epochs' });
  trainEpochs(model, new optim.Adam(model.parameters(), { lr }), source, {
    epochs: pretrainEpochs, batchSize: 64, generator: new Generator(seed + 3), label: 'pretrain',
    after: (epoch, loss) => { bar.update(epoch, { loss }); return undefined; },
  });
  const pre = evaluate(model, sourceTest);
  bar.finish({ 'test acc (0–4)': pre.accuracy });
  console.log(`pretrained in ${((performance.now() - started) / 1000).toFixed(1)} s: test accuracy on 0–4 ${(pre.accuracy * 100).toFixed(2)}%`);
  writeFileSync(join(outDir, 'pretrained.safetensors'), toSafetensors(model.stateDict(), { digits: '0-4', epochs: String(pretrainEpochs) }));

  console.log(`\nadapting to digits 5–9 from ${shots} labelled examples per class (${5 * shots} images), ${epochs} epochs, batch 25; test: every test digit 5–9`);
  const results = METHODS.map((method) => {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--method', method, '--out', outDir,
      '--epochs', String(epochs), '--shots', String(shots), '--lr', String(lr), '--seed', String(seed), ...(augment ? [] : ['--no-augment'])], { stdio: 'inherit' });
    if (child.status !== 0) throw new Error(`the ${method} run failed (exit ${child.status})`);
    return JSON.parse(readFileSync(join(outDir, method, 'metrics.json'), 'utf8')) as { method: Method; description: string; testAccuracy: number; trainableParams: number; seconds: number; peakRssMiB: number; accuracy: number[]; losses: number[]; testDigits: number };
  });

  const early = Math.min(5, epochs);
  const rows = results.map((r) => [r.description, `${(r.testAccuracy * 100).toFixed(2)}%`, `${(r.accuracy[early - 1]! * 100).toFixed(1)}%`,
    r.trainableParams.toLocaleString('en-US'), `${r.seconds.toFixed(1)} s`, `${r.peakRssMiB.toFixed(0)} MiB`]);
  const head = ['method', `test accuracy (5–9, ${results[0]!.testDigits} digits)`, `after ${early} epochs`, 'trainable params', 'time', 'peak memory'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  console.log(`\n${line(head)}\n|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|\n${rows.map(line).join('\n')}`);
  const scratch = results[0]!.testAccuracy;
  const best = results.slice(1).reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a));
  const margin = (r: { testAccuracy: number }): string => `${r.testAccuracy >= scratch ? '+' : '−'}${(Math.abs(r.testAccuracy - scratch) * 100).toFixed(1)}`;
  console.log(`fine-tuning vs training from scratch: ${results.slice(1).map((r) => `${r.method} ${margin(r)}`).join(', ')} points of test accuracy ` +
    `(best: ${best.description.slice(4)}, error rate ${((1 - scratch) * 100).toFixed(1)}% → ${((1 - best.testAccuracy) * 100).toFixed(1)}%)`);
  if (best.testAccuracy < scratch + 0.02) {
    console.log('no fine-tuning method beats training from scratch by 2 points here: the 0–4 features add little that 250 images of 5–9 do not teach (README, "Fine-tuning and interchange")');
  }

  writeFileSync(join(outDir, 'curves.svg'), plotCurves({
    title: `Digits 5–9 from ${shots} examples per class, after pretraining on 0–4`,
    loss: Object.fromEntries(results.map((r) => [r.method, r.losses])),
    accuracy: Object.fromEntries(results.map((r) => [r.method, r.accuracy])),
  }));
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify({ pretrainTestAccuracy: pre.accuracy, shots, epochs, lr, seed, results }, null, 2)}\n`);
  console.log(`wrote ${outDir}/: pretrained.safetensors, curves.svg, results.json, and per method its weights and metrics.json`);
}
