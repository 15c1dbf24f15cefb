/**
 * Line charts as standalone SVG text (no browser, no dependencies): axes with nice ticks, a legend
 * and one polyline per series; `plotCurves` puts loss and accuracy side by side. Write the string to a
 * `.svg` file or inline it in HTML.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { classColor } from './colormap.js';
import { element, escapeXml, round } from './svg.js';
import { axes, checkId, checkSize, labels, plotArea, svgDocument, svgText, type Box } from './svg-frame.js';
import { niceTicks, type Ticks } from './ticks.js';

/** One line: its name in the legend, the y values, and optionally the x values (default 0, 1, 2, …). */
export interface Series {
  name: string;
  values: ArrayLike<number>;
  x?: ArrayLike<number>;
  /** A CSS colour (default: from a 10-colour palette, by position). */
  color?: string;
}

/** Options of `linePlot`. */
export interface LinePlotOptions {
  series: readonly Series[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Size in pixels (default 640 × 400). */
  width?: number;
  height?: number;
  /** Fixed y bounds [min, max] (default: nice bounds around the data); lines are clipped to them. */
  yRange?: readonly [number, number];
  /** Fixed x bounds [min, max] (default: nice bounds around the data). */
  xRange?: readonly [number, number];
  /** The x values are whole numbers (steps, epochs): no ticks between them (default false). */
  xInteger?: boolean;
  /** Prefix of the element ids (clip paths); give each plot inlined in one HTML page its own (default 'plot'). */
  id?: string;
}

/**
 * An SVG line chart of one or more series. Non-finite values (NaN, ±Infinity) leave gaps: each
 * finite run becomes its own polyline (a lone point a dot), so a series without gaps is one polyline;
 * empty series appear only in the legend.
 * @example
 * const svg = linePlot({ title: 'loss', xLabel: 'step', series: [{ name: 'train', values: [1, 0.6, 0.4] }] });
 * writeFileSync('loss.svg', svg);
 */
export function linePlot(options: LinePlotOptions): string {
  const { width = 640, height = 400, id = 'plot' } = options;
  checkSize(width, height, 'linePlot');
  const body = panel(options, { x: 0, y: 0, width, height }, id, 'linePlot');
  return svgDocument(width, height, options.title, body);
}

/** Options of `plotCurves`: named series of losses and accuracies, one value per epoch. */
export interface CurvesOptions {
  loss: Readonly<Record<string, ArrayLike<number>>>;
  accuracy?: Readonly<Record<string, ArrayLike<number>>>;
  title?: string;
  /** x-axis label of both panels (default 'epoch'). */
  xLabel?: string;
  /** Size of the whole chart (default 960 × 360). */
  width?: number;
  height?: number;
}

/**
 * A training chart: loss on the left, accuracy on the right (when given), x = 1, 2, 3, … (epochs).
 * The accuracy axis is [0, 1] when every value lies in it.
 * @example
 * plotCurves({ loss: { train: [0.9, 0.5, 0.3], test: [1, 0.6, 0.45] }, accuracy: { train: [0.7, 0.85, 0.9] } });
 */
export function plotCurves(options: CurvesOptions): string {
  const { loss, accuracy, title, xLabel = 'epoch', width = 960, height = 360 } = options;
  checkSize(width, height, 'plotCurves');
  const top = title === undefined ? 0 : 28;
  const panels = accuracy === undefined ? 1 : 2;
  const w = width / panels;
  const box = (k: number): Box => ({ x: k * w, y: top, width: w, height: height - top });
  const parts = [panel({ series: toSeries(loss, 'loss'), title: 'loss', xLabel, yLabel: 'loss', xInteger: true }, box(0), 'loss', 'plotCurves')];
  if (accuracy !== undefined) {
    const series = toSeries(accuracy, 'accuracy');
    const inUnit = series.every((s) => Array.from(s.values).every((v) => !Number.isFinite(v) || (v >= 0 && v <= 1)));
    parts.push(panel({ series, title: 'accuracy', xLabel, yLabel: 'accuracy', xInteger: true, yRange: inUnit ? [0, 1] : undefined }, box(1), 'accuracy', 'plotCurves'));
  }
  if (title !== undefined) parts.unshift(svgText(width / 2, 20, title, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }));
  return svgDocument(width, height, title, parts.join('\n'));
}

function toSeries(record: Readonly<Record<string, ArrayLike<number>>>, arg: string): Series[] {
  check(typeof record === 'object' && record !== null, ArgumentError, () => `[plotCurves] ${arg} must be an object of named series, got ${fmt(record)}`);
  return Object.entries(record).map(([name, values]) => {
    check(typeof values === 'object' && values !== null && Number.isSafeInteger(values.length), ArgumentError,
      () => `[plotCurves] ${arg}.${name} must be an array of numbers, got ${fmt(values)}`);
    return { name, values, x: Array.from({ length: values.length }, (_, i) => i + 1) };
  });
}

/** The finite (x, y) points of a series, in runs split at non-finite values. */
function runs(s: Series, op: string, k: number): [number, number][][] {
  check(typeof s === 'object' && s !== null && typeof s.name === 'string', ArgumentError,
    () => `[${op}] series[${k}] must be { name: string, values, x? }, got ${fmt(s)}`);
  check(s.values !== null && typeof s.values === 'object' && Number.isSafeInteger(s.values.length), ArgumentError,
    () => `[${op}] series[${k}].values must be an array of numbers, got ${fmt(s.values)}`);
  check(s.x === undefined || s.x.length === s.values.length, ArgumentError,
    () => `[${op}] series[${k}] has ${s.values.length} values but ${s.x?.length} x values`);
  const out: [number, number][][] = [];
  let run: [number, number][] = [];
  for (let i = 0; i < s.values.length; i++) {
    const x = s.x === undefined ? i : s.x[i]!;
    const y = s.values[i]!;
    check(typeof x === 'number' && typeof y === 'number', ArgumentError,
      () => `[${op}] series[${k}] point ${i} must be numbers, got x=${fmt(x)} y=${fmt(y)}`);
    if (Number.isFinite(x) && Number.isFinite(y)) run.push([x, y]);
    else if (run.length > 0) {
      out.push(run);
      run = [];
    }
  }
  if (run.length > 0) out.push(run);
  return out;
}

/** Axis ticks: fixed bounds when given (checked), else nice bounds around the data. */
function axis(range: readonly [number, number] | undefined, data: number[], name: string, op: string, count: number, minStep = 0): Ticks {
  if (range !== undefined) {
    check(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] < range[1], ArgumentError,
      () => `[${op}] ${name} must be [min, max] with finite min < max, got ${fmt(range)}`);
    return niceTicks(range[0], range[1], count, false, minStep);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo <= hi ? niceTicks(lo, hi, count, true, minStep) : niceTicks(0, 1, count, true, minStep);
}

/** One chart (axes, grid, lines, legend, labels) inside `box`. */
function panel(options: LinePlotOptions, box: Box, id: string, op: string): string {
  check(Array.isArray(options.series), ArgumentError, () => `[${op}] series must be an array, got ${fmt(options.series)}`);
  checkId(id, op);
  const lines = options.series.map((s, k) => runs(s, op, k));
  const points = lines.flat(2);
  const plot = plotArea(box);
  const xt = axis(options.xRange, points.map((p) => p[0]), 'xRange', op, Math.max(2, Math.round(plot.width / 90)), options.xInteger ? 1 : 0);
  const yt = axis(options.yRange, points.map((p) => p[1]), 'yRange', op, Math.max(2, Math.round(plot.height / 60)));
  const sx = (x: number): number => plot.x + ((x - xt.min) / (xt.max - xt.min)) * plot.width;
  const sy = (y: number): number => plot.y + plot.height - ((y - yt.min) / (yt.max - yt.min)) * plot.height;
  const clip = `${id}-clip`;
  const color = (k: number): string => options.series[k]!.color ?? classColor(k);
  const drawn = lines.map((runsOfSeries, k) => seriesElements(runsOfSeries, sx, sy, color(k), options.series[k]!.name));
  return [
    `<g class="panel" id="${id}">`,
    `<defs>${element('clipPath', { id: clip }, element('rect', { ...plot }))}</defs>`,
    ...axes(xt, yt, plot, sx, sy, true),
    `<g class="lines" clip-path="url(#${clip})">`,
    ...drawn,
    '</g>',
    element('rect', { ...plot, fill: 'none', stroke: '#333' }),
    ...labels(options, box, plot),
    ...(points.length === 0 ? [svgText(plot.x + plot.width / 2, plot.y + plot.height / 2, 'no data', { 'text-anchor': 'middle', fill: '#888', class: 'no-data' })] : []),
    legend(options.series.map((s, k) => ({ name: s.name, color: color(k) })), plot, pixelsForLegend(lines, sx, sy)),
    '</g>',
  ].join('\n');
}

/** The data points in pixels, with points added along long segments so that lines count too. */
function pixelsForLegend(lines: [number, number][][][], sx: (x: number) => number, sy: (y: number) => number): [number, number][] {
  const out: [number, number][] = [];
  for (const run of lines.flat()) {
    run.forEach(([x, y], i) => {
      const [px, py] = [sx(x), sy(y)];
      out.push([px, py]);
      const next = run[i + 1];
      if (next === undefined) return;
      const [qx, qy] = [sx(next[0]), sy(next[1])];
      const steps = Math.min(100, Math.ceil(Math.hypot(qx - px, qy - py) / 10));
      for (let k = 1; k < steps; k++) out.push([px + ((qx - px) * k) / steps, py + ((qy - py) * k) / steps]);
    });
  }
  return out;
}

/** One series: a polyline per run of points, a dot for a lone point. */
function seriesElements(runsOfSeries: [number, number][][], sx: (x: number) => number, sy: (y: number) => number, color: string, name: string): string {
  const parts = runsOfSeries.map((run) => {
    if (run.length === 1) return element('circle', { cx: sx(run[0]![0]), cy: sy(run[0]![1]), r: 2.5, fill: color });
    const points = run.map(([x, y]) => `${round(sx(x))},${round(sy(y))}`).join(' ');
    return element('polyline', { points, fill: 'none', stroke: color, 'stroke-width': 1.75, 'stroke-linejoin': 'round' });
  });
  return `<g class="series" data-name="${escapeXml(name)}">${parts.join('')}</g>`;
}

/**
 * The legend box, in the corner of the plot area that hides the fewest data points (top-right on a
 * tie); nothing for no series.
 */
function legend(entries: { name: string; color: string }[], plot: Box, pixels: [number, number][]): string {
  if (entries.length === 0) return '';
  const rowHeight = 18;
  const width = 34 + 7 * Math.max(...entries.map((e) => e.name.length));
  const height = entries.length * rowHeight + 6;
  const left = plot.x + 8;
  const right = plot.x + plot.width - width - 8;
  const top = plot.y + 8;
  const bottom = plot.y + plot.height - height - 8;
  const corners: [number, number][] = [[right, top], [left, top], [right, bottom], [left, bottom]];
  const hidden = ([x, y]: [number, number]): number =>
    pixels.filter(([px, py]) => px >= x - 4 && px <= x + width + 4 && py >= y - 4 && py <= y + height + 4).length;
  const [x, y] = corners.reduce((best, c) => (hidden(c) < hidden(best) ? c : best));
  const rows = entries.map((e, k) => {
    const cy = y + 12 + k * rowHeight;
    return element('line', { x1: x + 8, y1: cy, x2: x + 24, y2: cy, stroke: e.color, 'stroke-width': 2.5 }) + svgText(x + 30, cy + 4, e.name, {});
  });
  const frame = element('rect', { x, y, width, height, fill: 'white', 'fill-opacity': 0.85, stroke: '#ccc' });
  return `<g class="legend">${frame}${rows.join('')}</g>`;
}
