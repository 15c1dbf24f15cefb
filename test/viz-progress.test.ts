import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../src/index.js';
import { ProgressBar, type ProgressStream } from '../src/index.js';
import { formatDuration, formatMetric } from '../src/viz/progress.js';

/** A stream that records every write, and a clock the test moves by hand. */
function fakeStream(isTTY: boolean, columns?: number): ProgressStream & { chunks: string[] } {
  const chunks: string[] = [];
  return { isTTY, columns, chunks, write: (s: string) => chunks.push(s) };
}
function fakeClock(): { now: () => number; set: (ms: number) => void } {
  let t = 0;
  return { now: () => t, set: (ms) => (t = ms) };
}

describe('ProgressBar on a terminal', () => {
  it('redraws one line with \\r: bar, percent, count, metrics, rate and eta', () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const bar = new ProgressBar({ total: 100, label: 'epoch 1', stream, now: clock.now });
    clock.set(200);
    bar.update(50, { loss: 0.5, acc: 0.91234 });
    expect(stream.chunks).toEqual([
      '\repoch 1 [===============>              ]  50% 50/100 loss 0.5000 acc 0.9123 250 samples/s eta 0.2s',
    ]);
  });

  it('throttles redraws to one per throttleMs', () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const bar = new ProgressBar({ total: 10, stream, now: clock.now, throttleMs: 100 });
    const times = [10, 50, 109, 110, 150, 230];
    times.forEach((t, i) => {
      clock.set(t);
      bar.update(i + 1);
    });
    // drawn at 10 (first), 110 (100 ms later) and 230; skipped at 50, 109 and 150
    expect(stream.chunks.length).toBe(3);
    expect(stream.chunks.map((c) => c.match(/ (\d+)\/10/)![1])).toEqual(['1', '4', '6']);
  });

  it('pads over a longer previous line, cuts to the terminal width, and ends with one newline on finish', () => {
    const stream = fakeStream(true, 60);
    const clock = fakeClock();
    const bar = new ProgressBar({ total: 4, stream, now: clock.now, width: 10, throttleMs: 0 });
    clock.set(1000);
    bar.update(1, { loss: 123.456789, accuracy: 0.5 });
    clock.set(2000);
    bar.update(2);
    clock.set(4000);
    bar.finish({ loss: 0.25 });
    const [first, second, last, newline] = stream.chunks;
    expect(first).toBe('\r[==>       ]  25% 1/4 loss 123.5 accuracy 0.5000 1.00 samples/s eta 3.0s'.slice(0, 60));
    expect(first!.length).toBe(60); // '\r' plus 59 characters
    expect(second).toBe('\r[=====>    ]  50% 2/4 1.00 samples/s eta 2.0s' + ' '.repeat(59 - 45));
    expect(last).toBe('\r[==========] 100% 4/4 loss 0.2500 1.00 samples/s in 4.0s'); // longer than before: no padding
    expect(newline).toBe('\n');
    expect(stream.chunks.length).toBe(4);
    bar.finish(); // a second finish does nothing
    expect(stream.chunks.length).toBe(4);
  });
});

describe('ProgressBar in a log (not a TTY)', () => {
  it('prints plain lines at 25%, 50%, 75% and the end, never carriage returns', () => {
    const stream = fakeStream(false);
    const clock = fakeClock();
    const bar = new ProgressBar({ total: 8, label: 'train', stream, now: clock.now });
    for (let done = 1; done <= 8; done++) {
      clock.set(done * 500);
      bar.update(done, { loss: 1 / done });
    }
    bar.finish({ loss: 0.1, accuracy: 0.875 });
    expect(stream.chunks).toEqual([
      'train 25% 2/8 loss 0.5000 2.00 samples/s eta 3.0s\n',
      'train 50% 4/8 loss 0.2500 2.00 samples/s eta 2.0s\n',
      'train 75% 6/8 loss 0.1667 2.00 samples/s eta 1.0s\n',
      'train 100% 8/8 loss 0.1000 accuracy 0.8750 2.00 samples/s in 4.0s\n',
    ]);
    expect(stream.chunks.join('')).not.toContain('\r');
  });

  it('prints one line when a jump crosses several checkpoints, and honours the checkpoint count', () => {
    const stream = fakeStream(false);
    const clock = fakeClock();
    const bar = new ProgressBar({ total: 1000, stream, now: clock.now, checkpoints: 10, unit: 'images' });
    clock.set(1000);
    bar.update(350);
    bar.update(360);
    clock.set(2000);
    bar.update(1000);
    bar.finish();
    expect(stream.chunks).toEqual([
      '35% 350/1000 350 images/s eta 1.9s\n',
      '100% 1000/1000 500 images/s in 2.0s\n',
    ]);
  });

  it('writes to process.stdout by default', () => {
    const bar = new ProgressBar({ total: 1 });
    expect((bar as unknown as { stream: unknown }).stream).toBe(process.stdout);
  });
});

describe('ProgressBar errors and formats', () => {
  it('rejects bad options and updates, naming them', () => {
    const stream = fakeStream(false);
    expect(() => new ProgressBar({ total: 0, stream })).toThrow('[ProgressBar] total must be a positive integer, got 0');
    expect(() => new ProgressBar({ total: 5, stream: {} as never })).toThrow('[ProgressBar] stream must have a write(text) method');
    expect(() => new ProgressBar({ total: 5, stream, width: 0 })).toThrow(ArgumentError);
    const bar = new ProgressBar({ total: 5, stream });
    expect(() => bar.update(6)).toThrow('[ProgressBar.update] done must be a number in [0, 5], got 6');
    expect(() => bar.update(1, { loss: '0.3' as never })).toThrow('[ProgressBar.update] metric "loss" must be a number (use .item() on a tensor), got "0.3"');
    bar.finish();
    expect(() => bar.update(5)).toThrow('[ProgressBar.update] called after finish()');
  });

  it('formats metrics and durations compactly', () => {
    expect([0.42104, 12.3456, 3, 1.5e-5, 123456.7, NaN, 0].map(formatMetric)).toEqual(['0.4210', '12.35', '3', '1.500e-5', '1.235e+5', 'NaN', '0']);
    expect([0.84, 59.5, 125, 3725].map(formatDuration)).toEqual(['0.8s', '59.5s', '2m05s', '1h02m']);
  });
});
