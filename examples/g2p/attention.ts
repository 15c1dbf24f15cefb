/**
 * The decoder's cross-attention as one SVG: for a few words, heat maps of the last decoder layer's
 * weights (the mean over heads, then each head), with the phonemes the model spells as rows and the
 * word's letters as columns.
 */
import { heatmap, noGrad, scope, tensor, type Tensor } from 'nabla';
import { panelGrid } from '../common/panel-grid.js';
import { BOS, type Entry, type Vocabularies } from './data.js';
import { decodeAll } from './decode.js';
import type { G2PTransformer } from './model.js';

/**
 * Where the last decoder layer looks while spelling each word: the model decodes the words greedily,
 * then its cross-attention weights for those outputs (`</s>` included) are drawn, one row of panels per
 * word, the mean over heads first.
 * @example
 * writeFileSync('attention.svg', attentionFigure(model, data.test.slice(0, 3), vocab));
 */
export function attentionFigure(model: G2PTransformer, entries: readonly Entry[], vocab: Vocabularies): string {
  const outputs = decodeAll(model, entries, vocab);
  const heads = model.config.heads;
  const wasTraining = model.training;
  model.eval();
  const rows = entries.map((e, n) => scope(() => noGrad(() => {
    const src = tensor([vocab.encodeWord(e.word)], { dtype: 'int32' });
    const tgtIn = tensor([[BOS, ...vocab.encodePhonemes(outputs[n]!)]], { dtype: 'int32' });
    const weights = model.crossAttentionWeights(src, tgtIn).select(0, 0); // [heads, T, S]
    const panel = (w: Tensor, title: string, k: number): string => heatmap(w, {
      rowLabels: [...outputs[n]!, '</s>'], colLabels: [...e.word], vmin: 0, vmax: 1, cellSize: 22, colorbar: k === heads,
      title, xLabel: 'letter', yLabel: 'phoneme', id: `attention-${n}-${k}`,
    });
    return [panel(weights.mean(0), `${e.word}, mean`, 0),
      ...Array.from({ length: heads }, (_, h) => panel(weights.select(0, h), `head ${h + 1}`, h + 1))];
  })));
  if (wasTraining) model.train();
  return panelGrid(rows, 'cross-attention of the last decoder layer (rows: phonemes spelled, columns: letters)');
}
