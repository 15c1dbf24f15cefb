/**
 * README.md's "Tensors and autograd" code is examples/tensor-tour.ts, and each of its `// →` comments
 * is exactly what that line prints: the example runs here (against the library under test) and its
 * output is compared with the comments, so that the README cannot drift from what the code does.
 */
import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';

// the example imports the package by name; here it gets the copy under test (src, or dist in the dist projects)
vi.mock('nabla', () => import('../src/index.js'));

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** The body of the first ```ts block after `heading`. */
function codeBlockAfter(markdown: string, heading: string): string {
  const at = markdown.indexOf(`\n${heading}\n`);
  expect(at, `README.md has no "${heading}" section`).toBeGreaterThanOrEqual(0);
  const match = /```ts\n([\s\S]*?)\n```/.exec(markdown.slice(at));
  expect(match, `no ts code block after "${heading}"`).not.toBeNull();
  return match![1]!;
}

/**
 * The output lines that `// → …` comments announce. A comment's continuation lines are the comment
 * lines right below it whose `//` is in the same column; each line's text starts where the first's does.
 */
function announcedOutput(code: string): string[] {
  const lines = code.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const at = lines[i]!.indexOf('// → ');
    if (at < 0) continue;
    const column = at + '// → '.length;
    out.push(lines[i]!.slice(column));
    while (i + 1 < lines.length && /^\s*\/\/(?! →)/.test(lines[i + 1]!) && lines[i + 1]!.indexOf('//') === at) {
      out.push(lines[++i]!.slice(column));
    }
  }
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('README: Tensors and autograd', () => {
  const block = codeBlockAfter(read('README.md'), '## Tensors and autograd');

  it('shows examples/tensor-tour.ts, line for line (all but its header comment)', () => {
    const example = read('examples/tensor-tour.ts').replace(/^\/\*\*[\s\S]*?\*\/\n/, '').trimEnd();
    expect(block).toBe(example);
  });

  it('announces with `// →` exactly what the example prints', async () => {
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(...format(...args).split('\n'));
    });
    await import('../examples/tensor-tour.js');
    const announced = announcedOutput(block);
    expect(announced.length).toBeGreaterThanOrEqual(8);
    expect(printed).toEqual(announced);
  });
});

describe('README: Reinforcement learning', () => {
  const block = codeBlockAfter(read('README.md'), '## Reinforcement learning');

  it('shows examples/rl/tour.ts, line for line (all but its header comment)', () => {
    const example = read('examples/rl/tour.ts').replace(/^\/\*\*[\s\S]*?\*\/\n/, '').trimEnd();
    expect(block).toBe(example);
  });

  it('runs: one CartPole episode with its statistics, then a batch of 8 Pendulum observations and 4 log-densities', async () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args);
    });
    await import('../examples/rl/tour.js');
    expect(printed).toHaveLength(2);
    const episode = printed[0]![0] as { r: number; l: number; t: number };
    expect(episode.r).toBe(episode.l); // CartPole: +1 per step
    expect(episode.l).toBeGreaterThanOrEqual(8);
    expect(episode.t).toBeGreaterThanOrEqual(0);
    expect(printed[1]).toEqual([24, [4], 'Box(-2, 2, [1], float32)']);
  });
});
