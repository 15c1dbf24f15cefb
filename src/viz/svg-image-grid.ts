/**
 * A grid of small single-channel images as standalone SVG text: misclassified digits with their
 * predictions, first-layer conv filters, reconstructions.
 */
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import { Tensor } from '../core/tensor.js';
import { checkColormap, colormap, finiteRange, normalizeTo, type ColormapName } from './colormap.js';
import { element } from './svg.js';
import { checkInteger, checkRange, checkText, svgDocument, svgText, toNumbers, type NumericData } from './svg-frame.js';

/**
 * Images of one channel: row-major `data` of `count` images of `height` × `width` (N×H×W, or
 * NCHW with C = 1), or a Tensor of shape [N, 1, H, W], [N, H, W] or [H, W] (one image).
 */
export type ImageStack = { data: NumericData; count: number; height: number; width: number } | Tensor;

/** Options of `imageGrid`. */
export interface ImageGridOptions {
  /** Images per row (default min(count, 8)). */
  columns?: number;
  /** Pixels of SVG per image pixel (default 3). */
  scale?: number;
  /**
   * How values become colours: 'each' stretches each image's own [min, max] over the colormap
   * (default; right for filters), 'all' uses one [min, max] over all images, [lo, hi] a fixed range
   * (e.g. [0, 1] for pixel intensities); values beyond are clamped.
   */
  normalize?: 'each' | 'all' | readonly [number, number];
  /** One caption per image, under it (e.g. 'pred 3 / true 5'). */
  titles?: readonly string[];
  /** Default 'gray' (low black, high white). */
  colormap?: ColormapName;
  /** A title over the whole grid. */
  title?: string;
}

/** Checked images. */
interface Stack {
  data: ArrayLike<number>;
  count: number;
  height: number;
  width: number;
}

const OP = 'imageGrid';
const GAP = 8;

/**
 * An SVG grid of images, one `<g class="image">` per image, in rows of `columns`. Each image row
 * is drawn as `<rect>`s, one per run of equally coloured pixels (a blank background costs one rect
 * per row); NaN pixels are magenta. Zero images give a document with a 'no images' note.
 * @example
 * // misclassified digits: images [N, 1, 28, 28] in [0, 1], with their predictions
 * writeFileSync('wrong.svg', imageGrid(images, { columns: 10, normalize: [0, 1], titles: preds.map((p, i) => `pred ${p} / true ${labels[i]}`) }));
 * // first-layer filters, each stretched over the colormap
 * writeFileSync('filters.svg', imageGrid(conv1.weight, { normalize: 'each', colormap: 'coolwarm', scale: 8 }));
 */
export function imageGrid(images: ImageStack, options: ImageGridOptions = {}): string {
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[${OP}] options must be an object, got ${fmt(options)}`);
  const s = toStack(images);
  const { colormap: cmap = 'gray', normalize = 'each' } = options;
  checkColormap(cmap, OP, 'colormap');
  checkText(options.title, OP, 'title');
  const columns = options.columns === undefined ? Math.max(1, Math.min(s.count, 8)) : checkInteger(options.columns, 1, 10_000, OP, 'columns');
  const scale = options.scale === undefined ? 3 : checkInteger(options.scale, 1, 100, OP, 'scale');
  const titles = checkTitles(options.titles, s.count);
  const range = rangeOf(normalize, s);
  const cellW = Math.max(s.width * scale, titles.length === 0 ? 0 : 6.5 * Math.max(...titles.map((t) => t.length)));
  const cellH = s.height * scale + (titles.length === 0 ? 0 : 16);
  const top = options.title === undefined ? GAP : 36;
  const rows = Math.ceil(s.count / columns);
  const width = Math.max(GAP + Math.min(s.count, columns) * (cellW + GAP), 7.5 * (options.title?.length ?? 0) + 24, 100);
  const height = Math.max(top + rows * (cellH + GAP), 60);
  const parts = Array.from({ length: s.count }, (_, n) => {
    const x = GAP + (n % columns) * (cellW + GAP);
    const y = top + Math.floor(n / columns) * (cellH + GAP);
    const [lo, hi] = range ?? finiteRange(pixelsOf(s, n)) ?? [0, 1];
    const pixels = imagePixels(s, n, scale, (v) => colormap(cmap, normalizeTo(v, lo, hi)), x + (cellW - s.width * scale) / 2, y);
    const caption = titles.length === 0 ? '' : svgText(x + cellW / 2, y + s.height * scale + 13, titles[n]!, { 'text-anchor': 'middle', 'font-size': 11, class: 'image-title' });
    return `<g class="image" data-index="${n}" shape-rendering="crispEdges">${pixels}</g>${caption}`;
  });
  const body = [
    ...(options.title === undefined ? [] : [svgText(width / 2, 24, options.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold', class: 'title' })]),
    ...(s.count === 0 ? [svgText(width / 2, height / 2, 'no images', { 'text-anchor': 'middle', fill: '#888', class: 'no-data' })] : parts),
  ];
  return svgDocument(width, height, options.title, body.join('\n'));
}

/** The images of any accepted form, checked: data length count × height × width. */
function toStack(images: ImageStack): Stack {
  if (images instanceof Tensor) {
    const shape = images.shape;
    const ok = shape.length === 2 || shape.length === 3 || (shape.length === 4 && shape[1] === 1);
    check(ok, ShapeError, () => `[${OP}] images must have shape [N, 1, H, W], [N, H, W] or [H, W] (one channel), got ${showShape(shape)}`);
    const [h, w] = [shape[shape.length - 2]!, shape[shape.length - 1]!];
    return checkedStack({ data: toNumbers(images, OP, 'images'), count: shape.length === 2 ? 1 : shape[0]!, height: h, width: w });
  }
  check(typeof images === 'object' && images !== null && 'data' in images, ArgumentError,
    () => `[${OP}] images must be { data, count, height, width } or a Tensor, got ${fmt(images)}`);
  return checkedStack({ data: toNumbers(images.data, OP, 'images.data'), count: images.count, height: images.height, width: images.width });
}

function checkedStack(s: Stack): Stack {
  checkInteger(s.count, 0, 1_000_000, OP, 'count');
  checkInteger(s.height, 1, 10_000, OP, 'height');
  checkInteger(s.width, 1, 10_000, OP, 'width');
  check(s.data.length === s.count * s.height * s.width, ShapeError,
    () => `[${OP}] images.data has ${s.data.length} values, expected count × height × width = ${s.count} × ${s.height} × ${s.width} = ${s.count * s.height * s.width}`);
  return s;
}

function checkTitles(titles: readonly string[] | undefined, count: number): readonly string[] {
  if (titles === undefined) return [];
  check(Array.isArray(titles) && titles.every((t) => typeof t === 'string'), ArgumentError, () => `[${OP}] titles must be an array of strings, got ${fmt(titles)}`);
  check(titles.length === count, ShapeError, () => `[${OP}] titles has ${titles.length} entries but there are ${count} images`);
  return titles;
}

/** The fixed [lo, hi] for 'all' or a given range; null for 'each' (per image). */
function rangeOf(normalize: ImageGridOptions['normalize'], s: Stack): [number, number] | null {
  if (normalize === 'each') return null;
  if (normalize === 'all') return finiteRange(s.data) ?? [0, 1];
  check(Array.isArray(normalize), ArgumentError, () => `[${OP}] normalize must be 'each', 'all' or [lo, hi], got ${fmt(normalize)}`);
  return checkRange(normalize, OP, 'normalize');
}

function pixelsOf(s: Stack, n: number): ArrayLike<number> {
  const size = s.height * s.width;
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = s.data[n * size + i]!;
  return out;
}

/** Image `n` as rects at (x, y): one per run of equal colours along each pixel row. */
function imagePixels(s: Stack, n: number, scale: number, color: (v: number) => string, x: number, y: number): string {
  const out: string[] = [];
  const base = n * s.height * s.width;
  for (let r = 0; r < s.height; r++) {
    let start = 0;
    let fill = color(s.data[base + r * s.width]!);
    for (let c = 1; c <= s.width; c++) {
      const next = c < s.width ? color(s.data[base + r * s.width + c]!) : '';
      if (next === fill) continue;
      out.push(element('rect', { x: x + start * scale, y: y + r * scale, width: (c - start) * scale, height: scale, fill }));
      [start, fill] = [c, next];
    }
  }
  return out.join('');
}
