/**
 * Colormaps (value in [0, 1] → CSS colour) and the categorical palette of the plots. Each map is a
 * small table of anchor colours, linearly interpolated in RGB.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';

/** The colormaps of `heatmap`, `imshow` and `imageGrid`. */
export type ColormapName = 'viridis' | 'gray' | 'coolwarm';

type Rgb = readonly [number, number, number];

// viridis at t = 0, 0.1, …, 1 (matplotlib's perceptually uniform map, sampled at 11 points)
const VIRIDIS = ['#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725'];
// coolwarm (Moreland's diverging map) at t = 0, 0.25, 0.5, 0.75, 1
const COOLWARM = ['#3b4cc0', '#8db0fe', '#dddddd', '#f49a7b', '#b40426'];
const GRAY = ['#000000', '#ffffff'];
const ANCHORS: Record<ColormapName, readonly Rgb[]> = {
  viridis: VIRIDIS.map(parseHex),
  gray: GRAY.map(parseHex),
  coolwarm: COOLWARM.map(parseHex),
};

// the categorical palette of linePlot (matplotlib's tab10)
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
// NOTE: NaN cells get magenta, a colour none of the maps contains, so missing data never passes for a value
const MISSING_COLOR = '#ff00ff';

/**
 * The colour of `t` in a colormap, as `#rrggbb`: `t` is clamped to [0, 1]; NaN gives the
 * 'missing' colour (magenta), which no colormap contains.
 * @example
 * colormap('viridis', 0); // '#440154'
 * colormap('viridis', 1); // '#fde725'
 * colormap('gray', 0.5);  // '#808080'
 */
export function colormap(name: ColormapName, t: number): string {
  const anchors = checkColormap(name, 'colormap', 'name');
  check(typeof t === 'number', ArgumentError, () => `[colormap] t must be a number, got ${fmt(t)}`);
  if (Number.isNaN(t)) return MISSING_COLOR;
  const x = Math.min(1, Math.max(0, t)) * (anchors.length - 1);
  const k = Math.min(anchors.length - 2, Math.floor(x));
  return toHex(mix(anchors[k]!, anchors[k + 1]!, x - k));
}

/**
 * The colour of class `k` (a non-negative integer) in the 10-colour categorical palette, cycling.
 * @example
 * classColor(0); // '#1f77b4'
 * classColor(11); // '#ff7f0e'
 */
export function classColor(k: number): string {
  return PALETTE[k % PALETTE.length]!;
}

/**
 * Checks a colormap name (for `op`'s argument `arg`) and returns its anchors.
 * @example
 * checkColormap('gray', 'heatmap', 'colormap'); // [[0, 0, 0], [255, 255, 255]]
 */
export function checkColormap(name: ColormapName, op: string, arg: string): readonly Rgb[] {
  check(typeof name === 'string' && Object.hasOwn(ANCHORS, name), ArgumentError,
    () => `[${op}] ${arg} must be one of ${Object.keys(ANCHORS).map((k) => `'${k}'`).join(', ')}, got ${fmt(name)}`);
  return ANCHORS[name];
}

/**
 * `a` blended toward `b` by `t` in [0, 1], as `#rrggbb` (both `#rrggbb`).
 * @example
 * blend('#000000', '#ffffff', 0.5); // '#808080'
 */
export function blend(a: string, b: string, t: number): string {
  return toHex(mix(parseHex(a), parseHex(b), t));
}

/**
 * Black or white, whichever reads better on a `#rrggbb` background.
 * @example
 * textColorOn('#440154'); // '#ffffff'
 */
export function textColorOn(background: string): string {
  const [r, g, b] = parseHex(background);
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000000' : '#ffffff';
}

/**
 * Maps `v` linearly from [lo, hi] to [0, 1] (clamped); NaN stays NaN. An empty range (lo = hi)
 * maps everything to 0, as matplotlib's Normalize does.
 * @example
 * normalizeTo(5, 0, 10); // 0.5
 */
export function normalizeTo(v: number, lo: number, hi: number): number {
  if (Number.isNaN(v)) return NaN;
  if (hi <= lo) return 0;
  return Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
}

/**
 * The smallest and largest finite values, or null when there are none.
 * @example
 * finiteRange([3, NaN, -1, Infinity]); // [-1, 3]
 */
export function finiteRange(values: ArrayLike<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

function parseHex(hex: string): Rgb {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function toHex(c: Rgb): string {
  return '#' + c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
}
