/**
 * Sampling from a language model: `sampleLogits` turns logits into token ids (temperature, top-k,
 * top-p, greedy), and `generate` runs a model one token at a time, carrying its recurrent state
 * from step to step instead of recomputing the prefix.
 */
import { ArgumentError, DTypeError, DomainError, ShapeError, check, fmt } from '../base/errors.js';
import { defaultGenerator, Generator } from '../base/random.js';
import { showShape } from '../base/shape.js';
import { tensor } from '../core/creation.js';
import { noGrad } from '../core/grad-mode.js';
import { recordStorage, scope } from '../core/storage.js';
import { CarriedState } from './carried-state.js';
import { Tensor } from '../core/tensor.js';
import { multinomial } from '../ops/sampling.js';
import { checkOptionNames } from './util.js';

/** Options of `sampleLogits` (and of `generate`'s sampling). */
export interface SampleOptions {
  /** Divides the logits (default 1); 0 picks the most likely token (greedy, no randomness). */
  temperature?: number;
  /** Keep only the k most likely tokens (ties at the cut: the lower ids). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p, in (0, 1] (nucleus sampling). */
  topP?: number;
  /** Generator of the draws (default: the global one). */
  generator?: Generator;
}

const SAMPLE_OPTIONS = ['temperature', 'topK', 'topP', 'generator'];

/**
 * One token id per row of logits ([V] gives a 0-d result, [B, V] gives [B]; int32), drawn from
 * softmax(logits / temperature) restricted first to the `topK` most likely tokens, then to the
 * smallest most-likely set whose probability reaches `topP` (always at least one token). With
 * `temperature: 0` it returns the argmax (the first on ties). Logits of -Infinity are never drawn;
 * NaN or +Infinity throws a DomainError.
 * @example
 * sampleLogits(tensor([1, 3, 2]), { temperature: 0 }).item();                       // 1
 * sampleLogits(logits, { temperature: 0.8, topK: 40, topP: 0.95, generator: new Generator(0) });
 */
export function sampleLogits(logits: Tensor, options: SampleOptions = {}): Tensor {
  const op = 'sampleLogits';
  check(logits instanceof Tensor, ArgumentError, () => `[${op}] logits must be a Tensor, got ${fmt(logits)}`);
  const { temperature, topK, topP, generator } = sampleOptions(options, op);
  check(logits.ndim === 1 || logits.ndim === 2, ShapeError, () => `[${op}] logits must be [V] or [B, V], got shape ${showShape(logits.shape)}`);
  check(logits.dtype === 'float32' || logits.dtype === 'float64', DTypeError, () => `[${op}] logits must be float32 or float64, got ${logits.dtype}`);
  const v = logits.shape[logits.ndim - 1]!;
  const rows = logits.ndim === 1 ? 1 : logits.shape[0]!;
  check(v > 0, ShapeError, () => `[${op}] logits have no tokens (shape ${showShape(logits.shape)})`);
  const outShape = logits.ndim === 1 ? [] : [rows];
  return noGrad(() => {
    const values = Float64Array.from(logits.toTypedArray());
    for (let r = 0; r < rows; r++) checkRow(values.subarray(r * v, (r + 1) * v), r, logits.ndim, op);
    if (rows === 0) return tensor(new Int32Array(0), { shape: outShape });
    if (temperature === 0) {
      const ids = Int32Array.from({ length: rows }, (_, r) => argmaxOf(values.subarray(r * v, (r + 1) * v)));
      return tensor(ids, { shape: outShape });
    }
    const probs = new Float64Array(rows * v);
    for (let r = 0; r < rows; r++) probs.set(filteredProbs(values.subarray(r * v, (r + 1) * v), temperature, topK, topP), r * v);
    return multinomial(tensor(probs, { shape: [rows, v] }), 1, { replacement: true, generator }).reshape(outShape);
  });
}

/** The sampling options, checked and with their defaults. */
function sampleOptions(options: unknown, op: string): Required<Omit<SampleOptions, 'topK' | 'topP'>> & { topK: number; topP: number } {
  checkOptionNames(options, SAMPLE_OPTIONS, op);
  return checkSampling(options as SampleOptions, op);
}

function checkSampling(options: SampleOptions, op: string): Required<Omit<SampleOptions, 'topK' | 'topP'>> & { topK: number; topP: number } {
  const { temperature = 1, topK = Infinity, topP = 1, generator = defaultGenerator } = options;
  check(typeof temperature === 'number' && Number.isFinite(temperature) && temperature >= 0, ArgumentError,
    () => `[${op}] temperature must be a finite number >= 0, got ${fmt(temperature)}`);
  check(topK === Infinity || (Number.isSafeInteger(topK) && topK >= 1), ArgumentError,
    () => `[${op}] topK must be a positive integer, got ${fmt(topK)}`);
  check(typeof topP === 'number' && topP > 0 && topP <= 1, ArgumentError, () => `[${op}] topP must be a number in (0, 1], got ${fmt(topP)}`);
  check(generator instanceof Generator, ArgumentError, () => `[${op}] generator must be a Generator, got ${fmt(generator)}`);
  return { temperature, topK, topP, generator };
}

function checkRow(row: Float64Array, r: number, ndim: number, op: string): void {
  const where = ndim === 1 ? '' : ` in row ${r}`;
  let finite = false;
  row.forEach((x, i) => {
    check(!Number.isNaN(x) && x !== Infinity, DomainError, () => `[${op}] logits must not be NaN or +Infinity, got ${fmt(x)} at index ${i}${where}`);
    if (x !== -Infinity) finite = true;
  });
  check(finite, DomainError, () => `[${op}] every logit is -Infinity${where}: no token can be drawn`);
}

/** Index of the largest value (the first on ties). */
function argmaxOf(row: Float64Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** softmax(row / temperature), with the tokens outside the top-k and the top-p set zeroed (unnormalised). */
function filteredProbs(row: Float64Array, temperature: number, topK: number, topP: number): Float64Array {
  const max = row[argmaxOf(row)]!;
  const probs = row.map((x) => Math.exp((x - max) / temperature));
  if (topK >= row.length && topP === 1) return probs;
  // most likely first; ties: the lower id first
  const order = Array.from({ length: row.length }, (_, i) => i).sort((a, b) => row[b]! - row[a]! || a - b);
  let keep = Math.min(topK, row.length);
  if (topP < 1) {
    let total = 0;
    for (let k = 0; k < keep; k++) total += probs[order[k]!]!;
    let cumulative = 0;
    for (let k = 0; k < keep; k++) {
      cumulative += probs[order[k]!]! / total;
      if (cumulative >= topP) {
        keep = k + 1;
        break;
      }
    }
  }
  for (let k = keep; k < order.length; k++) probs[order[k]!] = 0;
  return probs;
}

/** A model step: feeds one token with the state so far; returns the next-token logits ([V] or [1, V]) and the new state. */
export type StepFunction<S> = (token: number, state: S | undefined) => readonly [logits: Tensor, state: S];

/** Options of `generate`. */
export interface GenerateOptions extends SampleOptions {
  /** The tokens to start from (at least one); each is fed through `step` once. */
  prompt: readonly number[];
  /** The most tokens to generate. */
  maxNewTokens: number;
  /** Stop after generating this token (it is included in the result). */
  stopToken?: number;
}

const GENERATE_OPTIONS = [...SAMPLE_OPTIONS, 'prompt', 'maxNewTokens', 'stopToken'];

/**
 * Generates up to `maxNewTokens` tokens with a recurrent model: the prompt tokens are fed through
 * `step` one at a time (the state it returns is passed to its next call, so nothing is recomputed),
 * then each sampled token is fed back, until `maxNewTokens` tokens or `stopToken` (included).
 * `step` is called `prompt.length + (number of new tokens) - 1` times. Runs under `noGrad`, each step
 * in a `scope`: what a step creates is freed once neither its result nor the carried state needs it
 * (tensors in the state are found in arrays, objects and Maps), and the last state when it returns:
 * a tensor the step stores elsewhere (an outer array, a cache) must be `keep`-ed to outlive the
 * call. Returns the new tokens.
 * @example
 * const step = (token: number, h?: Tensor) => {
 *   const hNext = cell.forward(embedding.forward(tensor([token], { dtype: 'int32' })), h);
 *   return [head.forward(hNext).reshape(-1), hNext] as const;
 * };
 * const ids = generate(step, { prompt: [bos], maxNewTokens: 20, temperature: 0.8, stopToken: eos });
 */
export function generate<S>(step: StepFunction<S>, options: GenerateOptions): number[] {
  const op = 'generate';
  check(typeof step === 'function', ArgumentError, () => `[${op}] step must be a function (token, state) => [logits, state], got ${fmt(step)}`);
  checkOptionNames(options, GENERATE_OPTIONS, op);
  const { prompt, maxNewTokens, stopToken, ...sampling } = options;
  checkSampling(sampling, op);
  check(Array.isArray(prompt) && prompt.length > 0, ArgumentError, () => `[${op}] prompt must be a non-empty array of token ids, got ${fmt(prompt)}`);
  prompt.forEach((t, i) => check(Number.isSafeInteger(t) && t >= 0, ArgumentError, () => `[${op}] prompt[${i}] must be a token id (an integer >= 0), got ${fmt(t)}`));
  check(Number.isSafeInteger(maxNewTokens) && maxNewTokens >= 0, ArgumentError, () => `[${op}] maxNewTokens must be an integer >= 0, got ${fmt(maxNewTokens)}`);
  check(stopToken === undefined || (Number.isSafeInteger(stopToken) && stopToken >= 0), ArgumentError,
    () => `[${op}] stopToken must be a token id (an integer >= 0), got ${fmt(stopToken)}`);
  if (maxNewTokens === 0) return [];
  return noGrad(() => {
    const carried = new CarriedState();
    let state: S | undefined;
    const feed = (token: number, sample: boolean): number => {
      const [[next, id], created] = recordStorage(() => scope(() => {
        const result = step(token, state);
        check(Array.isArray(result) && result.length === 2, ArgumentError, () => `[${op}] step must return [logits, state], got ${fmt(result)}`);
        const logits = checkLogits(result[0], op);
        return [result[1], sample ? sampleLogits(logits, sampling).item() : -1] as const;
      }));
      carried.replace(next, created);
      state = next;
      return id;
    };
    try {
      let token = -1;
      prompt.forEach((t, i) => (token = feed(t, i === prompt.length - 1)));
      const out = [token];
      while (out.length < maxNewTokens && token !== stopToken) out.push((token = feed(token, true)));
      return out;
    } finally {
      carried.releaseAll();
    }
  });
}

/** The step's logits as [V] (a [1, V] row is accepted). */
function checkLogits(logits: unknown, op: string): Tensor {
  check(logits instanceof Tensor, ArgumentError, () => `[${op}] step must return a logits Tensor first, got ${fmt(logits)}`);
  check(logits.ndim === 1 || (logits.ndim === 2 && logits.shape[0] === 1), ShapeError,
    () => `[${op}] step must return logits of shape [V] or [1, V], got ${showShape(logits.shape)}`);
  return logits.reshape(-1);
}
