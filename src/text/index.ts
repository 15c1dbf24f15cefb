/**
 * Text: tokenizers (characters, byte-level BPE) and sampling from language models.
 */
export { CharTokenizer, type CharTokenizerOptions, type CharTokenizerJSON } from './char-tokenizer.js';
export { BPETokenizer, type BPETrainOptions, type BPETokenizerJSON } from './bpe-tokenizer.js';
export { pretokenize } from './bpe-train.js';
export { sampleLogits, generate, type SampleOptions, type GenerateOptions, type StepFunction } from './sampling.js';
export type { TokenIds } from './util.js';
export { greedySearch, beamSearch, type SearchStep, type GreedySearchOptions, type BeamSearchOptions } from './search.js';
