/**
 * Fine-tuning a language model on real text: the character GPT pretrained on Moby-Dick (examples/gpt)
 * adapted to English first names, (a) trained on the names from scratch, (b) fully fine-tuned, (c) with
 * LoRA adapters — the same number of steps, batches and names for each. Prints a table of held-out
 * NLL per character, trainable parameters, the size of the file each method must keep (LoRA: the
 * adapter alone, in PEFT's layout), time and peak memory, and names sampled from each model.
 *
 *   npm run example:finetune-lm        # flags: --pretrained --pretrain-steps --steps --batch --seed --out
 *                                      #        --scratch-lr --full-lr --lora-lr --lora-r --samples --eval-every
 *
 * The pretrained model: `--pretrained <model.safetensors>` as examples/gpt writes it (vocabulary and
 * configuration in its metadata), else the newest runs/gpt-* folder holding one, else this example
 * first trains one with examples/gpt for `--pretrain-steps` steps (default 600; the GPT's bar run is
 * 2,000 steps and 35 minutes). Each method runs in its own process (this script with --method), so
 * that its peak memory is its own. Writes a run folder: per method its weights (LoRA:
 * adapter_model.safetensors + adapter_config.json) and metrics, curves.svg and results.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  Generator, fromSafetensors, manualSeed, nn, noGrad, optim, plotCurves, scope, tensor, text, toSafetensors, type Tensor, F,
} from 'nabla';
import { GPT, type GPTConfig } from '../gpt/model.js';
import { PAD, loadNames, nameBatches, namesNll } from './names-data.js';

const METHODS = ['scratch', 'full', 'lora'] as const;
type Method = (typeof METHODS)[number];
/**
 * Each method's description and learning rate (AdamW, warm-up then cosine decay to 10%): each the best of
 * the rates tried for it on this budget (held-out NLL, nats/char; README): scratch 1e-3 2.022, 3e-3 1.983,
 * 1e-2 2.039; full 5e-4 1.934, 1e-3 1.908, 3e-3 1.895; LoRA 3e-3 1.989, 5e-3 1.954, 1e-2 1.944, 2e-2 2.296.
 */
const SETTINGS: Record<Method, { description: string; lr: number }> = {
  scratch: { description: '(a) from scratch', lr: 3e-3 },
  full: { description: '(b) full fine-tuning', lr: 3e-3 },
  lora: { description: '(c) LoRA r=8 on qkv/proj/fc/out', lr: 1e-2 },
};

const { values: flags } = parseArgs({
  options: {
    pretrained: { type: 'string' },
    'pretrain-steps': { type: 'string', default: '600' },
    steps: { type: 'string', default: '600' },
    batch: { type: 'string', default: '64' },
    'eval-every': { type: 'string', default: '50' },
    samples: { type: 'string', default: '200' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
    method: { type: 'string' },
    'scratch-lr': { type: 'string' },
    'full-lr': { type: 'string' },
    'lora-lr': { type: 'string' },
    'lora-r': { type: 'string', default: '8' },
  },
});
const steps = Number(flags.steps);
const batchSize = Number(flags.batch);
const evalEvery = Number(flags['eval-every']);
const sampleCount = Number(flags.samples);
const pretrainSteps = Number(flags['pretrain-steps']);
const seed = Number(flags.seed);
for (const [name, v] of [['steps', steps], ['batch', batchSize], ['eval-every', evalEvery], ['samples', sampleCount], ['pretrain-steps', pretrainSteps], ['seed', seed + 1]] as const) {
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`--${name} must be a positive integer, got ${flags[name]}`);
}
for (const method of METHODS) {
  const given = flags[`${method}-lr`];
  if (given !== undefined) {
    if (!(Number(given) > 0)) throw new Error(`--${method}-lr must be positive, got ${given}`);
    SETTINGS[method].lr = Number(given);
  }
}
const loraR = Number(flags['lora-r']);
if (!(Number.isInteger(loraR) && loraR > 0)) throw new Error(`--lora-r must be a positive integer, got ${flags['lora-r']}`);
const LORA = { targetModules: ['qkv', 'proj', 'fc', 'out'], r: loraR, alpha: 2 * loraR };
SETTINGS.lora.description = `(c) LoRA r=${loraR} on qkv/proj/fc/out`;
if (flags.method !== undefined && !METHODS.includes(flags.method as Method)) throw new Error(`--method must be one of ${METHODS.join(', ')}`);
const outDir = flags.out ?? join('runs', `finetune-lm-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);

/** The weights, vocabulary and configuration of a model examples/gpt saved. */
function readPretrained(file: string): { tensors: Record<string, Tensor>; tokenizer: text.CharTokenizer; config: GPTConfig } {
  const { tensors, metadata } = fromSafetensors(readFileSync(file));
  if (metadata.vocabulary === undefined || metadata.config === undefined) throw new Error(`${file} has no vocabulary/config metadata: is it a model examples/gpt wrote?`);
  return { tensors, tokenizer: text.CharTokenizer.fromJSON(metadata.vocabulary), config: JSON.parse(metadata.config) as GPTConfig };
}

const peakMiB = (): number => process.resourceUsage().maxRSS / 1024;
const { train, heldOut, listed } = loadNames();

interface Result {
  method: Method; description: string; lr: number; heldOutNll: number; trainableParams: number; fileBytes: number; file: string;
  seconds: number; peakRssMiB: number; curve: number[]; evalSteps: number[]; samples: string[]; novel: number; real: number; mergedNll?: number;
}

if (flags.method !== undefined) {
  // ── one method, in its own process ──
  const method = flags.method as Method;
  const { lr, description } = SETTINGS[method];
  manualSeed(seed);
  const pretrained = readPretrained(flags.pretrained!);
  const { config, tokenizer } = pretrained;
  const { newline, batchOf } = nameBatches(tokenizer);
  const model = new GPT(config);
  let lora: nn.LoraModel | null = null;
  let params: [string, nn.Parameter][];
  if (method === 'scratch') {
    params = [...model.namedParameters()];
  } else {
    model.loadStateDict(pretrained.tensors);
    if (method === 'lora') lora = nn.applyLora(model, LORA); // freezes every base weight
    params = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
  }
  // weight decay on the matrices and embeddings of a full model; none on LoRA's adapters (as PEFT's examples)
  const decay = method === 'lora' ? 0 : 0.1;
  const optimizer = new optim.AdamW([
    { params: params.filter(([, p]) => p.ndim >= 2).map(([, p]) => p), weightDecay: decay },
    { params: params.filter(([, p]) => p.ndim < 2).map(([, p]) => p), weightDecay: 0 },
  ], { lr, betas: [0.9, 0.95] });
  const warmup = Math.min(50, Math.floor(steps / 10));
  const scheduler = new optim.LambdaLR(optimizer, (s) => (s < warmup ? (s + 1) / warmup
    : 0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, (s - warmup) / Math.max(1, steps - warmup))))));
  const trainable = params.reduce((n, [, p]) => n + p.numel(), 0);
  const nll = (): number => {
    model.eval();
    const v = namesNll((x) => model.forward(x), heldOut, batchOf);
    model.train();
    return v;
  };

  const generator = new Generator(seed + 1);
  const curve: number[] = [];
  const evalSteps: number[] = [];
  let order: number[] = [];
  const started = performance.now();
  model.train();
  for (let step = 0; step < steps; step++) {
    if (order.length < batchSize) order = [...order, ...generator.permutation(train.length)]; // epochs of shuffled names
    const batch = order.splice(0, batchSize).map((k) => train[k]!);
    const loss = scope(() => {
      const [x, y] = batchOf(batch);
      const l = F.crossEntropy(model.forward(x).flatten(0, 1), y.flatten(), { ignoreIndex: PAD });
      optimizer.zeroGrad();
      l.backward();
      optim.clipGradNorm_(params.map(([, p]) => p), 1.0);
      optimizer.step();
      return l.item();
    });
    scheduler.step();
    if ((step + 1) % evalEvery === 0 || step + 1 === steps) {
      curve.push(nll());
      evalSteps.push(step + 1);
      console.log(`${method} step ${step + 1}/${steps} train loss ${loss.toFixed(4)} held-out NLL ${curve.at(-1)!.toFixed(4)} nats/char`);
    }
  }
  const seconds = (performance.now() - started) / 1000;

  // names sampled one character at a time, keys and values of past positions kept in the cache
  model.eval();
  const sampler = new Generator(seed + 2);
  const samples = noGrad(() => Array.from({ length: sampleCount }, () => tokenizer.decode(text.generate<{ cache: nn.KVCache }>((token, state) => {
    const s = state ?? { cache: new nn.KVCache() };
    return [model.forward(tensor([[token]], { dtype: 'int32' }), s.cache).reshape(-1), s];
  }, { prompt: [newline], maxNewTokens: 24, stopToken: newline, generator: sampler }).filter((t) => t !== newline))));
  const known = new Set([...train, ...heldOut]);
  const trainSet = new Set(train);

  const dir = join(outDir, method);
  mkdirSync(dir, { recursive: true });
  let file: string;
  let mergedNll: number | undefined;
  if (lora !== null) {
    // what a user keeps: the adapter alone, in PEFT's layout; the base model is the pretrained file
    file = join(dir, 'adapter_model.safetensors');
    writeFileSync(file, toSafetensors(lora.adapterStateDict()));
    writeFileSync(join(dir, 'adapter_config.json'), `${JSON.stringify(lora.adapterConfig(), null, 2)}\n`);
    lora.mergeAndUnload(); // a plain GPT again: the adapters folded into the weights
    mergedNll = namesNll((x) => model.forward(x), heldOut, batchOf);
    writeFileSync(join(dir, 'merged.safetensors'), toSafetensors(model.stateDict(), { vocabulary: JSON.stringify(tokenizer.toJSON()), config: JSON.stringify(config) }));
  } else {
    file = join(dir, 'model.safetensors');
    writeFileSync(file, toSafetensors(model.stateDict(), { vocabulary: JSON.stringify(tokenizer.toJSON()), config: JSON.stringify(config) }));
  }
  const result: Result = {
    method, description, lr, heldOutNll: curve.at(-1)!, trainableParams: trainable, fileBytes: statSync(file).size, file, seconds, peakRssMiB: peakMiB(),
    curve, evalSteps, samples, novel: samples.filter((n) => !known.has(n)).length / samples.length,
    real: samples.filter((n) => known.has(n) && !trainSet.has(n)).length / samples.length, ...(mergedNll === undefined ? {} : { mergedNll }),
  };
  writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(result, null, 2)}\n`);
} else {
  // ── the pretrained model, then each method in a child process ──
  mkdirSync(outDir, { recursive: true });
  const here = dirname(fileURLToPath(import.meta.url));
  let pretrainedFile = flags.pretrained;
  if (pretrainedFile === undefined && existsSync('runs')) {
    const saved = readdirSync('runs').filter((d) => d.startsWith('gpt-')).map((d) => join('runs', d, 'model.safetensors')).filter(existsSync);
    pretrainedFile = saved.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  }
  if (pretrainedFile === undefined) {
    console.log(`no saved Moby-Dick GPT (runs/gpt-*/model.safetensors): training one for ${pretrainSteps} steps with examples/gpt`);
    const child = spawnSync(process.execPath, [...process.execArgv, join(here, '../gpt/main.ts'), '--steps', String(pretrainSteps),
      '--eval-every', String(pretrainSteps), '--seed', String(seed), '--out', join(outDir, 'pretrained')], { stdio: 'inherit' });
    if (child.status !== 0) throw new Error(`pretraining failed (exit ${child.status})`);
    pretrainedFile = join(outDir, 'pretrained', 'model.safetensors');
  }
  const pretrained = readPretrained(pretrainedFile);
  const { batchOf } = nameBatches(pretrained.tokenizer);
  const base = new GPT(pretrained.config);
  base.loadStateDict(pretrained.tensors);
  base.eval();
  const zeroShot = namesNll((x) => base.forward(x), heldOut, batchOf);
  const baseBytes = statSync(pretrainedFile).size;
  console.log(`pretrained GPT: ${pretrainedFile} (${base.parameters().reduce((n, p) => n + p.numel(), 0)} parameters); ` +
    `held-out names NLL before adapting ${zeroShot.toFixed(4)} nats/char`);
  console.log(`names: ${train.length + heldOut.length} distinct (${listed} listed), ${train.length} training, ${heldOut.length} held out; ` +
    `each method trains ${steps} steps of ${batchSize} names (${(steps * batchSize / train.length).toFixed(1)} epochs)\n`);

  const results = METHODS.map((method) => {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--method', method, '--out', outDir, '--pretrained', pretrainedFile,
      '--steps', String(steps), '--batch', String(batchSize), '--eval-every', String(evalEvery), '--samples', String(sampleCount), '--seed', String(seed),
      ...METHODS.flatMap((m) => [`--${m}-lr`, String(SETTINGS[m].lr)]), '--lora-r', String(loraR)], { stdio: 'inherit' });
    if (child.status !== 0) throw new Error(`the ${method} run failed (exit ${child.status})`);
    return JSON.parse(readFileSync(join(outDir, method, 'metrics.json'), 'utf8')) as Result;
  });

  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
  const rows = [
    ['pretrained on Moby-Dick, not adapted', zeroShot.toFixed(4), (zeroShot / Math.LN2).toFixed(3), '0', '—', '—', '—', '—'],
    ...results.map((r) => [r.description, r.heldOutNll.toFixed(4), (r.heldOutNll / Math.LN2).toFixed(3), r.trainableParams.toLocaleString('en-US'),
      `${kib(r.fileBytes)}${r.method === 'lora' ? ' adapter' : ''}`, `${(r.novel * 100).toFixed(0)}%`, `${r.seconds.toFixed(1)} s`, `${r.peakRssMiB.toFixed(0)} MiB`]),
  ];
  const head = ['method', 'held-out NLL (nats/char)', 'bits/char', 'trainable params', 'file to keep', 'new names', 'time', 'peak memory'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  console.log(`\n${line(head)}\n|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|\n${rows.map(line).join('\n')}`);
  const scratch = results[0]!.heldOutNll;
  for (const r of results.slice(1)) {
    console.log(`${r.description.slice(4)}: ${(scratch - r.heldOutNll).toFixed(4)} nats/char ${r.heldOutNll < scratch ? 'better' : 'worse'} than from scratch with the same budget`);
  }
  const lora = results.find((r) => r.method === 'lora')!;
  console.log(`LoRA adapter: ${kib(lora.fileBytes)} in PEFT's layout vs ${kib(baseBytes)} for the whole model; merged into the weights it scores ${lora.mergedNll!.toFixed(4)} nats/char`);
  if (!(Math.abs(lora.mergedNll! - lora.heldOutNll) < 1e-4)) {
    console.log(`FAILED: the merged model should score what the adapted one did (${lora.heldOutNll.toFixed(6)}), got ${lora.mergedNll!.toFixed(6)}`);
    process.exitCode = 1;
  }
  console.log(`"new names": samples not in either list (the rest are listed names; ${results.map((r) => `${r.method} ${(r.real * 100).toFixed(0)}%`).join(', ')} are held-out names it never saw)`);
  for (const r of results) console.log(`\n${r.description} samples: ${r.samples.slice(0, 15).join(', ')}`);

  writeFileSync(join(outDir, 'curves.svg'), plotCurves({
    title: `GPT adapted to first names: held-out NLL per character every ${evalEvery} steps (pretrained, not adapted: ${zeroShot.toFixed(3)})`,
    xLabel: `evaluation (every ${evalEvery} steps)`,
    loss: Object.fromEntries(results.map((r) => [r.method, r.curve])),
  }));
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify({ pretrained: pretrainedFile, zeroShotNll: zeroShot, steps, batchSize, seed, results }, null, 2)}\n`);
  console.log(`\nwrote ${outDir}/: curves.svg, results.json, and per method its weights and metrics.json`);
}
