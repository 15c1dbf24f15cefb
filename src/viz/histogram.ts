/**
 * Histogram counts with NumPy's binning rules (`numpy.histogram`): equal-width bins over the data's
 * [min, max] or a given range, half-open [lo, hi) except the last bin, which is closed; 'auto',
 * 'sturges' and 'fd' bin widths as NumPy estimates them; or explicit edges.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { finiteRange } from './colormap.js';
import { checkInteger, checkRange, toNumbers, type NumericData } from './svg-frame.js';

/** How to bin: a number of equal-width bins, a NumPy width estimator, or increasing edges. */
export type BinsSpec = number | 'auto' | 'sturges' | 'fd' | ArrayLike<number>;

/** Options of `histogramBins`. */
export interface HistogramBinsOptions {
  /** Equal-width bins (a count or an estimator, default 'auto') or the edges themselves. */
  bins?: BinsSpec;
  /** The range [lo, hi] binned (default: the finite data's [min, max]); values outside are not counted. */
  range?: readonly [number, number];
}

/** Bin edges and counts; `density` integrates to 1 over the range (NumPy's `density=True`). */
export interface Histogram {
  /** `counts.length + 1` increasing edges. */
  edges: number[];
  counts: number[];
  /** counts / (total × bin width); all 0 when nothing was counted. */
  density: number[];
  /** NaN and ±Infinity values: never counted (they have no bin). */
  nonFinite: number;
  /** Finite values outside the range: not counted. */
  outOfRange: number;
}

const MAX_BINS = 100_000;

/**
 * Bins `values` as `numpy.histogram` does (its 'auto' is the smaller of the Sturges and
 * Freedman–Diaconis widths). NOTE: NumPy refuses data with NaN when it must find the range itself;
 * here NaN and ±Infinity are dropped and counted in `nonFinite`, so a plot can say so.
 * @example
 * histogramBins([1, 2, 2, 3, 10], { bins: 3 });
 * // { edges: [1, 4, 7, 10], counts: [4, 0, 1], density: [0.2667, 0, 0.0667], nonFinite: 0, outOfRange: 0 }
 */
export function histogramBins(values: NumericData, options: HistogramBinsOptions = {}): Histogram {
  return binValues(values, options, 'histogramBins');
}

/**
 * `histogramBins` for the function `op` (named in its errors).
 * @example
 * binValues([0, 1], { bins: 2 }, 'histogramPlot').counts; // [1, 1]
 */
export function binValues(values: NumericData, options: HistogramBinsOptions, op: string): Histogram {
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[${op}] options must be an object, got ${fmt(options)}`);
  const data = toNumbers(values, op, 'values');
  const finite: number[] = [];
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) finite.push(data[i]!);
  const { bins = 'auto' } = options;
  const edges = typeof bins === 'object' && bins !== null ? explicitEdges(bins, op) : equalEdges(finite, bins, options.range, op);
  const counts = count(finite, edges);
  const total = counts.reduce((a, b) => a + b, 0);
  const density = counts.map((c, k) => (total === 0 ? 0 : c / (total * (edges[k + 1]! - edges[k]!))));
  return { edges, counts, density, nonFinite: data.length - finite.length, outOfRange: finite.length - total };
}

/** User edges: at least two, finite and strictly increasing. */
function explicitEdges(bins: ArrayLike<number>, op: string): number[] {
  const edges = Array.from(toNumbers(bins, op, 'bins'));
  check(edges.length >= 2 && edges.length <= MAX_BINS + 1, ArgumentError,
    () => `[${op}] bins as edges needs 2 to ${MAX_BINS + 1} values, got ${edges.length}`);
  for (let k = 0; k < edges.length; k++) {
    check(Number.isFinite(edges[k]) && (k === 0 || edges[k]! > edges[k - 1]!), ArgumentError,
      () => `[${op}] bins edges must be finite and strictly increasing, got ${fmt(edges)}`);
  }
  return edges;
}

/** `n + 1` equal-width edges over the range, `n` given or estimated from the data in the range. */
function equalEdges(finite: number[], bins: number | string, range: readonly [number, number] | undefined, op: string): number[] {
  let [lo, hi] = range === undefined ? finiteRange(finite) ?? [0, 1] : checkRange(range, op, 'range');
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5]; // NumPy widens an empty range to one unit
  let n: number;
  if (typeof bins === 'number') n = checkInteger(bins, 1, MAX_BINS, op, 'bins');
  else {
    check(bins === 'auto' || bins === 'sturges' || bins === 'fd', ArgumentError,
      () => `[${op}] bins must be a positive integer, 'auto', 'sturges', 'fd' or an array of edges, got ${fmt(bins)}`);
    const inRange = finite.filter((v) => v >= lo && v <= hi);
    const width = estimateWidth(inRange, bins);
    n = width > 0 ? Math.min(MAX_BINS, Math.ceil((hi - lo) / width)) : 1;
  }
  const step = (hi - lo) / n;
  const edges = Array.from({ length: n + 1 }, (_, k) => k * step + lo);
  edges[n] = hi; // as numpy.linspace: the last edge is exactly the end of the range
  return edges;
}

/** NumPy's bin width estimators: Sturges ptp / (log2 n + 1); FD 2 IQR n^(-1/3); auto the smaller (FD unless 0). */
function estimateWidth(x: number[], method: 'auto' | 'sturges' | 'fd'): number {
  if (x.length === 0) return 0;
  const sorted = x.slice().sort((a, b) => a - b);
  const sturges = (sorted[sorted.length - 1]! - sorted[0]!) / (Math.log2(sorted.length) + 1);
  const fd = 2 * (percentile(sorted, 0.75) - percentile(sorted, 0.25)) * sorted.length ** (-1 / 3);
  if (method === 'sturges') return sturges;
  if (method === 'fd') return fd;
  return fd > 0 ? Math.min(fd, sturges) : sturges;
}

/** The q-quantile of sorted values, linearly interpolated between neighbours (NumPy's default). */
function percentile(sorted: number[], q: number): number {
  const at = q * (sorted.length - 1);
  const k = Math.floor(at);
  const next = sorted[Math.min(k + 1, sorted.length - 1)]!;
  return sorted[k]! + (next - sorted[k]!) * (at - k);
}

/** Counts per bin: [edges[k], edges[k+1]), the last bin closed; values outside are skipped. */
function count(finite: number[], edges: number[]): number[] {
  const n = edges.length - 1;
  const counts = new Array<number>(n).fill(0);
  const [lo, hi] = [edges[0]!, edges[n]!];
  for (const v of finite) {
    if (v < lo || v > hi) continue;
    // a first guess from uniform spacing, then corrected against the edges themselves (exact at the edges)
    let k = Math.min(n - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * n)));
    while (k > 0 && v < edges[k]!) k--;
    while (k < n - 1 && v >= edges[k + 1]!) k++;
    counts[k]!++;
  }
  return counts;
}
