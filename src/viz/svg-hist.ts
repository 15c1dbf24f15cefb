/**
 * Histograms as standalone SVG text, binned as `numpy.histogram` bins (see `histogramBins`).
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { classColor } from './colormap.js';
import { binValues, type HistogramBinsOptions } from './histogram.js';
import { element, escapeXml } from './svg.js';
import { axes, checkSize, checkText, labels, plotArea, svgDocument, svgText, type NumericData } from './svg-frame.js';
import { niceTicks } from './ticks.js';

/** Options of `histogramPlot`: the binning of `histogramBins`, and how to draw it. */
export interface HistogramPlotOptions extends HistogramBinsOptions {
  /** Bar heights are densities (the bars' area sums to 1) instead of counts (default false). */
  density?: boolean;
  title?: string;
  xLabel?: string;
  /** Default 'count', or 'density'. */
  yLabel?: string;
  /** The bars' CSS colour (default the first palette colour, '#1f77b4'). */
  color?: string;
  /** Size in pixels (default 640 × 400). */
  width?: number;
  height?: number;
}

/**
 * An SVG histogram: one bar (`<rect>`, with its bin and count as a tooltip) per bin, in a group of
 * class 'bars', over axes with nice ticks. Bins are NumPy's: equal width over [min, max] (or
 * `range`), the last bin closed. NaN, ±Infinity and values outside `range` are not drawn; a note
 * under the title says how many were left out.
 * @example
 * const svg = histogramPlot(weights.flatten(), { bins: 30, title: 'fc1 weights', xLabel: 'value' });
 * writeFileSync('weights.svg', svg);
 */
export function histogramPlot(values: NumericData, options: HistogramPlotOptions = {}): string {
  const op = 'histogramPlot';
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[${op}] options must be an object, got ${fmt(options)}`);
  const { density = false, width = 640, height = 400, color = classColor(0) } = options;
  checkSize(width, height, op);
  for (const k of ['title', 'xLabel', 'yLabel', 'color'] as const) checkText(options[k], op, k);
  const hist = binValues(values, options, op);
  const heights = density ? hist.density : hist.counts;
  const plot = plotArea({ x: 0, y: 0, width, height });
  const [lo, hi] = [hist.edges[0]!, hist.edges[hist.edges.length - 1]!];
  const xt = niceTicks(lo, hi, Math.max(2, Math.round(plot.width / 90)), false);
  const yt = niceTicks(0, Math.max(...heights) || 1, Math.max(2, Math.round(plot.height / 60)));
  const sx = (x: number): number => plot.x + ((x - lo) / (hi - lo)) * plot.width;
  const sy = (y: number): number => plot.y + plot.height - ((y - yt.min) / (yt.max - yt.min)) * plot.height;
  const bars = heights.map((h, k) => {
    const [x0, x1] = [sx(hist.edges[k]!), sx(hist.edges[k + 1]!)];
    const bin = `[${short(hist.edges[k]!)}, ${short(hist.edges[k + 1]!)}${k === heights.length - 1 ? ']' : ')'}`;
    const tip = `${bin}: ${hist.counts[k]}${density ? ` (density ${short(h)})` : ''}`;
    return element('rect', { x: x0, y: sy(h), width: x1 - x0, height: sy(0) - sy(h), fill: color, stroke: 'white', 'stroke-width': 0.5 },
      element('title', {}, escapeXml(tip)));
  });
  const left = hist.nonFinite + hist.outOfRange;
  const note = left === 0 ? [] : [svgText(plot.x + plot.width, plot.y - 6, leftOutNote(hist.nonFinite, hist.outOfRange), { 'text-anchor': 'end', fill: '#888', class: 'note' })];
  const body = [
    ...axes(xt, yt, plot, sx, sy, true),
    `<g class="bars">${bars.join('')}</g>`,
    element('rect', { ...plot, fill: 'none', stroke: '#333' }),
    ...labels({ title: options.title, xLabel: options.xLabel, yLabel: options.yLabel ?? (density ? 'density' : 'count') }, { x: 0, y: 0, width, height }, plot),
    ...note,
  ];
  return svgDocument(width, height, options.title, body.join('\n'));
}

function leftOutNote(nonFinite: number, outOfRange: number): string {
  const parts = [];
  if (nonFinite > 0) parts.push(`${nonFinite} NaN/Inf`);
  if (outOfRange > 0) parts.push(`${outOfRange} out of range`);
  return `not shown: ${parts.join(', ')}`;
}

/** A bin edge or density for a tooltip: 4 significant digits. */
function short(v: number): string {
  return String(Number(v.toPrecision(4)));
}
