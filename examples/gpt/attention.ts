/**
 * The attention maps of the character GPT as one SVG: a grid of heat maps, one row per block and one
 * column per head, each with the query positions as rows and the key positions as columns, labelled
 * with the prompt's characters.
 */
import { heatmap, noGrad, scope, tensor, type text } from 'nabla';
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

/** SVG documents laid out in a grid (each column as wide as its widest, each row as tall as its tallest), under a title, as one SVG document. */
function panelGrid(rows: string[][], title: string): string {
  const size = (svg: string): [number, number] => {
    const m = /^<svg [^>]*width="([\d.]+)" height="([\d.]+)"/.exec(svg);
    if (m === null) throw new Error('panelGrid: not an SVG document with a width and height');
    return [Number(m[1]), Number(m[2])];
  };
  const columns: number[] = [];
  for (const row of rows) row.forEach((svg, c) => { columns[c] = Math.max(columns[c] ?? 0, size(svg)[0]); });
  const width = Math.max(title.length * 9 + 24, columns.reduce((a, b) => a + b, 0));
  const panels: string[] = [];
  let y = 40;
  for (const row of rows) {
    let [x, height] = [0, 0];
    row.forEach((svg, c) => {
      panels.push(svg.trimEnd().replace('<svg ', `<svg x="${x}" y="${y}" `)); // nested documents keep their own coordinates
      x += columns[c]!;
      height = Math.max(height, size(svg)[1]);
    });
    y += height;
  }
  const escaped = title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">`,
    `<rect x="0" y="0" width="${width}" height="${y}" fill="white"/>`,
    `<text x="${width / 2}" y="26" text-anchor="middle" font-family="sans-serif" font-size="16" font-weight="bold">${escaped}</text>`,
    ...panels,
    '</svg>\n',
  ].join('\n');
}
