/**
 * Decoding a set of words into phonemes with the library's searches (`text.greedySearch`,
 * `text.beamSearch`) over a KV cache: each step feeds one new phoneme per row. Words are decoded in
 * batches of about the same spelling length.
 */
import { nn, noGrad, scope, tensor, text, type Tensor } from 'nabla';
import { BOS, EOS, padRows, type Entry, type Vocabularies } from './data.js';
import type { G2PTransformer, Memory } from './model.js';

/** Extra decoding steps past a batch's longest spelling (CMUdict's pronunciations are at most 8 phonemes longer than their spelling). */
const EXTRA_STEPS = 8;

/** Options of `decodeAll`. */
export interface DecodeOptions {
  /** Decoder rows per batch: words for greedy decoding, words × beams for beam search (default 256). */
  rows?: number;
  /** 1 for greedy decoding (default), more for beam search. */
  beamSize?: number;
  /** Beam search's length penalty: hypotheses ranked by Σ log p / length^lengthPenalty (default 1). */
  lengthPenalty?: number;
  /** Called after each batch with the number of words decoded so far. */
  onProgress?: (done: number) => void;
}

/**
 * The phonemes the model spells for each word, in the order given.
 * @example
 * const outputs = decodeAll(model, test, vocab, { beamSize: 4 }); // string[][]
 */
export function decodeAll(model: G2PTransformer, entries: readonly Entry[], vocab: Vocabularies, options: DecodeOptions = {}): string[][] {
  const { rows = 256, beamSize = 1, lengthPenalty = 1, onProgress } = options;
  const wasTraining = model.training;
  model.eval();
  const order = Array.from({ length: entries.length }, (_, i) => i).sort((a, b) => entries[a]!.word.length - entries[b]!.word.length);
  const outputs = new Array<string[]>(entries.length);
  const perBatch = Math.max(1, Math.floor(rows / beamSize));
  for (let i = 0; i < order.length; i += perBatch) {
    const batch = order.slice(i, i + perBatch);
    const words = batch.map((k) => vocab.encodeWord(entries[k]!.word));
    const maxLength = Math.min(model.config.maxLength, Math.max(...words.map((w) => w.length)) + EXTRA_STEPS);
    const ids = scope(() => noGrad(() => search(model, tensor(padRows(words), { dtype: 'int32' }), maxLength, beamSize, lengthPenalty)));
    batch.forEach((k, j) => { outputs[k] = vocab.decodePhonemes(ids[j]!); });
    onProgress?.(Math.min(i + perBatch, order.length));
  }
  if (wasTraining) model.train();
  return outputs;
}

/**
 * Greedy decoding (beamSize 1) or beam search of letter ids [N, S]: the encoder runs once, then each
 * step feeds every row's latest phoneme through the decoder, whose self-attention keys and values
 * accumulate in an `nn.KVCache` (the state). Returns each word's phoneme ids without `<s>` and `</s>`.
 */
function search(model: G2PTransformer, src: Tensor, maxLength: number, beamSize: number, lengthPenalty: number): number[][] {
  const n = src.shape[0]!;
  let memory = model.encode(src);
  if (beamSize > 1) {
    // row b·beamSize + j (beam j of word b) attends to word b's letters
    const rows = tensor(Array.from({ length: n * beamSize }, (_, r) => Math.floor(r / beamSize)), { dtype: 'int32' });
    memory = { memory: memory.memory.indexSelect(0, rows), padding: memory.padding.indexSelect(0, rows) } satisfies Memory;
  }
  const step = (tokens: Tensor, cache = new nn.KVCache()): [Tensor, nn.KVCache] =>
    [model.decode(tokens.unsqueeze(1), memory, cache).squeeze(1), cache];
  const common = { batchSize: n, startToken: BOS, stopToken: EOS, maxLength };
  if (beamSize === 1) return text.greedySearch(step, common);
  // beams only ever continue beams of the same word, so the memory rows need no reordering
  return text.beamSearch(step, { ...common, beamSize, lengthPenalty, reorder: (cache, rows) => { cache.reorder(rows); return cache; } });
}
