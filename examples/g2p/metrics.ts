/**
 * Scores of a grapheme-to-phoneme model: the edit distance between phoneme sequences, and the word
 * and phoneme error rates of a set of outputs against each word's listed pronunciations.
 */

/**
 * The Levenshtein distance between two sequences: the fewest insertions, deletions and
 * substitutions (each costing 1) that turn `a` into `b`.
 * @example
 * editDistance(['K', 'AE1', 'T'], ['K', 'AH0', 'T', 'S']); // 2 (one substitution, one insertion)
 */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  // one row of the dynamic-programming table at a time
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(substitution, previous[j]! + 1, row[j - 1]! + 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** How one output compares with a word's pronunciations. */
export interface WordScore {
  /** The output equals one of the pronunciations. */
  correct: boolean;
  /** The edit distance to the closest pronunciation. */
  errors: number;
  /** The length of that closest pronunciation (the first listed among equally close ones). */
  referenceLength: number;
}

/**
 * Scores an output against every listed pronunciation of its word (primary first): right when it
 * equals any of them; its phoneme errors are counted against the closest one.
 * @example
 * scoreWord(['R', 'EH1', 'D'], [['R', 'IY1', 'D'], ['R', 'EH1', 'D']]); // { correct: true, errors: 0, referenceLength: 3 }
 */
export function scoreWord(output: readonly string[], references: readonly (readonly string[])[]): WordScore {
  if (references.length === 0) throw new Error('scoreWord: a word needs at least one pronunciation');
  let best: WordScore | null = null;
  for (const reference of references) {
    const errors = editDistance(output, reference);
    if (best === null || errors < best.errors) best = { correct: errors === 0, errors, referenceLength: reference.length };
  }
  return best!;
}

/** Error rates over a set of words. */
export interface ErrorRates {
  /** Word error rate: the fraction of words whose output is none of their pronunciations. */
  wer: number;
  /** Phoneme error rate: total edit distance / total phonemes of the closest pronunciations. */
  per: number;
  words: number;
  wrongWords: number;
  phonemes: number;
  phonemeErrors: number;
}

/**
 * The word error rate and the phoneme error rate of `outputs[i]` against `references[i]` (every
 * listed pronunciation of word i).
 * @example
 * errorRates([['K', 'AE1', 'T'], ['D', 'AO1', 'G']], [[['K', 'AE1', 'T']], [['D', 'AA1', 'G'], ['D', 'AO1', 'G', 'Z']]]);
 * // { wer: 0.5, per: 1 / 6, words: 2, wrongWords: 1, phonemes: 6, phonemeErrors: 1 }
 */
export function errorRates(outputs: readonly (readonly string[])[], references: readonly (readonly (readonly string[])[])[]): ErrorRates {
  if (outputs.length !== references.length) throw new Error(`errorRates: ${outputs.length} outputs for ${references.length} words`);
  let wrongWords = 0;
  let phonemes = 0;
  let phonemeErrors = 0;
  outputs.forEach((output, i) => {
    const score = scoreWord(output, references[i]!);
    if (!score.correct) wrongWords++;
    phonemes += score.referenceLength;
    phonemeErrors += score.errors;
  });
  const words = outputs.length;
  return { wer: words === 0 ? 0 : wrongWords / words, per: phonemes === 0 ? 0 : phonemeErrors / phonemes, words, wrongWords, phonemes, phonemeErrors };
}
