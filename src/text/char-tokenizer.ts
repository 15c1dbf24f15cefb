/**
 * `CharTokenizer`: one token per Unicode code point (not per UTF-16 unit: an emoji is one token),
 * with a vocabulary read off a corpus. Special tokens (`<pad>`, `<eos>`, …) take the first ids;
 * the characters follow, sorted by code point. A character outside the vocabulary is an error,
 * or maps to an unknown token when one is configured.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { checkOptionNames, idsArg, parseJSON, type TokenIds } from './util.js';

/** Options of `CharTokenizer.fromCorpus`. */
export interface CharTokenizerOptions {
  /** Special tokens (any non-empty strings), given the ids 0, 1, … in this order. */
  specials?: readonly string[];
  /**
   * What `encode` does with a character outside the vocabulary: `'error'` (the default) throws an
   * ArgumentError; a string names the unknown token it maps to (added to the specials if absent).
   */
  unknown?: 'error' | string;
}

/** The JSON form of a `CharTokenizer` (`toJSON` / `fromJSON`). */
export interface CharTokenizerJSON {
  type: 'nabla.CharTokenizer';
  version: 1;
  /** Special tokens, ids 0 … specials.length - 1. */
  specials: string[];
  /** Single code points, the ids after the specials. */
  chars: string[];
  /** The unknown token (one of the specials), or null to throw on unknown characters. */
  unknown: string | null;
}

const TYPE = 'nabla.CharTokenizer';
const FIELDS = ['type', 'version', 'specials', 'chars', 'unknown'];

/**
 * A character-level tokenizer: each code point of the text is one token id.
 * @example
 * const tok = CharTokenizer.fromCorpus(['hello', 'world'], { specials: ['<eos>'] });
 * tok.vocabSize;                // 8: '<eos>' then d e h l o r w
 * tok.encode('hold');           // [3, 5, 4, 1]
 * tok.decode(tok.encode('hold')); // 'hold'
 */
export class CharTokenizer {
  /** The special tokens, with ids 0 … specials.length - 1. */
  readonly specials: readonly string[];
  /** The characters (code points), with the ids after the specials. */
  readonly chars: readonly string[];
  /** The unknown token, or null when an unknown character throws. */
  readonly unknown: string | null;
  private readonly tokens: string[];
  private readonly ids: Map<string, number>;

  /**
   * A tokenizer over `specials` then `chars` (each a single code point, distinct); checked. Most
   * code uses `fromCorpus` or `fromJSON`.
   * @example
   * new CharTokenizer({ specials: ['<unk>'], chars: ['a', 'b'], unknown: '<unk>' });
   */
  constructor(vocabulary: { specials: readonly string[]; chars: readonly string[]; unknown?: string | null }) {
    const op = 'CharTokenizer';
    check(typeof vocabulary === 'object' && vocabulary !== null, ArgumentError, () => `[${op}] expected { specials, chars, unknown }, got ${fmt(vocabulary)}`);
    const { specials, chars, unknown = null } = vocabulary;
    checkStrings(specials, op, 'specials');
    checkStrings(chars, op, 'chars');
    chars.forEach((c, i) => check([...c].length === 1, ArgumentError,
      () => `[${op}] chars[${i}] must be a single character (code point), got ${fmt(c)}`));
    check(unknown === null || (typeof unknown === 'string' && specials.includes(unknown)), ArgumentError,
      () => `[${op}] unknown must be null or one of the specials ${fmt(specials)}, got ${fmt(unknown)}`);
    this.specials = [...specials];
    this.chars = [...chars];
    this.unknown = unknown;
    this.tokens = [...specials, ...chars];
    this.ids = new Map(this.tokens.map((t, i) => [t, i]));
    check(this.ids.size === this.tokens.length, ArgumentError,
      () => `[${op}] the tokens must be distinct, got ${fmt(this.tokens.filter((t, i) => this.tokens.indexOf(t) !== i))} more than once`);
  }

  /**
   * A tokenizer whose characters are the distinct code points of `text` (a string or a list of
   * strings), sorted by code point, after `specials` (a special equal to a corpus character takes
   * its place, with the special's id).
   * @example
   * CharTokenizer.fromCorpus('abcab', { unknown: '<unk>' }).encode('abz'); // [1, 2, 0]
   */
  static fromCorpus(text: string | readonly string[], options: CharTokenizerOptions = {}): CharTokenizer {
    const op = 'CharTokenizer.fromCorpus';
    checkOptionNames(options, ['specials', 'unknown'], op);
    const texts = typeof text === 'string' ? [text] : text;
    check(Array.isArray(texts), ArgumentError, () => `[${op}] text must be a string or an array of strings, got ${fmt(text)}`);
    texts.forEach((t, i) => check(typeof t === 'string', ArgumentError, () => `[${op}] text[${i}] must be a string, got ${fmt(t)}`));
    const { specials = [], unknown = 'error' } = options as CharTokenizerOptions;
    checkStrings(specials, op, 'specials');
    check(typeof unknown === 'string' && unknown.length > 0, ArgumentError,
      () => `[${op}] unknown must be 'error' or a non-empty token string, got ${fmt(unknown)}`);
    const allSpecials = unknown === 'error' || specials.includes(unknown) ? [...specials] : [...specials, unknown];
    const seen = new Set<string>();
    for (const t of texts) for (const c of t) seen.add(c);
    for (const s of allSpecials) seen.delete(s);
    const chars = [...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer({ specials: allSpecials, chars, unknown: unknown === 'error' ? null : unknown });
  }

  /**
   * A tokenizer from `toJSON`'s object or its JSON text; malformed input throws an ArgumentError.
   * @example
   * const copy = CharTokenizer.fromJSON(JSON.stringify(tok));
   */
  static fromJSON(json: CharTokenizerJSON | string): CharTokenizer {
    const op = 'CharTokenizer.fromJSON';
    const obj = parseJSON(json, op);
    check(obj.type === TYPE && obj.version === 1, ArgumentError,
      () => `[${op}] expected type ${fmt(TYPE)} version 1, got type ${fmt(obj.type)} version ${fmt(obj.version)}`);
    for (const key of Object.keys(obj)) check(FIELDS.includes(key), ArgumentError, () => `[${op}] unknown field ${fmt(key)}; the fields are ${FIELDS.join(', ')}`);
    check(obj.unknown === null || typeof obj.unknown === 'string', ArgumentError, () => `[${op}] unknown must be null or a string, got ${fmt(obj.unknown)}`);
    return new CharTokenizer({ specials: obj.specials as string[], chars: obj.chars as string[], unknown: obj.unknown });
  }

  /** Number of token ids (specials and characters). */
  get vocabSize(): number {
    return this.tokens.length;
  }

  /**
   * The token ids of the code points of `s`. An unknown character throws an ArgumentError naming it
   * and its position, or maps to the unknown token when one is configured.
   * @example
   * tok.encode('hi 👋'); // four ids: the emoji is one code point
   */
  encode(s: string): number[] {
    check(typeof s === 'string', ArgumentError, () => `[CharTokenizer.encode] text must be a string, got ${fmt(s)}`);
    const unknownId = this.unknown === null ? -1 : this.ids.get(this.unknown)!;
    const out: number[] = [];
    let position = 0;
    for (const c of s) {
      const id = this.ids.get(c) ?? unknownId;
      if (id < 0) {
        throw new ArgumentError(`[CharTokenizer.encode] unknown character ${fmt(c)} (${codePointName(c)}) at position ${position} ` +
          `(code point index) of the text; it is not in the vocabulary (configure an unknown token with fromCorpus(text, { unknown: '<unk>' }))`);
      }
      out.push(id);
      position++;
    }
    return out;
  }

  /**
   * The text of token ids (specials give their strings); an id out of range throws an ArgumentError.
   * @example
   * tok.decode([3, 5, 4, 1]); // 'hold'
   */
  decode(ids: TokenIds): string {
    return idsArg(ids, this.tokens.length, 'CharTokenizer.decode').map((id) => this.tokens[id]!).join('');
  }

  /**
   * The id of a token (a special or a single character), or undefined when it is not in the vocabulary.
   * @example
   * tok.tokenToId('<eos>'); // 0
   */
  tokenToId(token: string): number | undefined {
    check(typeof token === 'string', ArgumentError, () => `[CharTokenizer.tokenToId] token must be a string, got ${fmt(token)}`);
    return this.ids.get(token);
  }

  /**
   * The token of an id; an id out of range throws an ArgumentError.
   * @example
   * tok.idToToken(0); // '<eos>'
   */
  idToToken(id: number): string {
    check(Number.isSafeInteger(id) && id >= 0 && id < this.tokens.length, ArgumentError,
      () => `[CharTokenizer.idToToken] id must be an integer in [0, ${this.tokens.length}), got ${fmt(id)}`);
    return this.tokens[id]!;
  }

  /**
   * The vocabulary as a plain object (what `JSON.stringify` writes; `fromJSON` reads it back).
   * @example
   * writeFileSync('vocab.json', JSON.stringify(tok));
   */
  toJSON(): CharTokenizerJSON {
    return { type: TYPE, version: 1, specials: [...this.specials], chars: [...this.chars], unknown: this.unknown };
  }
}

/** Checks an array of distinct non-empty strings. */
function checkStrings(list: unknown, op: string, arg: string): asserts list is readonly string[] {
  check(Array.isArray(list), ArgumentError, () => `[${op}] ${arg} must be an array of strings, got ${fmt(list)}`);
  list.forEach((s, i) => check(typeof s === 'string' && s.length > 0, ArgumentError,
    () => `[${op}] ${arg}[${i}] must be a non-empty string, got ${fmt(s)}`));
  check(new Set(list).size === list.length, ArgumentError, () => `[${op}] ${arg} must be distinct, got ${fmt(list)}`);
}

/** `U+1F44B`-style name of a code point. */
function codePointName(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
