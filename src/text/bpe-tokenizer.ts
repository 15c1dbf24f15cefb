/**
 * `BPETokenizer`: byte-level byte-pair encoding as GPT-2 uses it. Text becomes bytes (WTF-8, so
 * every JS string — lone surrogates included — round-trips), is split into word-like pieces, and
 * the merges learned from a corpus join each piece's bytes into larger tokens. Ids: 0–255 are the
 * bytes, 256 + i is merge i, and the special tokens come last.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { PAIR_BASE, mergePair, pretokenize, trainMerges } from './bpe-train.js';
import { bytesToString, checkOptionNames, idsArg, parseJSON, stringToBytes, type TokenIds } from './util.js';

/** Options of `BPETokenizer.train`. */
export interface BPETrainOptions {
  /** The vocabulary size to reach: 256 bytes + the merges + the specials (fewer merges when the corpus runs out of pairs). */
  vocabSize: number;
  /** Special tokens (non-empty strings, e.g. `'<|endoftext|>'`), never split or merged; their ids come last. */
  specials?: readonly string[];
}

/** The JSON form of a `BPETokenizer` (`toJSON` / `fromJSON`). */
export interface BPETokenizerJSON {
  type: 'nabla.BPETokenizer';
  version: 1;
  /** Merge i joins the tokens [left, right] into token 256 + i (each id below 256 + i). */
  merges: [number, number][];
  /** Special tokens, ids 256 + merges.length + i. */
  specials: string[];
}

const TYPE = 'nabla.BPETokenizer';
const FIELDS = ['type', 'version', 'merges', 'specials'];
/** The largest vocabulary (pair keys must stay exact: ids below 2^21). */
const MAX_VOCAB = PAIR_BASE;
/** Encoded pieces remembered per tokenizer before the cache starts afresh. */
const CACHE_LIMIT = 100_000;

/**
 * A byte-level BPE tokenizer: lossless for every string (`decode(encode(s)) === s`).
 * @example
 * const tok = BPETokenizer.train(corpus, { vocabSize: 2000, specials: ['<|endoftext|>'] });
 * const ids = tok.encode('Hello world');
 * tok.decode(ids); // 'Hello world'
 * writeFileSync('bpe.json', JSON.stringify(tok));
 * const same = BPETokenizer.fromJSON(readFileSync('bpe.json', 'utf8'));
 */
export class BPETokenizer {
  /** The merges in order: merge i joins [left, right] into token 256 + i. */
  readonly merges: readonly (readonly [number, number])[];
  /** The special tokens, ids 256 + merges.length + i. */
  readonly specials: readonly string[];
  private readonly ranks = new Map<number, number>();
  private readonly tokenBytes: number[][] = [];
  private readonly specialIds = new Map<string, number>();
  private readonly specialPattern: RegExp | null;
  private cache = new Map<string, number[]>();

  /**
   * A tokenizer from merges and specials (checked: each merge joins ids that exist before it, no
   * merge twice, specials distinct non-empty strings). Most code uses `train` or `fromJSON`.
   * @example
   * new BPETokenizer([[97, 98]], ['<eos>']).encode('abab'); // [256, 256]
   */
  constructor(merges: readonly (readonly [number, number])[], specials: readonly string[] = []) {
    const op = 'BPETokenizer';
    checkMerges(merges, op);
    checkSpecials(specials, op);
    check(256 + merges.length + specials.length <= MAX_VOCAB, ArgumentError,
      () => `[${op}] the vocabulary may hold at most ${MAX_VOCAB} tokens, got ${256 + merges.length + specials.length}`);
    this.merges = merges.map(([a, b]) => [a, b] as const);
    this.specials = [...specials];
    for (let b = 0; b < 256; b++) this.tokenBytes.push([b]);
    this.merges.forEach(([a, b], i) => {
      this.ranks.set(a * PAIR_BASE + b, i);
      this.tokenBytes.push([...this.tokenBytes[a]!, ...this.tokenBytes[b]!]);
    });
    this.specials.forEach((s, i) => {
      this.specialIds.set(s, 256 + this.merges.length + i);
      this.tokenBytes.push(stringToBytes(s));
    });
    // longest first, so that a special containing another wins
    const escaped = [...this.specials].sort((x, y) => y.length - x.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.specialPattern = escaped.length > 0 ? new RegExp(escaped.join('|'), 'g') : null;
  }

  /**
   * Learns `vocabSize - 256 - specials.length` merges from a corpus (a string or a list of
   * strings): each merge joins the most frequent adjacent pair of tokens within the pre-tokenized
   * pieces (ties: the pair with the smallest ids). Specials in the corpus are cut out first.
   * @example
   * const tok = BPETokenizer.train(['abab abab'], { vocabSize: 259 });
   * tok.merges; // [[97, 98], [256, 256], [32, 257]]: 'ab', 'abab', ' abab'
   */
  static train(corpus: string | readonly string[], options: BPETrainOptions): BPETokenizer {
    const op = 'BPETokenizer.train';
    const texts = typeof corpus === 'string' ? [corpus] : corpus;
    check(Array.isArray(texts), ArgumentError, () => `[${op}] corpus must be a string or an array of strings, got ${fmt(corpus)}`);
    texts.forEach((t, i) => check(typeof t === 'string', ArgumentError, () => `[${op}] corpus[${i}] must be a string, got ${fmt(t)}`));
    checkOptionNames(options, ['vocabSize', 'specials'], op);
    const { vocabSize, specials = [] } = options;
    checkSpecials(specials, op);
    check(Number.isSafeInteger(vocabSize) && vocabSize >= 256 + specials.length && vocabSize <= MAX_VOCAB, ArgumentError,
      () => `[${op}] vocabSize must be an integer in [${256 + specials.length}, ${MAX_VOCAB}] (256 bytes + ${specials.length} specials + the merges), got ${fmt(vocabSize)}`);
    const splitter = new BPETokenizer([], specials);
    const pieces = texts.flatMap((t) => splitter.splitSpecials(t).filter((p): p is string => typeof p === 'string'));
    return new BPETokenizer(trainMerges(pieces, vocabSize - 256 - specials.length), specials);
  }

  /**
   * A tokenizer from `toJSON`'s object or its JSON text; malformed input throws an ArgumentError.
   * @example
   * const tok = BPETokenizer.fromJSON(readFileSync('bpe.json', 'utf8'));
   */
  static fromJSON(json: BPETokenizerJSON | string): BPETokenizer {
    const op = 'BPETokenizer.fromJSON';
    const obj = parseJSON(json, op);
    check(obj.type === TYPE && obj.version === 1, ArgumentError,
      () => `[${op}] expected type ${fmt(TYPE)} version 1, got type ${fmt(obj.type)} version ${fmt(obj.version)}`);
    for (const key of Object.keys(obj)) check(FIELDS.includes(key), ArgumentError, () => `[${op}] unknown field ${fmt(key)}; the fields are ${FIELDS.join(', ')}`);
    checkMerges(obj.merges, op);
    checkSpecials(obj.specials, op);
    return new BPETokenizer(obj.merges, obj.specials);
  }

  /** Number of token ids: 256 bytes, the merges and the specials. */
  get vocabSize(): number {
    return this.tokenBytes.length;
  }

  /**
   * The token ids of `s`. Special tokens written in the text become their ids.
   * @example
   * tok.encode('hello<|endoftext|>'); // ..., tok.tokenToId('<|endoftext|>')
   */
  encode(s: string): number[] {
    check(typeof s === 'string', ArgumentError, () => `[BPETokenizer.encode] text must be a string, got ${fmt(s)}`);
    const out: number[] = [];
    for (const part of this.splitSpecials(s)) {
      if (typeof part === 'number') out.push(part);
      else for (const piece of pretokenize(part)) for (const id of this.encodePiece(piece)) out.push(id);
    }
    return out;
  }

  /**
   * The text of token ids; ids that cut a character in two give U+FFFD there. An id out of range
   * throws an ArgumentError.
   * @example
   * tok.decode(tok.encode('naïve ☃')); // 'naïve ☃'
   */
  decode(ids: TokenIds): string {
    return bytesToString(this.decodeBytes(ids));
  }

  /**
   * The bytes (WTF-8) that token ids stand for: for decoding a stream token by token, where one
   * token may hold only part of a character.
   * @example
   * tok.decodeBytes([104, 105]); // Uint8Array [104, 105]
   */
  decodeBytes(ids: TokenIds): Uint8Array {
    const list = idsArg(ids, this.vocabSize, 'BPETokenizer.decode');
    const bytes: number[] = [];
    for (const id of list) for (const b of this.tokenBytes[id]!) bytes.push(b);
    return Uint8Array.from(bytes);
  }

  /**
   * The id of a special token, or of a string whose bytes are exactly one token; undefined otherwise.
   * @example
   * tok.tokenToId('<|endoftext|>');
   */
  tokenToId(token: string): number | undefined {
    check(typeof token === 'string', ArgumentError, () => `[BPETokenizer.tokenToId] token must be a string, got ${fmt(token)}`);
    const special = this.specialIds.get(token);
    if (special !== undefined) return special;
    const ids = token.length > 0 ? this.encodePiece(token) : [];
    return ids.length === 1 ? ids[0] : undefined;
  }

  /**
   * The text of one token (a token holding part of a character shows U+FFFD there).
   * @example
   * tok.idToToken(104); // 'h'
   */
  idToToken(id: number): string {
    check(Number.isSafeInteger(id) && id >= 0 && id < this.vocabSize, ArgumentError,
      () => `[BPETokenizer.idToToken] id must be an integer in [0, ${this.vocabSize}), got ${fmt(id)}`);
    return bytesToString(this.tokenBytes[id]!);
  }

  /**
   * The merges and specials as a plain object (what `JSON.stringify` writes; `fromJSON` reads it back).
   * @example
   * writeFileSync('bpe.json', JSON.stringify(tok));
   */
  toJSON(): BPETokenizerJSON {
    return { type: TYPE, version: 1, merges: this.merges.map(([a, b]) => [a, b]), specials: [...this.specials] };
  }

  /** The text cut at the special tokens: strings between them, and their ids. */
  private splitSpecials(s: string): (string | number)[] {
    if (this.specialPattern === null) return s.length > 0 ? [s] : [];
    const parts: (string | number)[] = [];
    let end = 0;
    for (const m of s.matchAll(this.specialPattern)) {
      if (m.index > end) parts.push(s.slice(end, m.index));
      parts.push(this.specialIds.get(m[0])!);
      end = m.index + m[0].length;
    }
    if (end < s.length) parts.push(s.slice(end));
    return parts;
  }

  /** The tokens of one pre-tokenized piece: apply the lowest-ranked merge present until none is (cached). */
  private encodePiece(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached !== undefined) return cached;
    let ids = stringToBytes(piece);
    while (ids.length > 1) {
      let best = Infinity;
      for (let i = 0; i + 1 < ids.length; i++) {
        const rank = this.ranks.get(ids[i]! * PAIR_BASE + ids[i + 1]!);
        if (rank !== undefined && rank < best) best = rank;
      }
      if (best === Infinity) break;
      const [a, b] = this.merges[best]!;
      ids = mergePair(ids, a, b, 256 + best);
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache = new Map();
    this.cache.set(piece, ids);
    return ids;
  }
}

/** Each merge is a pair of integer ids that exist before it (below 256 + its index), and no pair repeats. */
function checkMerges(merges: unknown, op: string): asserts merges is [number, number][] {
  check(Array.isArray(merges), ArgumentError, () => `[${op}] merges must be an array of [left, right] id pairs, got ${fmt(merges)}`);
  const seen = new Set<number>();
  merges.forEach((m: unknown, i) => {
    check(Array.isArray(m) && m.length === 2 && m.every((id) => Number.isSafeInteger(id) && id >= 0 && id < 256 + i), ArgumentError,
      () => `[${op}] merges[${i}] must be a pair of token ids below ${256 + i}, got ${fmt(m)}`);
    const key = m[0] * PAIR_BASE + m[1];
    check(!seen.has(key), ArgumentError, () => `[${op}] merges[${i}] repeats the pair ${fmt(m)}`);
    seen.add(key);
  });
}

/** Specials: distinct non-empty strings. */
function checkSpecials(specials: unknown, op: string): asserts specials is string[] {
  check(Array.isArray(specials), ArgumentError, () => `[${op}] specials must be an array of strings, got ${fmt(specials)}`);
  specials.forEach((s: unknown, i) => check(typeof s === 'string' && s.length > 0, ArgumentError,
    () => `[${op}] specials[${i}] must be a non-empty string, got ${fmt(s)}`));
  check(new Set(specials).size === specials.length, ArgumentError, () => `[${op}] specials must be distinct, got ${fmt(specials)}`);
}
