import { describe, expect, it } from 'vitest';
import { editDistance, errorRates, scoreWord } from '../examples/g2p/metrics.js';

const p = (s: string): string[] => (s === '' ? [] : s.split(' '));

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance([...'kitten'], [...'sitting'])).toBe(3); // k→s, e→i, +g
    expect(editDistance(p('K AE1 T'), p('K AH0 T S'))).toBe(2); // AE1→AH0, +S
    expect(editDistance(p('AH0 B'), p('B AH0'))).toBe(2); // a swap is two edits
    expect(editDistance(p('R EH1 D'), p('R EH1 D'))).toBe(0);
  });

  it('handles empty sequences and is symmetric', () => {
    expect(editDistance([], [])).toBe(0);
    expect(editDistance([], p('AH0 B'))).toBe(2);
    expect(editDistance(p('AY1'), [])).toBe(1);
    expect(editDistance(p('S T AA1 R Z'), p('S T AA1 Z'))).toBe(editDistance(p('S T AA1 Z'), p('S T AA1 R Z')));
  });
});

describe('scoreWord', () => {
  it('is right when the output equals any listed pronunciation', () => {
    expect(scoreWord(p('R EH1 D'), [p('R IY1 D'), p('R EH1 D')])).toEqual({ correct: true, errors: 0, referenceLength: 3 });
  });

  it('counts errors against the closest pronunciation, the first listed on ties', () => {
    // TOMATO: 1 edit from the first, 2 from the second
    expect(scoreWord(p('T AH0 M EY1 T OW0'), [p('T AH0 M EY1 T OW2'), p('T AH0 M AA1 T OW2')]))
      .toEqual({ correct: false, errors: 1, referenceLength: 6 });
    // 2 edits from the first (4 long), 1 from the second (2 long): the second's length counts
    expect(scoreWord(p('AH0 B'), [p('AH0 B AH0 K'), p('EY1 B')])).toEqual({ correct: false, errors: 1, referenceLength: 2 });
    // 1 edit from either: the first (3 long) counts
    expect(scoreWord(p('D AO1 G'), [p('D AA1 G'), p('D AO1 G Z')])).toEqual({ correct: false, errors: 1, referenceLength: 3 });
  });

  it('needs a pronunciation', () => {
    expect(() => scoreWord(p('AH0'), [])).toThrow(/at least one/);
  });
});

describe('errorRates', () => {
  it('gives WER over words and PER over the closest pronunciations', () => {
    const rates = errorRates(
      [p('K AE1 T'), p('D AA1 G Z'), p('')],
      [[p('K AE1 T')], [p('D AO1 G'), p('D AA1 G')], [p('AY1')]],
    );
    // word 1 right (0 of 3); word 2: 2 edits from D AO1 G, 1 from D AA1 G (3 long); word 3: 1 deletion of 1
    expect(rates).toEqual({ wer: 2 / 3, per: 2 / 7, words: 3, wrongWords: 2, phonemes: 7, phonemeErrors: 2 });
  });

  it('is zero on no words and checks the counts agree', () => {
    expect(errorRates([], [])).toEqual({ wer: 0, per: 0, words: 0, wrongWords: 0, phonemes: 0, phonemeErrors: 0 });
    expect(() => errorRates([p('AH0')], [])).toThrow(/1 outputs for 0 words/);
  });
});
