/**
 * Scatter plots as standalone SVG text: points coloured by class with a legend, over an optional
 * decision-boundary map (a model evaluated on a grid of the plane, as matplotlib's contourf shows it).
 */
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { blend, classColor, colormap, finiteRange } from './colormap.js';
import { element } from './svg.js';
import {
  axes, checkId, checkInteger, checkRange, checkSize, checkText, labels, plotArea, svgDocument, svgText, toNumbers,
  type NumericData,
} from './svg-frame.js';
import { niceTicks, type Ticks } from './ticks.js';

/**
 * A model's output on a rows × cols grid over the plane, drawn under the points: cell (r, c) covers
 * x in [x0 + c·dx, x0 + (c+1)·dx] and y in [y0 + r·dy, y0 + (r+1)·dy], so row 0 is at the bottom
 * (a meshgrid with y increasing by row, as matplotlib's contourf reads it).
 */
export interface ScatterBoundary {
  /**
   * Row-major values: rows × cols probabilities of class 1 in [0, 1] (two classes; drawn from
   * class 0's colour through white to class 1's), or with `classes` = K, rows × cols × K class
   * scores (class last, e.g. logits), each cell in its argmax class's colour. NaN cells are magenta.
   */
  grid: NumericData;
  rows: number;
  cols: number;
  xRange: readonly [number, number];
  yRange: readonly [number, number];
  /** The number of classes K when `grid` holds K scores per cell. */
  classes?: number;
}

/** Options of `scatterPlot`. */
export interface ScatterOptions {
  x: NumericData;
  y: NumericData;
  /** Integer class ids >= 0, one per point: class k gets palette colour k (mod 10) and a legend row. */
  labels?: NumericData;
  /** Legend names by class id (default the id itself). */
  classNames?: readonly string[];
  boundary?: ScatterBoundary;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Size in pixels (default 640 × 480). */
  width?: number;
  height?: number;
  /** Axis bounds (default: the boundary's ranges, else nice bounds around the points); points outside are clipped. */
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
  /** Point radius in pixels (default 3). */
  radius?: number;
  /** Prefix of the element ids (the clip path); give each plot inlined in one HTML page its own (default 'scatter'). */
  id?: string;
}

const OP = 'scatterPlot';

/**
 * An SVG scatter plot: one `<circle>` per point with finite x and y (in a group of class 'points';
 * NaN and ±Infinity points are left out and counted in a note), coloured by `labels`, with a legend
 * of the classes to the right; under them the optional `boundary` map as one `<rect>` per grid cell
 * (in a group of class 'boundary', row-major).
 * @example
 * const svg = scatterPlot({ x: xs, y: ys, labels: classes, title: 'two moons', boundary: { grid: probs, rows: 50, cols: 50, xRange: [-2, 3], yRange: [-1.5, 2] } });
 * writeFileSync('moons.svg', svg);
 */
export function scatterPlot(options: ScatterOptions): string {
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[${OP}] options must be an object, got ${fmt(options)}`);
  const { width = 640, height = 480, id = 'scatter', radius = 3 } = options;
  checkLook(options, width, height, id, radius);
  const x = toNumbers(options.x, OP, 'x');
  const y = toNumbers(options.y, OP, 'y');
  check(x.length === y.length, ShapeError, () => `[${OP}] x has ${x.length} values but y has ${y.length}`);
  const classes = options.labels === undefined ? null : classIds(options.labels, x.length);
  const names = legendNames(classes, options.classNames);
  const grid = options.boundary === undefined ? null : checkBoundary(options.boundary);
  const legendWidth = names.length === 0 ? 0 : 40 + 7 * Math.max(...names.map(([, n]) => n.length));
  const plot = plotArea({ x: 0, y: 0, width, height }, legendWidth);
  check(plot.width >= 50, ArgumentError, () => `[${OP}] width ${width} leaves no room for the plot beside a ${Math.round(legendWidth)}px legend`);
  const xt = axisTicks(options.xRange ?? grid?.xRange, x, 'xRange', Math.max(2, Math.round(plot.width / 90)));
  const yt = axisTicks(options.yRange ?? grid?.yRange, y, 'yRange', Math.max(2, Math.round(plot.height / 60)));
  const sx = (v: number): number => plot.x + ((v - xt.min) / (xt.max - xt.min)) * plot.width;
  const sy = (v: number): number => plot.y + plot.height - ((v - yt.min) / (yt.max - yt.min)) * plot.height;
  const circles = points(x, y, classes, radius, sx, sy);
  const clip = `${id}-clip`;
  const body = [
    `<defs>${element('clipPath', { id: clip }, element('rect', { ...plot }))}</defs>`,
    ...(grid === null ? [] : [`<g class="boundary" clip-path="url(#${clip})" shape-rendering="crispEdges">${boundaryCells(grid, sx, sy).join('')}</g>`]),
    ...axes(xt, yt, plot, sx, sy, grid === null),
    `<g class="points" clip-path="url(#${clip})">${circles.join('')}</g>`,
    element('rect', { ...plot, fill: 'none', stroke: '#333' }),
    ...labels(options, { x: 0, y: 0, width, height }, plot),
    ...(circles.length < x.length ? [svgText(plot.x + plot.width, plot.y - 6, `not shown: ${x.length - circles.length} NaN/Inf points`, { 'text-anchor': 'end', fill: '#888', class: 'note' })] : []),
    legend(names, plot.x + plot.width + 12, plot.y),
  ];
  return svgDocument(width, height, options.title, body.join('\n'));
}

/** Checks the options that only change the look: size, id, radius and texts. */
function checkLook(options: ScatterOptions, width: number, height: number, id: string, radius: number): void {
  checkSize(width, height, OP);
  checkId(id, OP);
  check(Number.isFinite(radius) && radius > 0, ArgumentError, () => `[${OP}] radius must be a positive number, got ${fmt(radius)}`);
  for (const k of ['title', 'xLabel', 'yLabel'] as const) checkText(options[k], OP, k);
}

/** One circle per point with finite coordinates, in its class's colour. */
function points(x: ArrayLike<number>, y: ArrayLike<number>, classes: ArrayLike<number> | null, radius: number,
  sx: (v: number) => number, sy: (v: number) => number): string[] {
  const circles: string[] = [];
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    const fill = classColor(classes === null ? 0 : classes[i]!);
    circles.push(element('circle', { cx: sx(x[i]!), cy: sy(y[i]!), r: radius, fill, stroke: 'white', 'stroke-width': 0.5 }));
  }
  return circles;
}

/** The labels as integer class ids, one per point. */
function classIds(input: NumericData, n: number): ArrayLike<number> {
  const ids = toNumbers(input, OP, 'labels');
  check(ids.length === n, ShapeError, () => `[${OP}] labels has ${ids.length} values but x has ${n}`);
  for (let i = 0; i < ids.length; i++) {
    check(Number.isSafeInteger(ids[i]) && ids[i]! >= 0, ArgumentError,
      () => `[${OP}] labels[${i}] must be a non-negative integer class id, got ${fmt(ids[i])}`);
  }
  return ids;
}

/** The legend rows: each class present, in increasing order, with its name. */
function legendNames(classes: ArrayLike<number> | null, classNames: readonly string[] | undefined): [number, string][] {
  check(classNames === undefined || (Array.isArray(classNames) && classNames.every((n) => typeof n === 'string')), ArgumentError,
    () => `[${OP}] classNames must be an array of strings, got ${fmt(classNames)}`);
  if (classes === null) return [];
  const present = [...new Set(Array.from(classes))].sort((a, b) => a - b);
  return present.map((k) => [k, classNames?.[k] ?? String(k)]);
}

/** Fixed bounds when given (ticks inside them), else nice bounds around the finite data. */
function axisTicks(range: readonly [number, number] | undefined, data: ArrayLike<number>, arg: string, count: number): Ticks {
  if (range !== undefined) {
    const [lo, hi] = checkRange(range, OP, arg);
    return niceTicks(lo, hi, count, false);
  }
  const [lo, hi] = finiteRange(data) ?? [0, 1];
  return niceTicks(lo, hi, count, true);
}

/** A checked boundary: K = 1 for probabilities, else the number of class scores per cell. */
interface Grid {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  k: number;
  xRange: [number, number];
  yRange: [number, number];
}

function checkBoundary(b: ScatterBoundary): Grid {
  check(typeof b === 'object' && b !== null, ArgumentError, () => `[${OP}] boundary must be { grid, rows, cols, xRange, yRange }, got ${fmt(b)}`);
  const rows = checkInteger(b.rows, 1, 10_000, OP, 'boundary.rows');
  const cols = checkInteger(b.cols, 1, 10_000, OP, 'boundary.cols');
  const k = b.classes === undefined ? 1 : checkInteger(b.classes, 2, 1000, OP, 'boundary.classes');
  const xRange = checkRange(b.xRange, OP, 'boundary.xRange');
  const yRange = checkRange(b.yRange, OP, 'boundary.yRange');
  const values = toNumbers(b.grid, OP, 'boundary.grid');
  check(values.length === rows * cols * k, ShapeError, () => b.classes === undefined
    ? `[${OP}] boundary.grid has ${values.length} values, expected rows × cols = ${rows} × ${cols} = ${rows * cols}`
    : `[${OP}] boundary.grid has ${values.length} values, expected rows × cols × classes = ${rows} × ${cols} × ${k} = ${rows * cols * k}`);
  return { values, rows, cols, k, xRange, yRange };
}

/** One rect per grid cell, row-major, row 0 at the bottom. */
function boundaryCells(g: Grid, sx: (v: number) => number, sy: (v: number) => number): string[] {
  const [[x0, x1], [y0, y1]] = [g.xRange, g.yRange];
  const [dx, dy] = [(x1 - x0) / g.cols, (y1 - y0) / g.rows];
  const cells: string[] = [];
  for (let r = 0; r < g.rows; r++) {
    const [top, bottom] = [sy(y0 + (r + 1) * dy), sy(y0 + r * dy)];
    for (let c = 0; c < g.cols; c++) {
      const [left, right] = [sx(x0 + c * dx), sx(x0 + (c + 1) * dx)];
      const i = r * g.cols + c;
      const fill = g.k === 1 ? probabilityColor(g.values[i]!, r, c) : argmaxColor(g.values, i * g.k, g.k);
      cells.push(element('rect', { x: left, y: top, width: right - left, height: bottom - top, fill }));
    }
  }
  return cells;
}

/** p = P(class 1): class 0's colour at p = 0, white at 0.5, class 1's at 1 (lightened so points stand out). */
function probabilityColor(p: number, r: number, c: number): string {
  if (Number.isNaN(p)) return colormap('gray', NaN);
  check(p >= 0 && p <= 1, ArgumentError,
    () => `[${OP}] boundary.grid values must be probabilities in [0, 1] (or pass boundary.classes for class scores), got ${fmt(p)} at row ${r}, col ${c}`);
  return blend('#ffffff', classColor(p < 0.5 ? 0 : 1), 0.6 * Math.abs(2 * p - 1));
}

/** The lightened colour of the highest-scoring class of one cell; magenta when a score is NaN. */
function argmaxColor(grid: ArrayLike<number>, start: number, k: number): string {
  let best = 0;
  for (let j = 0; j < k; j++) {
    const v = grid[start + j]!;
    if (Number.isNaN(v)) return colormap('gray', NaN);
    if (v > grid[start + best]!) best = j;
  }
  return blend('#ffffff', classColor(best), 0.35);
}

function legend(names: [number, string][], x: number, y: number): string {
  if (names.length === 0) return '';
  const rows = names.map(([k, name], i) => {
    const cy = y + 10 + i * 18;
    return element('circle', { cx: x + 6, cy, r: 4, fill: classColor(k) }) + svgText(x + 16, cy + 4, name, {});
  });
  return `<g class="legend">${rows.join('')}</g>`;
}
