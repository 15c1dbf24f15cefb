import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArgumentError, NablaError, tensor, text } from '../src/index.js';

const { CharTokenizer, BPETokenizer, pretokenize } = text;

/** Any JS string, lone surrogates included: UTF-16 code units drawn freely. */
const anyUtf16 = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((units) => String.fromCharCode(...units));
/** Strings of code points anywhere in Unicode, of graphemes, and of any UTF-16 units. */
const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), anyUtf16,
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '1', "'", '\n', '<', '|', '>'), maxLength: 40 }));

const CORPUS = [
  "The quick brown fox jumps over the lazy dog. It's 2024, and the dog's still lazy!",
  'naïve café — déjà vu. 日本語のテキスト、絵文字 👋🏽 and more text, more text, more text.',
  'def f(x):\n    return x * 2  # comment\n\n\tindented\r\n',
];

describe('CharTokenizer', () => {
  const tok = CharTokenizer.fromCorpus(['hello', 'world'], { specials: ['<eos>'] });

  it('puts the specials first, then the corpus code points sorted', () => {
    expect(tok.vocabSize).toBe(8);
    expect(tok.specials).toEqual(['<eos>']);
    expect(tok.chars).toEqual(['d', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(tok.encode('hold')).toEqual([3, 5, 4, 1]);
    expect(tok.decode([3, 5, 4, 1, 0])).toBe('hold<eos>');
    expect(tok.tokenToId('<eos>')).toBe(0);
    expect(tok.tokenToId('w')).toBe(7);
    expect(tok.tokenToId('z')).toBeUndefined();
    expect(tok.idToToken(3)).toBe('h');
  });

  it('counts code points, not UTF-16 units, sorted by code point', () => {
    const t = CharTokenizer.fromCorpus('b👋a\u{1F600}é');
    expect(t.chars).toEqual(['a', 'b', 'é', '👋', '\u{1F600}']);
    expect(t.encode('👋a')).toEqual([3, 0]);
    expect(t.decode(tensor([4, 2], { dtype: 'int32' }))).toBe('\u{1F600}é');
  });

  it('throws on an unknown character, naming it and its position', () => {
    expect(() => tok.encode('hex')).toThrow(ArgumentError);
    expect(() => tok.encode('hex')).toThrow('[CharTokenizer.encode] unknown character "x" (U+0078) at position 2');
    expect(() => tok.encode('h👋')).toThrow('unknown character "👋" (U+1F44B) at position 1');
    // positions count code points: '?' is at code point 2 (UTF-16 index 3)
    expect(() => CharTokenizer.fromCorpus('👋b').encode('👋b?')).toThrow('unknown character "?" (U+003F) at position 2');
  });

  it('maps unknown characters to the unknown token when one is configured', () => {
    const t = CharTokenizer.fromCorpus('abcab', { unknown: '<unk>' });
    expect(t.specials).toEqual(['<unk>']);
    expect(t.encode('abz')).toEqual([1, 2, 0]);
    const u = CharTokenizer.fromCorpus('ab', { specials: ['<pad>', '<unk>'], unknown: '<unk>' });
    expect(u.encode('zb')).toEqual([1, 3]);
    expect(u.decode(u.encode('zb'))).toBe('<unk>b');
  });

  it('a special equal to a corpus character keeps the special id', () => {
    const t = CharTokenizer.fromCorpus('a\nb', { specials: ['\n'] });
    expect(t.chars).toEqual(['a', 'b']);
    expect(t.encode('a\n')).toEqual([1, 0]);
  });

  it('decode(encode(s)) === s for strings over its vocabulary', () => {
    const t = CharTokenizer.fromCorpus(CORPUS, { specials: ['<pad>'] });
    fc.assert(fc.property(fc.array(fc.constantFrom(...t.chars)), (chars) => {
      const s = chars.join('');
      expect(t.decode(t.encode(s))).toBe(s);
    }));
  });

  it('checks its arguments with typed errors', () => {
    expect(() => tok.decode([8])).toThrow('[CharTokenizer.decode] ids[0] must be a token id, an integer in [0, 8), got 8');
    expect(() => tok.decode([1.5])).toThrow(ArgumentError);
    expect(() => tok.decode('ab' as never)).toThrow(ArgumentError);
    expect(() => tok.idToToken(-1)).toThrow(ArgumentError);
    expect(() => tok.encode(3 as never)).toThrow(ArgumentError);
    expect(() => tok.tokenToId(3 as never)).toThrow(ArgumentError);
    expect(() => CharTokenizer.fromCorpus(3 as never)).toThrow(ArgumentError);
    expect(() => CharTokenizer.fromCorpus('ab', { specials: ['x', 'x'] })).toThrow('[CharTokenizer.fromCorpus] specials must be distinct');
    expect(() => CharTokenizer.fromCorpus('ab', { specials: [''] })).toThrow(ArgumentError);
    expect(() => CharTokenizer.fromCorpus('ab', { unknown: '' })).toThrow(ArgumentError);
    expect(() => CharTokenizer.fromCorpus('ab', { special: [] } as never)).toThrow('unknown option "special"');
  });

  it('round-trips through JSON with identical encodings', () => {
    const t = CharTokenizer.fromCorpus(CORPUS, { specials: ['<pad>'], unknown: '<unk>' });
    const copy = CharTokenizer.fromJSON(JSON.stringify(t));
    expect(copy.toJSON()).toEqual(t.toJSON());
    for (const s of [...CORPUS, 'unknown: ß∑']) expect(copy.encode(s)).toEqual(t.encode(s));
    expect(CharTokenizer.fromJSON(t.toJSON()).vocabSize).toBe(t.vocabSize);
  });

  it('rejects malformed JSON with ArgumentErrors', () => {
    const good = tok.toJSON();
    const bad: unknown[] = [
      '{', '[]', 'null', '3', { ...good, type: 'other' }, { ...good, version: 2 }, { ...good, extra: 1 },
      { ...good, chars: ['ab'] }, { ...good, chars: ['a', 'a'] }, { ...good, chars: 'abc' }, { ...good, specials: [1] },
      { ...good, chars: ['<eos>'] }, { ...good, unknown: '<nope>' }, { ...good, unknown: 5 },
    ];
    for (const json of bad) expect(() => CharTokenizer.fromJSON(json as never), JSON.stringify(json)).toThrow(ArgumentError);
    expect(() => CharTokenizer.fromJSON('{')).toThrow('[CharTokenizer.fromJSON] invalid JSON');
  });

  it('mutated JSON either loads or throws a NablaError', () => {
    const json = JSON.stringify(CharTokenizer.fromCorpus('abc', { specials: ['<s>'], unknown: '<u>' }));
    fc.assert(fc.property(mutatedText(json), (mutant) => {
      let t: InstanceType<typeof CharTokenizer>;
      try {
        t = CharTokenizer.fromJSON(mutant);
      } catch (error) {
        expect(error).toBeInstanceOf(NablaError);
        return;
      }
      const s = t.chars.join('');
      expect(t.decode(t.encode(s))).toBe(s);
    }), { numRuns: 500 });
  });
});

describe('pretokenize', () => {
  it('splits like GPT-2: words with their leading space, numbers, punctuation, whitespace', () => {
    expect(pretokenize("Hello world, it's 42!")).toEqual(['Hello', ' world', ',', ' it', "'s", ' 42', '!']);
    expect(pretokenize('a  b\n\n c')).toEqual(['a', ' ', ' b', '\n\n', ' c']);
    expect(pretokenize('x   ')).toEqual(['x', '   ']);
    expect(pretokenize('héllo wörld 日本')).toEqual(['héllo', ' wörld', ' 日本']);
  });

  it('the pieces concatenate back to the text', () => {
    fc.assert(fc.property(anyString, (s) => {
      expect(pretokenize(s).join('')).toBe(s);
    }));
  });
});

describe('BPETokenizer', () => {
  it('learns the merges computed by hand', () => {
    // 'abab' and ' abab': (a,b) occurs 4 times, (b,a) twice, (' ',a) once
    const tok = BPETokenizer.train(['abab abab'], { vocabSize: 259 });
    expect(tok.merges).toEqual([[97, 98], [256, 256], [32, 257]]);
    expect(tok.encode('abab abab')).toEqual([257, 258]);
    expect(tok.encode('ab abab ba')).toEqual([256, 258, 32, 98, 97]);
    expect(tok.idToToken(258)).toBe(' abab');
  });

  it('breaks ties by the smallest pair', () => {
    // every pair occurs once: (' ', 'c') < ('a', 'b') < (' c', 'd')
    const tok = BPETokenizer.train('ab cd', { vocabSize: 259 });
    expect(tok.merges).toEqual([[32, 99], [97, 98], [256, 100]]);
    expect(tok.encode('ab cd')).toEqual([257, 258]);
  });

  it('weights pairs by how often each word occurs, and stops when no pair is left', () => {
    const tok = BPETokenizer.train('aaaa', { vocabSize: 300 });
    // (a,a) ×3 → 'aa','aa' → (aa,aa) → 'aaaa'; then nothing is left to merge
    expect(tok.merges).toEqual([[97, 97], [256, 256]]);
    expect(tok.vocabSize).toBe(258);
    expect(tok.encode('aaaaaaa')).toEqual([257, 256, 97]);
  });

  it('keeps specials whole, with the last ids, and never merges across them', () => {
    const tok = BPETokenizer.train(['ab<|end|>ab<|end|>ab'], { vocabSize: 258, specials: ['<|end|>'] });
    expect(tok.merges).toEqual([[97, 98]]);
    expect(tok.tokenToId('<|end|>')).toBe(257);
    expect(tok.encode('ab<|end|>b')).toEqual([256, 257, 98]);
    expect(tok.decode([256, 257])).toBe('ab<|end|>');
  });

  const tok = BPETokenizer.train(CORPUS, { vocabSize: 400, specials: ['<|endoftext|>'] });

  it('decode(encode(s)) === s for any string, lone surrogates included', () => {
    fc.assert(fc.property(anyString, (s) => {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }), { numRuns: 500 });
    for (const s of ['\uD800', '\uDC00\uD800', 'a\uD83Db', '\uD83D\uDE00', '<|endoftext|>\uD800<|endoftext|>', '']) {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });

  it('its bytes are UTF-8 for well-formed strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
      expect(Array.from(tok.decodeBytes(tok.encode(s)))).toEqual(Array.from(new TextEncoder().encode(s)));
    }));
  });

  it('compresses the text it was trained on', () => {
    const ids = tok.encode(CORPUS[0]!);
    expect(ids.length).toBeLessThan(new TextEncoder().encode(CORPUS[0]!).length / 2);
    expect(tok.encode(CORPUS[0]!)).toEqual(ids); // the cache gives the same answer
  });

  it('decodes ids that cut a character with U+FFFD', () => {
    const t = new BPETokenizer([]);
    expect(t.encode('é')).toEqual([0xc3, 0xa9]);
    expect(t.decode([0xc3])).toBe('\uFFFD');
    expect(t.decode([0xc3, 0x41])).toBe('\uFFFDA');
    expect(t.decode([0xff, 0xe2, 0x82])).toBe('\uFFFD\uFFFD');
    expect(t.idToToken(0xc3)).toBe('\uFFFD');
  });

  it('training is deterministic', () => {
    expect(BPETokenizer.train(CORPUS, { vocabSize: 350 }).merges).toEqual(BPETokenizer.train(CORPUS, { vocabSize: 350 }).merges);
  });

  it('round-trips through JSON with identical encodings', () => {
    const copy = BPETokenizer.fromJSON(JSON.stringify(tok));
    expect(copy.toJSON()).toEqual(tok.toJSON());
    expect(copy.vocabSize).toBe(tok.vocabSize);
    fc.assert(fc.property(anyString, (s) => {
      expect(copy.encode(s)).toEqual(tok.encode(s));
    }));
  });

  it('checks its arguments with typed errors', () => {
    expect(() => BPETokenizer.train('ab', { vocabSize: 255 })).toThrow('[BPETokenizer.train] vocabSize must be an integer in [256, 2097152]');
    expect(() => BPETokenizer.train('ab', { vocabSize: 256, specials: ['x'] })).toThrow(ArgumentError);
    expect(() => BPETokenizer.train('ab', { vocabSize: 300.5 })).toThrow(ArgumentError);
    expect(() => BPETokenizer.train('ab', {} as never)).toThrow(ArgumentError);
    expect(() => BPETokenizer.train([1] as never, { vocabSize: 300 })).toThrow('[BPETokenizer.train] corpus[0] must be a string');
    expect(() => BPETokenizer.train('ab', { vocabSize: 300, vocab: 3 } as never)).toThrow('unknown option "vocab"');
    expect(() => tok.decode([tok.vocabSize])).toThrow(ArgumentError);
    expect(() => tok.decode([-1])).toThrow(ArgumentError);
    expect(() => tok.encode(null as never)).toThrow(ArgumentError);
    expect(() => tok.idToToken(1e9)).toThrow(ArgumentError);
  });

  it('rejects malformed JSON with ArgumentErrors', () => {
    const good = new BPETokenizer([[97, 98], [256, 99]], ['<s>']).toJSON();
    const bad: unknown[] = [
      'not json', '[1]', { ...good, type: 'nabla.CharTokenizer' }, { ...good, version: '1' }, { ...good, more: true },
      { ...good, merges: [[97, 98], [97, 98]] }, { ...good, merges: [[97, 257]] }, { ...good, merges: [[97]] },
      { ...good, merges: [[97, -1]] }, { ...good, merges: [[97, 1.5]] }, { ...good, merges: {} }, { ...good, specials: ['<s>', '<s>'] },
      { ...good, specials: [''] }, { ...good, specials: null }, { type: good.type, version: 1 },
    ];
    for (const json of bad) expect(() => BPETokenizer.fromJSON(json as never), JSON.stringify(json)).toThrow(ArgumentError);
    expect(BPETokenizer.fromJSON(good).encode('abc<s>')).toEqual([257, 258]);
  });

  it('mutated JSON either loads or throws a NablaError', () => {
    const json = JSON.stringify(BPETokenizer.train('abab abcd', { vocabSize: 262, specials: ['<s>'] }));
    const structural = fc.record({ key: fc.constantFrom('type', 'version', 'merges', 'specials', 'x'), value: fc.jsonValue() })
      .map(({ key, value }) => JSON.stringify({ ...JSON.parse(json), [key]: value }));
    fc.assert(fc.property(fc.oneof(mutatedText(json), structural), (mutant) => {
      let t: InstanceType<typeof BPETokenizer>;
      try {
        t = BPETokenizer.fromJSON(mutant);
      } catch (error) {
        expect(error).toBeInstanceOf(NablaError);
        return;
      }
      expect(t.decode(t.encode('abab <s> abcd é'))).toBe('abab <s> abcd é');
    }), { numRuns: 1000 });
  });
});

/** `json` with a character replaced, a span deleted or a snippet inserted. */
function mutatedText(json: string): fc.Arbitrary<string> {
  const at = fc.integer({ min: 0, max: json.length });
  const snippet = fc.constantFrom('0', '9', '-', '"', ',', '[', ']', '{', '}', 'null', '1e9', '256', '"a"', '[1,2]');
  return fc.oneof(
    fc.tuple(at, snippet).map(([i, s]) => json.slice(0, i) + s + json.slice(i + 1)),
    fc.tuple(at, fc.integer({ min: 1, max: 6 })).map(([i, n]) => json.slice(0, i) + json.slice(i + n)),
    fc.tuple(at, snippet).map(([i, s]) => json.slice(0, i) + s + json.slice(i)),
  );
}
