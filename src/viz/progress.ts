/**
 * A text progress bar for training loops. On a terminal it redraws one line in place; in logs (CI,
 * files, pipes) it prints a plain line at a few checkpoints and at the end, never carriage returns.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';

/** Where the bar writes: `process.stdout`-like (only `write` is needed). */
export interface ProgressStream {
  write(chunk: string): unknown;
  /** True for a terminal: redraw in place. */
  isTTY?: boolean;
  /** Terminal width; longer lines are cut to fit. */
  columns?: number;
}

/** Options of `ProgressBar`. */
export interface ProgressBarOptions {
  /** Number of samples (or steps) at 100%. */
  total: number;
  /** Text before the bar, e.g. 'epoch 3/10'. */
  label?: string;
  /** Output (default `process.stdout`, or `console.log` lines where there is no process). */
  stream?: ProgressStream;
  /** Characters of the bar on a terminal (default 30). */
  width?: number;
  /** Clock in milliseconds (default `performance.now`), for tests. */
  now?: () => number;
  /** Least time between two redraws on a terminal, in ms (default 100). */
  throttleMs?: number;
  /** Lines printed when not on a terminal: at every 1/checkpoints of the way (default 4: 25%, 50%, 75%), plus the end. */
  checkpoints?: number;
  /** Name of what is counted in the rate (default 'samples': "1234 samples/s"). */
  unit?: string;
}

/** Named numbers shown after the bar, e.g. `{ loss: 0.31, accuracy: 0.92 }`. */
export type ProgressMetrics = Readonly<Record<string, number>>;

/**
 * A progress bar: call `update(done, metrics)` as work completes and `finish(metrics)` at the end.
 * On a TTY: `epoch 1 [=========>          ] 48% 480/1000 loss 0.4210 acc 0.8812 2400 samples/s eta 0.2s`,
 * redrawn with `\r` at most every `throttleMs`; otherwise one plain line per checkpoint and one at the end.
 * @example
 * const bar = new ProgressBar({ total: loader.dataset.length, label: `epoch ${epoch}` });
 * for (const [x, y] of loader) { done += x.shape[0]; bar.update(done, { loss: loss.item() }); }
 * bar.finish({ loss: meanLoss, accuracy: acc });
 */
export class ProgressBar {
  readonly total: number;
  private readonly label: string;
  private readonly stream: ProgressStream;
  private readonly width: number;
  private readonly now: () => number;
  private readonly throttleMs: number;
  private readonly checkpoints: number;
  private readonly unit: string;
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastLength = 0;
  private lastCheckpoint = 0;
  private done = 0;
  private metrics: ProgressMetrics = {};
  private finished = false;

  constructor(options: ProgressBarOptions) {
    check(typeof options === 'object' && options !== null, ArgumentError, () => `[ProgressBar] options must be an object, got ${fmt(options)}`);
    const { total, label = '', stream = defaultStream(), width = 30, now = defaultClock, throttleMs = 100, checkpoints = 4, unit = 'samples' } = options;
    check(Number.isSafeInteger(total) && total >= 1, ArgumentError, () => `[ProgressBar] total must be a positive integer, got ${fmt(total)}`);
    check(typeof label === 'string', ArgumentError, () => `[ProgressBar] label must be a string, got ${fmt(label)}`);
    check(typeof stream?.write === 'function', ArgumentError, () => `[ProgressBar] stream must have a write(text) method, got ${fmt(stream)}`);
    check(Number.isSafeInteger(width) && width >= 1, ArgumentError, () => `[ProgressBar] width must be a positive integer, got ${fmt(width)}`);
    check(typeof now === 'function', ArgumentError, () => `[ProgressBar] now must be a function returning milliseconds, got ${fmt(now)}`);
    check(Number.isFinite(throttleMs) && throttleMs >= 0, ArgumentError, () => `[ProgressBar] throttleMs must be a number >= 0, got ${fmt(throttleMs)}`);
    check(Number.isSafeInteger(checkpoints) && checkpoints >= 1, ArgumentError, () => `[ProgressBar] checkpoints must be a positive integer, got ${fmt(checkpoints)}`);
    check(typeof unit === 'string', ArgumentError, () => `[ProgressBar] unit must be a string, got ${fmt(unit)}`);
    this.total = total;
    this.label = label;
    this.stream = stream;
    this.width = width;
    this.now = now;
    this.throttleMs = throttleMs;
    this.checkpoints = checkpoints;
    this.unit = unit;
    this.start = now();
  }

  /**
   * Records that `done` of `total` are complete (and the latest metrics); redraws when due.
   * @example
   * bar.update(640, { loss: 0.52 });
   */
  update(done: number, metrics: ProgressMetrics = {}): void {
    check(!this.finished, ArgumentError, () => '[ProgressBar.update] called after finish()');
    check(Number.isFinite(done) && done >= 0 && done <= this.total, ArgumentError,
      () => `[ProgressBar.update] done must be a number in [0, ${this.total}], got ${fmt(done)}`);
    checkMetrics(metrics, 'ProgressBar.update');
    this.done = done;
    this.metrics = metrics;
    const t = this.now();
    if (this.stream.isTTY) {
      if (t - this.lastDraw >= this.throttleMs) this.redraw(t);
      return;
    }
    const reached = Math.floor((done / this.total) * this.checkpoints + 1e-9);
    if (reached > this.lastCheckpoint && reached < this.checkpoints) {
      this.lastCheckpoint = reached;
      this.stream.write(this.plainLine(t) + '\n');
    }
  }

  /**
   * Completes the bar (at `total`, with the final metrics, if given) and ends its line.
   * Calling it again does nothing.
   * @example
   * bar.finish({ loss: 0.21, accuracy: 0.94 });
   */
  finish(metrics?: ProgressMetrics): void {
    if (this.finished) return;
    if (metrics !== undefined) checkMetrics(metrics, 'ProgressBar.finish');
    this.done = this.total;
    this.metrics = metrics ?? this.metrics;
    this.finished = true;
    const t = this.now();
    if (this.stream.isTTY) {
      this.redraw(t);
      this.stream.write('\n');
    } else {
      this.stream.write(this.plainLine(t) + '\n');
    }
  }

  /** Rewrites the terminal line, padding over what was longer before and cutting to the terminal width. */
  private redraw(t: number): void {
    let line = this.ttyLine(t);
    const columns = this.stream.columns;
    if (columns !== undefined && columns > 1 && line.length >= columns) line = line.slice(0, columns - 1);
    const pad = ' '.repeat(Math.max(0, this.lastLength - line.length));
    this.stream.write('\r' + line + pad);
    this.lastLength = line.length;
    this.lastDraw = t;
  }

  private ttyLine(t: number): string {
    const filled = Math.floor((this.done / this.total) * this.width);
    const bar = filled >= this.width ? '='.repeat(this.width) : '='.repeat(filled) + '>' + ' '.repeat(this.width - filled - 1);
    return this.compose(`[${bar}]`, t);
  }

  private plainLine(t: number): string {
    return this.compose('', t);
  }

  /** label, bar (TTY only), percent, count, metrics, rate, and eta (running) or elapsed time (finished). */
  private compose(bar: string, t: number): string {
    const seconds = (t - this.start) / 1000;
    const percent = `${Math.floor((100 * this.done) / this.total)}%`;
    const parts = [this.label, bar, this.stream.isTTY ? percent.padStart(4) : percent, `${formatCount(this.done)}/${this.total}`];
    for (const [name, v] of Object.entries(this.metrics)) parts.push(`${name} ${formatMetric(v)}`);
    if (seconds > 0 && this.done > 0) {
      const rate = this.done / seconds;
      parts.push(`${formatRate(rate)} ${this.unit}/s`);
      if (!this.finished && this.done < this.total) parts.push(`eta ${formatDuration((this.total - this.done) / rate)}`);
    }
    if (this.finished) parts.push(`in ${formatDuration(Math.max(0, seconds))}`);
    return parts.filter((p) => p !== '').join(' ');
  }
}

function checkMetrics(metrics: unknown, op: string): void {
  check(typeof metrics === 'object' && metrics !== null, ArgumentError, () => `[${op}] metrics must be an object of numbers, got ${fmt(metrics)}`);
  for (const [name, v] of Object.entries(metrics)) {
    check(typeof v === 'number', ArgumentError, () => `[${op}] metric ${fmt(name)} must be a number (use .item() on a tensor), got ${fmt(v)}`);
  }
}

function formatCount(done: number): string {
  return Number.isInteger(done) ? String(done) : done.toFixed(1);
}

/**
 * A metric value at about 4 significant digits: 0.4210, 12.35, 1.235e-5.
 * @example
 * formatMetric(0.42104); // '0.4210'
 */
export function formatMetric(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
}

function formatRate(rate: number): string {
  return rate >= 100 ? String(Math.round(rate)) : rate.toPrecision(3);
}

/**
 * A duration in seconds as 0.8s, 12.3s, 2m05s or 1h02m.
 * @example
 * formatDuration(125); // '2m05s'
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function defaultClock(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/** `process.stdout` in Node; elsewhere a stream that logs each finished line with `console.log`. */
function defaultStream(): ProgressStream {
  const proc = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  if (proc?.stdout) return proc.stdout;
  let pending = '';
  return {
    isTTY: false,
    write(chunk: string) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) console.log(line);
    },
  };
}
