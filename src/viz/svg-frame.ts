/**
 * The frame shared by the scatter, histogram, heat map and image plots: the document, text, axes
 * with nice ticks, title and axis labels, and the checks of their common arguments.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { noGrad } from '../core/grad-mode.js';
import { Tensor } from '../core/tensor.js';
import { element, escapeXml, round } from './svg.js';
import { formatTick, type Ticks } from './ticks.js';

/** Numbers to plot: an array, a typed array or a Tensor (read as its elements in row-major order). */
export type NumericData = ArrayLike<number> | Tensor;

/** A rectangle in SVG pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const MARGIN = { top: 36, right: 16, bottom: 48, left: 64 };

/**
 * The plot area inside a chart's `box`: the box less the margins for the title, tick labels and axis
 * labels, and less `reserve` more pixels on the right (for a legend).
 * @example
 * plotArea({ x: 0, y: 0, width: 640, height: 400 }); // { x: 64, y: 36, width: 560, height: 316 }
 */
export function plotArea(box: Box, reserve = 0): Box {
  return {
    x: box.x + MARGIN.left,
    y: box.y + MARGIN.top,
    width: box.width - MARGIN.left - MARGIN.right - reserve,
    height: box.height - MARGIN.top - MARGIN.bottom,
  };
}

/**
 * A whole SVG document: white background, an optional `<title>`, then `body`.
 * @example
 * svgDocument(200, 100, 'empty', ''); // '<svg xmlns=… width="200" height="100" …>…</svg>\n'
 */
export function svgDocument(width: number, height: number, title: string | undefined, body: string): string {
  const size = { width: round(width), height: round(height) };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}">`,
    ...(title === undefined ? [] : [element('title', {}, escapeXml(title))]),
    element('rect', { x: 0, y: 0, width, height, fill: 'white' }),
    body,
    '</svg>\n',
  ].join('\n');
}

/**
 * A `<text>` element in the plots' font; `content` is escaped.
 * @example
 * svgText(10, 20, 'a < b', { class: 'tick' }); // '<text x="10" y="20" … class="tick">a &lt; b</text>'
 */
export function svgText(x: number, y: number, content: string, attributes: Record<string, string | number>): string {
  return element('text', { x, y, 'font-family': 'sans-serif', 'font-size': 12, ...attributes }, escapeXml(content));
}

/**
 * The elements of a plot as numbers: a Tensor's elements (a copy, row-major), or the array itself
 * after checking that it holds numbers.
 * @example
 * toNumbers([1, 2], 'histogramPlot', 'values'); // [1, 2]
 */
export function toNumbers(input: NumericData, op: string, arg: string): ArrayLike<number> {
  if (input instanceof Tensor) return noGrad(() => input.toTypedArray());
  check(typeof input === 'object' && input !== null && Number.isSafeInteger(input.length), ArgumentError,
    () => `[${op}] ${arg} must be an array of numbers or a Tensor, got ${fmt(input)}`);
  if (ArrayBuffer.isView(input) && !(input instanceof BigInt64Array || input instanceof BigUint64Array)) return input;
  for (let i = 0; i < input.length; i++) {
    check(typeof input[i] === 'number', ArgumentError, () => `[${op}] ${arg}[${i}] must be a number, got ${fmt(input[i])}`);
  }
  return input;
}

/**
 * Checks that `value` is an integer in [min, max] and returns it.
 * @example
 * checkInteger(3, 1, 10, 'imageGrid', 'columns'); // 3
 */
export function checkInteger(value: number, min: number, max: number, op: string, arg: string): number {
  check(Number.isSafeInteger(value) && value >= min && value <= max, ArgumentError,
    () => `[${op}] ${arg} must be an integer in [${min}, ${max}], got ${fmt(value)}`);
  return value;
}

/**
 * Checks a [lo, hi] range with finite lo < hi and returns it.
 * @example
 * checkRange([0, 1], 'scatterPlot', 'xRange'); // [0, 1]
 */
export function checkRange(range: readonly [number, number], op: string, arg: string): [number, number] {
  check(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] < range[1], ArgumentError,
    () => `[${op}] ${arg} must be [lo, hi] with finite lo < hi, got ${fmt(range)}`);
  return [range[0], range[1]];
}

/**
 * Checks the document size (both at least 100 px).
 * @example
 * checkSize(640, 400, 'scatterPlot'); // passes
 */
export function checkSize(width: number, height: number, op: string): void {
  check(Number.isFinite(width) && width >= 100, ArgumentError, () => `[${op}] width must be a number >= 100, got ${fmt(width)}`);
  check(Number.isFinite(height) && height >= 100, ArgumentError, () => `[${op}] height must be a number >= 100, got ${fmt(height)}`);
}

/**
 * Checks an element id prefix: letters, digits, _ or -, starting with a letter.
 * @example
 * checkId('plot-1', 'heatmap'); // passes
 */
export function checkId(id: string, op: string): void {
  check(typeof id === 'string' && /^[A-Za-z][\w-]*$/.test(id), ArgumentError, () => `[${op}] id must be letters, digits, _ or -, got ${fmt(id)}`);
}

/**
 * Tick marks and tick labels of both axes (x below the plot, y on its left), with light grid lines
 * across the plot when `gridLines` is set.
 * @example
 * axes(niceTicks(0, 1), niceTicks(0, 5), plot, sx, sy, true).join('\n');
 */
export function axes(xt: Ticks, yt: Ticks, plot: Box, sx: (x: number) => number, sy: (y: number) => number, gridLines: boolean): string[] {
  const out: string[] = [];
  const bottom = plot.y + plot.height;
  for (const v of xt.values) {
    const x = sx(v);
    if (gridLines) out.push(element('line', { x1: x, y1: plot.y, x2: x, y2: bottom, stroke: '#e5e5e5' }));
    out.push(element('line', { x1: x, y1: bottom, x2: x, y2: bottom + 5, stroke: '#333' }));
    out.push(svgText(x, bottom + 18, formatTick(v, xt.step), { 'text-anchor': 'middle', class: 'tick' }));
  }
  for (const v of yt.values) {
    const y = sy(v);
    if (gridLines) out.push(element('line', { x1: plot.x, y1: y, x2: plot.x + plot.width, y2: y, stroke: '#e5e5e5' }));
    out.push(element('line', { x1: plot.x - 5, y1: y, x2: plot.x, y2: y, stroke: '#333' }));
    out.push(svgText(plot.x - 8, y + 4, formatTick(v, yt.step), { 'text-anchor': 'end', class: 'tick' }));
  }
  return out;
}

/** The texts around a plot. */
export interface PlotLabels {
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

/**
 * The title (above `plot`), x label (at the bottom of `box`) and y label (rotated, at its left).
 * @example
 * labels({ title: 'loss', xLabel: 'step' }, box, plot).join('\n');
 */
export function labels(options: PlotLabels, box: Box, plot: Box): string[] {
  const out: string[] = [];
  if (options.title !== undefined) {
    out.push(svgText(plot.x + plot.width / 2, box.y + 22, options.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold', class: 'title' }));
  }
  if (options.xLabel !== undefined) {
    out.push(svgText(plot.x + plot.width / 2, box.y + box.height - 10, options.xLabel, { 'text-anchor': 'middle', class: 'x-label' }));
  }
  if (options.yLabel !== undefined) {
    const x = box.x + 16;
    const y = plot.y + plot.height / 2;
    out.push(svgText(x, y, options.yLabel, { 'text-anchor': 'middle', transform: `rotate(-90 ${round(x)} ${round(y)})`, class: 'y-label' }));
  }
  return out;
}

/**
 * Checks an optional string option.
 * @example
 * checkText('loss', 'heatmap', 'title'); // passes
 */
export function checkText(value: string | undefined, op: string, arg: string): void {
  check(value === undefined || typeof value === 'string', ArgumentError, () => `[${op}] ${arg} must be a string, got ${fmt(value)}`);
}
