/**
 * Axis ticks at "nice" numbers (1, 2, 2.5 or 5 times a power of ten) and short, exact labels for them.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';

/** Ticks covering a range: the (possibly widened) bounds, the step and the tick values. */
export interface Ticks {
  min: number;
  max: number;
  step: number;
  values: number[];
}

const NICE_STEPS = [1, 2, 2.5, 5, 10];

/**
 * About `count` evenly spaced ticks at nice numbers covering [min, max]. With `extend` (default) the
 * bounds widen to the outer ticks; otherwise they stay and only ticks inside are returned. An empty
 * range (min = max) is widened around the value. The step is at least `minStep` (1 for integer axes).
 * @example
 * niceTicks(0.13, 0.92, 5).values; // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(min: number, max: number, count = 5, extend = true, minStep = 0): Ticks {
  check(Number.isFinite(min) && Number.isFinite(max) && min <= max, ArgumentError,
    () => `[niceTicks] needs finite min <= max, got ${fmt(min)} and ${fmt(max)}`);
  check(Number.isSafeInteger(count) && count >= 1, ArgumentError, () => `[niceTicks] count must be a positive integer, got ${fmt(count)}`);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) / 2;
    return niceTicks(min - pad, max + pad, count, extend, minStep);
  }
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  // the smallest nice step not much below the raw one: about `count` ticks, a few more at most
  const steps = NICE_STEPS.map((m) => Number((m * power).toPrecision(12)));
  const step = Math.max(minStep, steps.find((s) => s >= 0.8 * raw) ?? steps[steps.length - 1]!);
  const first = extend ? Math.floor(min / step + 1e-9) : Math.ceil(min / step - 1e-9);
  const last = extend ? Math.ceil(max / step - 1e-9) : Math.floor(max / step + 1e-9);
  const values: number[] = [];
  for (let k = first; k <= last; k++) values.push(clean(k * step, step));
  return extend ? { min: values[0]!, max: values[values.length - 1]!, step, values } : { min, max, step, values };
}

/** Rounds away floating-point noise such as 0.30000000000000004, at a precision well below the step. */
function clean(value: number, step: number): number {
  const digits = Math.max(0, decimalsOf(step) + 2);
  const rounded = Number(value.toFixed(Math.min(digits, 20)));
  return rounded === 0 ? 0 : rounded;
}

/** The fewest decimals that write `step` exactly (0.25 → 2, 5 → 0, 1e-5 → 5). */
function decimalsOf(step: number): number {
  for (let d = 0; d <= 15; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) <= 1e-9 * Math.max(1, scaled)) return d;
  }
  return 15;
}

/**
 * A short label for a tick `value` on an axis with tick spacing `step`: fixed notation with just the
 * decimals the step needs (0, 0.25, 0.5), or exponent notation on axes whose step is very large or
 * small (every tick of such an axis: 5e+5, 1e+6, 1.5e+6).
 * @example
 * formatTick(0.30000000000000004, 0.1); // '0.3'
 * formatTick(2500000, 500000);          // '2.5e+6'
 */
export function formatTick(value: number, step: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (step >= 1e5 || step < 1e-4) {
    if (value === 0) return '0';
    const mantissa = value / 10 ** Math.floor(Math.log10(Math.abs(value)));
    return value.toExponential(Math.min(6, decimalsOf(mantissa)));
  }
  return (value === 0 ? 0 : value).toFixed(Math.min(decimalsOf(step), 10)); // no '-0.0'
}
