/**
 * The pieces of byte-level BPE that do not need the tokenizer class: the GPT-2-style pre-tokenizer
 * and merge training by pair counting with incremental updates (each merge touches only the words
 * that contain the merged pair, and a lazy max-heap finds the next most frequent pair).
 */
import { stringToBytes } from './util.js';

/**
 * GPT-2's split (our own spelling of the facts): English contractions, letters with an optional
 * leading space, digits with an optional leading space, other symbols with an optional leading
 * space, whitespace not followed by a non-space (so the last space joins the next word), and any
 * other whitespace. With the `u` flag a lone surrogate is one code point and falls in the symbols.
 */
const PRETOKENIZE = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * Splits text into the pieces BPE merges within (merges never cross a piece boundary). The pieces
 * concatenate back to `text` exactly.
 * @example
 * pretokenize("Hello world, it's 42!"); // ['Hello', ' world', ',', ' it', "'s", ' 42', '!']
 */
export function pretokenize(text: string): string[] {
  const pieces: string[] = [];
  let end = 0;
  for (const m of text.matchAll(PRETOKENIZE)) {
    // NOTE: the alternatives cover every code point, so there is never a gap; kept as a safety net
    if (m.index > end) pieces.push(text.slice(end, m.index));
    pieces.push(m[0]);
    end = m.index + m[0].length;
  }
  if (end < text.length) pieces.push(text.slice(end));
  return pieces;
}

/**
 * Pair keys are `left * PAIR_BASE + right`, exact in a double for ids below 2^21.
 * @example
 * const key = 97 * PAIR_BASE + 98; // the pair ('a', 'b')
 */
export const PAIR_BASE = 2 ** 21;

/**
 * A max-heap of (count, pair key) entries, highest count first and, among equal counts, the
 * smallest key (the pair with the smallest left id, then the smallest right id). Entries go stale
 * when a count changes; the reader skips those (lazy deletion).
 */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the top entry as [count, key]. */
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0]!, this.keys[0]!];
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.keys.length > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < n && this.before(left, best)) best = left;
      if (right < n && this.before(right, best)) best = right;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }

  private before(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.keys[i]! < this.keys[j]!);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j]!, this.counts[i]!];
    [this.keys[i], this.keys[j]] = [this.keys[j]!, this.keys[i]!];
  }
}

/** A distinct pre-tokenized piece: its current symbols and how often it occurs in the corpus. */
interface Word {
  ids: number[];
  count: number;
}

/**
 * `ids` with every non-overlapping occurrence of (a, b), scanned left to right, replaced by `merged`.
 * @example
 * mergePair([1, 1, 1, 2], 1, 1, 9); // [9, 1, 2]
 */
export function mergePair(ids: readonly number[], a: number, b: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; ) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(merged);
      i += 2;
    } else {
      out.push(ids[i++]!);
    }
  }
  return out;
}

/** The pair counts and the words each pair occurs in, kept up to date merge by merge. */
class PairStats {
  readonly counts = new Map<number, number>();
  readonly where = new Map<number, Set<number>>();
  readonly heap = new PairHeap();

  constructor(readonly words: Word[]) {
    words.forEach((_, w) => this.addWord(w));
    for (const [key, count] of this.counts) this.heap.push(count, key);
  }

  /** The most frequent pair (ties: the smallest pair), or null when no pair is left. */
  popBest(): number | null {
    while (this.heap.size > 0) {
      const [count, key] = this.heap.pop();
      if (this.counts.get(key) === count) return key;
    }
    return null;
  }

  /** Replaces the pair `key` by `merged` in every word that has it, updating the counts. */
  merge(key: number, merged: number): void {
    const a = Math.floor(key / PAIR_BASE);
    const b = key % PAIR_BASE;
    const delta = new Map<number, number>();
    for (const w of this.where.get(key) ?? []) {
      const word = this.words[w]!;
      const ids = mergePair(word.ids, a, b, merged);
      if (ids.length === word.ids.length) continue; // an earlier merge took the pair from this word
      this.visitPairs(word.ids, (k) => delta.set(k, (delta.get(k) ?? 0) - word.count));
      word.ids = ids;
      this.visitPairs(ids, (k) => {
        delta.set(k, (delta.get(k) ?? 0) + word.count);
        this.wordsWith(k).add(w);
      });
    }
    this.where.delete(key);
    for (const [k, d] of delta) {
      if (d === 0) continue;
      const count = (this.counts.get(k) ?? 0) + d;
      if (count > 0) {
        this.counts.set(k, count);
        this.heap.push(count, k);
      } else {
        this.counts.delete(k);
      }
    }
  }

  private addWord(w: number): void {
    const { ids, count } = this.words[w]!;
    this.visitPairs(ids, (k) => {
      this.counts.set(k, (this.counts.get(k) ?? 0) + count);
      this.wordsWith(k).add(w);
    });
  }

  private wordsWith(key: number): Set<number> {
    let set = this.where.get(key);
    if (set === undefined) this.where.set(key, (set = new Set()));
    return set;
  }

  private visitPairs(ids: readonly number[], fn: (key: number) => void): void {
    for (let i = 0; i + 1 < ids.length; i++) fn(ids[i]! * PAIR_BASE + ids[i + 1]!);
  }
}

/**
 * Learns up to `numMerges` merges from pre-tokenized texts: repeatedly the most frequent adjacent
 * pair of symbols (counting every adjacent position in every piece, weighted by how often the piece
 * occurs; ties go to the smallest (left, right) pair) becomes the new symbol `256 + merge index`.
 * Stops early when no pair is left. Returns the merges as [left, right] id pairs.
 * @example
 * trainMerges(['abab', ' abab'], 3); // [[97, 98], [256, 256], [32, 257]]
 */
export function trainMerges(texts: readonly string[], numMerges: number): [number, number][] {
  const counts = new Map<string, number>();
  for (const text of texts) for (const piece of pretokenize(text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  const words: Word[] = [];
  for (const [piece, count] of counts) words.push({ ids: stringToBytes(piece), count });
  const stats = new PairStats(words);
  const merges: [number, number][] = [];
  while (merges.length < numMerges) {
    const key = stats.popBest();
    if (key === null) break;
    merges.push([Math.floor(key / PAIR_BASE), key % PAIR_BASE]);
    stats.merge(key, 256 + merges.length - 1);
  }
  return merges;
}
