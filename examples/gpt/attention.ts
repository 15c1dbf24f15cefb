/**
 * The attention maps of the character GPT as one SVG: a grid of heat maps, one row per block and one
 * column per head, each with the query positions as rows and the key positions as columns, labelled
 * with the prompt's characters.
 */
import { heatmap, noGrad, scope, tensor, type text } from 'nabla';
import { panelGrid } from '../common/panel-grid.js';
import type { GPT } from './model.js';

/** A character as a readable label: space and newline shown as · and ↵. */
const label = (c: string): string => (c === ' ' ? '·' : c === '\n' ? '↵' : c);

/**
 * Every head's attention weights on `prompt` (softmax(q·kᵀ/√d + causal mask), from the model's own
 * projections), as one SVG document: the causal triangle, and which earlier characters each head reads.
 * @example
 * writeFileSync('attention.svg', attentionFigure(model, tokenizer, 'the wind. Muffled in the full morning light'));
 */
export function attentionFigure(model: GPT, tokenizer: text.CharTokenizer, prompt: string): string {
  const chars = [...prompt].map(label);
  const heads = model.config.heads;
  return scope(() => noGrad(() => {
    const weights = model.attentionWeights(tensor([tokenizer.encode(prompt)], { dtype: 'int32' }));
    const rows = weights.map((w, b) => Array.from({ length: heads }, (_, h) => heatmap(w.select(0, 0).select(0, h), {
      rowLabels: chars, colLabels: chars, vmin: 0, vmax: 1, cellSize: 12, colorbar: h === heads - 1,
      title: `block ${b + 1}, head ${h + 1}`, xLabel: 'key', yLabel: 'query', id: `attention-${b}-${h}`,
    })));
    return panelGrid(rows, `attention weights on "${prompt}" (rows: query, columns: key)`);
  }));
}
