/**
 * docs/tutorial.md runs here, so that it cannot rot. Each `## ` section's ```ts blocks are joined in
 * order and run as one program against the library under test (src, or dist in the dist projects):
 * its `import { … } from 'nabla'` lines become reads of the imported barrel, TypeScript's own
 * transpiler strips the types, and the code runs as the body of an async function (so top-level
 * `await` works) with a `console` that records what it prints. No file is written.
 *
 * What is compared:
 * - `// → text`: the line printed there is exactly `text` (deterministic output: seeded, or pure JS);
 * - `// ~ text`: one run's output, shown for the reader (training depends on the kernels' rounding):
 *   a line is printed there, and it begins as `text` does, up to its first digit or colon;
 * - a comment's continuation lines are the comment lines right below it whose `//` is in the same
 *   column (as in test/readme.test.ts);
 * - each training section also has its own checks below: thresholds on what it printed.
 */
import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as nabla from '../src/index.js';

const TUTORIAL = readFileSync(new URL('../docs/tutorial.md', import.meta.url), 'utf8');

interface Section {
  title: string;
  code: string;
}

/** The `## ` sections of the tutorial that hold ```ts blocks, each with its blocks joined. */
function sections(markdown: string): Section[] {
  return markdown
    .split(/^## /m)
    .slice(1)
    .map((part) => ({
      title: part.slice(0, part.indexOf('\n')).trim(),
      code: [...part.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).join('\n'),
    }))
    .filter((s) => s.code !== '');
}

interface Announced {
  exact: boolean;
  text: string;
}

/** The lines the `// →` and `// ~` comments announce, in order. */
function announcedOutput(code: string): Announced[] {
  const lines = code.split('\n');
  const out: Announced[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /\/\/ ([→~]) /.exec(lines[i]!);
    if (!m) continue;
    const at = m.index;
    const exact = m[1] === '→';
    const column = at + m[0].length;
    out.push({ exact, text: lines[i]!.slice(column) });
    while (i + 1 < lines.length && /^\s*\/\/(?! [→~] )/.test(lines[i + 1]!) && lines[i + 1]!.indexOf('//') === at) {
      out.push({ exact, text: lines[++i]!.slice(column) });
    }
  }
  return out;
}

/** `import { a, b as c, type T } from 'nabla';` → `const { a, b: c } = __nabla;` (any other import is an error). */
function bindImports(code: string): string {
  const bound = code.replace(/^import\s*\{([^}]*)\}\s*from\s*'nabla';?$/gm, (_, names: string) => {
    const values = names
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '' && !n.startsWith('type '))
      .map((n) => n.replace(/\s+as\s+/, ': '));
    return `const { ${values.join(', ')} } = __nabla;`;
  });
  const other = /^import\b.*$/m.exec(bound);
  if (other) throw new Error(`the tutorial's code may only import named exports of 'nabla', got: ${other[0]}`);
  return bound;
}

type Program = (lib: typeof nabla, console: { log: (...args: unknown[]) => void }) => Promise<void>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => Program;

/** Runs a section's code; returns the lines it printed. */
async function run(code: string): Promise<string[]> {
  const js = ts.transpileModule(bindImports(code), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText.replace(/^export \{\};?$/m, '');
  const printed: string[] = [];
  const log = (...args: unknown[]): void => void printed.push(...format(...args).split('\n'));
  await new AsyncFunction('__nabla', 'console', js)(nabla, { log });
  return printed;
}

/** What a `// ~` line must begin with: its text up to the first digit or colon. */
const label = (text: string): string => /^[^0-9:]*/.exec(text)![0];

/** The first number printed on the line that begins with `prefix`. */
function numberAfter(printed: string[], prefix: string): number {
  const line = printed.find((l) => l.startsWith(prefix));
  expect(line, `no printed line begins with "${prefix}"`).toBeDefined();
  return Number(/-?\d+(\.\d+)?/.exec(line!.slice(prefix.length))![0]);
}

/** Thresholds on what the training sections print (their numbers vary with the kernels' rounding). */
const CHECKS: Record<string, (printed: string[]) => void> = {
  '4. A CNN on MNIST': (printed) => {
    expect(numberAfter(printed, 'test accuracy')).toBeGreaterThan(80);
  },
  '5. An LSTM that makes up names': (printed) => {
    const first = numberAfter(printed, 'step   0');
    const last = numberAfter(printed, 'step 150');
    expect(first).toBeGreaterThan(3); // ≈ ln 27: a uniform guess over 26 letters and the end mark
    expect(last).toBeLessThan(1.5);
    const names = printed.find((l) => l.startsWith('generated:'))!.slice('generated:'.length).split(',');
    expect(names).toHaveLength(8);
    for (const name of names) expect(name.trim()).toMatch(/^[a-z]+$/);
  },
  '6. A small Transformer that sorts': (printed) => {
    expect(numberAfter(printed, 'step 300')).toBeLessThan(numberAfter(printed, 'step   0') / 4);
    expect(numberAfter(printed, 'digits in place')).toBeGreaterThan(90);
  },
};

describe('docs/tutorial.md', () => {
  const all = sections(TUTORIAL);

  it('has its six sections, each with code that announces its output', () => {
    expect(all.map((s) => s.title.replace(/ .*/, ''))).toEqual(['1.', '2.', '3.', '4.', '5.', '6.']);
    for (const s of all) expect(announcedOutput(s.code).length, s.title).toBeGreaterThanOrEqual(2);
    for (const title of Object.keys(CHECKS)) expect(all.map((s) => s.title)).toContain(title);
  });

  for (const section of all) {
    it(`runs section "${section.title}" and prints what it announces`, async () => {
      nabla.manualSeed(0); // each section seeds itself too; this keeps them independent of order
      const printed = await run(section.code);
      const announced = announcedOutput(section.code);
      expect(printed.length, `lines printed:\n${printed.join('\n')}`).toBe(announced.length);
      announced.forEach((a, i) => {
        if (a.exact) expect(printed[i], `line ${i + 1}`).toBe(a.text);
        else expect(printed[i]!.startsWith(label(a.text)), `line ${i + 1}: "${printed[i]}" should begin with "${label(a.text)}"`).toBe(true);
      });
      CHECKS[section.title]?.(printed);
    });
  }
});
