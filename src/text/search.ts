/**
 * Greedy and beam search for sequence models (encoder–decoder or decoder-only): a batch of sequences
 * decoded together, one position per step, the model's state (e.g. an `nn.KVCache`) carried from
 * step to step instead of recomputing the prefix.
 */
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import { tensor } from '../core/creation.js';
import { noGrad } from '../core/grad-mode.js';
import { recordStorage, scope } from '../core/storage.js';
import { Tensor } from '../core/tensor.js';
import { CarriedState } from './carried-state.js';
import { checkOptionNames } from './util.js';

/**
 * A search step: `tokens` (int32 [R]) holds each row's latest token, `state` what the previous step
 * returned (undefined first); returns next-token logits [R, V] and the new state.
 */
export type SearchStep<S> = (tokens: Tensor, state: S | undefined) => readonly [logits: Tensor, state: S];

/** Options of `greedySearch`. */
export interface GreedySearchOptions {
  /** Sequences decoded together (rows of the step). */
  batchSize: number;
  /** The token every sequence starts from. */
  startToken: number;
  /** The token that ends a sequence (not included in the result). */
  stopToken: number;
  /** The most tokens generated per sequence (the stop token included). */
  maxLength: number;
}

/** Options of `beamSearch`. */
export interface BeamSearchOptions<S> extends GreedySearchOptions {
  /** Hypotheses kept per sequence; the step sees batchSize·beamSize rows, row b·beamSize + j being beam j of sequence b. */
  beamSize: number;
  /** Finished hypotheses are ranked by Σ log p / length^lengthPenalty (length counting the stop token; default 1). */
  lengthPenalty?: number;
  /** The state for the next step whose row r continues the state's row `rows[r]` (int32 [R]), e.g. `cache.reorder(rows)`. */
  reorder: (state: S, rows: Tensor) => S;
}

const GREEDY_OPTIONS = ['batchSize', 'startToken', 'stopToken', 'maxLength'];

function checkSearch(o: GreedySearchOptions, names: readonly string[], op: string): void {
  checkOptionNames(o, names, op);
  const int = (name: keyof GreedySearchOptions, min: number): void => {
    const v = o[name];
    check(Number.isSafeInteger(v) && v >= min, ArgumentError, () => `[${op}] ${name} must be an integer >= ${min}, got ${fmt(v)}`);
  };
  int('batchSize', 1);
  int('startToken', 0);
  int('stopToken', 0);
  int('maxLength', 1);
}

/** Runs `step` under noGrad and a scope; what it created lives while the carried state reaches it. */
function stepper<S>(step: SearchStep<S>, rows: number, op: string) {
  const carried = new CarriedState();
  let state: S | undefined;
  return {
    /** Feeds `tokens`; returns the float64 log-probabilities, one row of V per sequence row. */
    next(tokens: readonly number[]): number[][] {
      const [[logits, next], created] = recordStorage(() => scope(() => {
        const result = step(tensor([...tokens], { dtype: 'int32' }), state);
        check(Array.isArray(result) && result.length === 2, ArgumentError, () => `[${op}] step must return [logits, state], got ${fmt(result)}`);
        const l = result[0];
        check(l instanceof Tensor && l.ndim === 2 && l.shape[0] === rows, ShapeError,
          () => `[${op}] step must return logits of shape [${rows}, V], got ${l instanceof Tensor ? showShape(l.shape) : fmt(l)}`);
        return [l.double().logSoftmax(-1).toArray() as number[][], result[1]] as const;
      }));
      carried.replace(next, created);
      state = next;
      return logits;
    },
    get state(): S | undefined {
      return state;
    },
    set state(s: S | undefined) {
      state = s;
    },
    carried,
  };
}

const argmax = (row: readonly number[]): number => row.reduce((best, x, i) => (x > row[best]! ? i : best), 0);

/**
 * Greedy decoding: each sequence takes its most likely next token until `stopToken` or `maxLength`
 * tokens; the batch runs until every sequence has stopped. Returns the tokens of each sequence,
 * without the start and stop tokens.
 * @example
 * const step = (tokens: Tensor, cache = new nn.KVCache()) => [model.decode(tokens, memory, cache), cache] as const;
 * const out = text.greedySearch(step, { batchSize: 8, startToken: bos, stopToken: eos, maxLength: 30 });
 */
export function greedySearch<S>(step: SearchStep<S>, options: GreedySearchOptions): number[][] {
  const op = 'greedySearch';
  check(typeof step === 'function', ArgumentError, () => `[${op}] step must be a function (tokens, state) => [logits, state], got ${fmt(step)}`);
  checkSearch(options, GREEDY_OPTIONS, op);
  const { batchSize, startToken, stopToken, maxLength } = options;
  return noGrad(() => {
    const run = stepper(step, batchSize, op);
    const out: number[][] = Array.from({ length: batchSize }, () => []);
    const done = new Array<boolean>(batchSize).fill(false);
    let tokens = new Array<number>(batchSize).fill(startToken);
    try {
      for (let t = 0; t < maxLength && done.includes(false); t++) {
        const logp = run.next(tokens);
        tokens = logp.map((row, r) => (done[r] ? stopToken : argmax(row)));
        tokens.forEach((tok, r) => {
          if (done[r]) return;
          if (tok === stopToken) done[r] = true;
          else out[r]!.push(tok);
        });
      }
      return out;
    } finally {
      run.carried.releaseAll();
    }
  });
}

/** A hypothesis in the beam: its tokens so far, Σ log p, and whether it ended. */
interface Hypothesis {
  tokens: number[];
  score: number;
}

/**
 * Beam search: every sequence keeps the `beamSize` most likely prefixes (by Σ log p); a prefix that
 * takes `stopToken` becomes a finished hypothesis, ranked by Σ log p / length^lengthPenalty. A
 * sequence is done when it has `beamSize` finished hypotheses and no live prefix can still beat the
 * worst of them; at `maxLength` the live prefixes count as finished. Returns each sequence's best
 * hypothesis, without the start and stop tokens.
 * @example
 * const out = text.beamSearch(step, { batchSize: 8, beamSize: 4, startToken: bos, stopToken: eos, maxLength: 30,
 *   reorder: (cache, rows) => { cache.reorder(rows); return cache; } });
 */
export function beamSearch<S>(step: SearchStep<S>, options: BeamSearchOptions<S>): number[][] {
  const op = 'beamSearch';
  check(typeof step === 'function', ArgumentError, () => `[${op}] step must be a function (tokens, state) => [logits, state], got ${fmt(step)}`);
  checkSearch(options, [...GREEDY_OPTIONS, 'beamSize', 'lengthPenalty', 'reorder'], op);
  const { batchSize, beamSize, startToken, stopToken, maxLength, lengthPenalty = 1, reorder } = options;
  check(Number.isSafeInteger(beamSize) && beamSize >= 1, ArgumentError, () => `[${op}] beamSize must be an integer >= 1, got ${fmt(beamSize)}`);
  check(typeof lengthPenalty === 'number' && Number.isFinite(lengthPenalty), ArgumentError, () => `[${op}] lengthPenalty must be a finite number, got ${fmt(lengthPenalty)}`);
  check(typeof reorder === 'function', ArgumentError, () => `[${op}] reorder must be a function (state, rows) => state, got ${fmt(reorder)}`);
  const k = beamSize;
  const normalised = (h: Hypothesis, length: number): number => h.score / length ** lengthPenalty;
  return noGrad(() => {
    const run = stepper(step, batchSize * k, op);
    // live beams per sequence (beam 0 alone at first: the others would duplicate it)
    let beams: Hypothesis[][] = Array.from({ length: batchSize }, () => [{ tokens: [], score: 0 }]);
    const finished: { h: Hypothesis; value: number }[][] = Array.from({ length: batchSize }, () => []);
    const done = new Array<boolean>(batchSize).fill(false);
    try {
      for (let t = 0; t < maxLength && done.includes(false); t++) {
        const tokens = beams.flatMap((bs) => Array.from({ length: k }, (_, j) => bs[Math.min(j, bs.length - 1)]!.tokens.at(-1) ?? startToken));
        const logp = run.next(tokens);
        const rows: number[] = [];
        beams = beams.map((bs, b) => {
          if (done[b]) {
            rows.push(...Array.from({ length: k }, (_, j) => b * k + j));
            return bs;
          }
          const next = extend(bs, logp.slice(b * k, b * k + bs.length), k, stopToken, (h) => finished[b]!.push({ h, value: normalised(h, t + 1) }));
          const fin = finished[b]!.sort((x, y) => y.value - x.value).slice(0, k);
          finished[b] = fin;
          // done: k finished and the best live prefix can only lose score (log p ≤ 0) from here
          const bestLive = next.length > 0 ? Math.max(...next.map((n) => n.h.score / (lengthPenalty > 0 ? maxLength : t + 1) ** lengthPenalty)) : -Infinity;
          if (next.length === 0 || (fin.length >= k && fin.at(-1)!.value >= bestLive)) done[b] = true;
          const kept = next.length > 0 ? next : [{ h: bs[0]!, from: 0 }];
          rows.push(...Array.from({ length: k }, (_, j) => b * k + kept[Math.min(j, kept.length - 1)]!.from));
          return kept.map((n) => n.h);
        });
        if (t + 1 < maxLength && done.includes(false)) run.state = reorder(run.state as S, tensor(rows, { dtype: 'int32' }));
      }
      return beams.map((bs, b) => {
        for (const h of bs) if (!done[b]) finished[b]!.push({ h, value: normalised(h, h.tokens.length) });
        const best = finished[b]!.sort((x, y) => y.value - x.value)[0];
        return best === undefined ? [] : best.h.tokens;
      });
    } finally {
      run.carried.releaseAll();
    }
  });
}

/** The top continuations of one sequence's live beams: up to k live ones (with the beam row they came from); stops go to `finish`. */
function extend(beams: readonly Hypothesis[], logp: readonly number[][], k: number, stop: number, finish: (h: Hypothesis) => void): { h: Hypothesis; from: number }[] {
  const candidates: { from: number; token: number; score: number }[] = [];
  beams.forEach((h, j) => logp[j]!.forEach((lp, token) => candidates.push({ from: j, token, score: h.score + lp })));
  candidates.sort((x, y) => y.score - x.score);
  const live: { h: Hypothesis; from: number }[] = [];
  for (const c of candidates.slice(0, 2 * k)) {
    if (live.length === k) break;
    const h = { tokens: [...beams[c.from]!.tokens, c.token], score: c.score };
    if (c.token === stop) finish({ tokens: h.tokens.slice(0, -1), score: c.score });
    else live.push({ h, from: c.from });
  }
  return live;
}
