/**
 * The folders of src read bottom-up: each imports only from the folders below it, and the one
 * cycle (Tensor's methods call ops) stays in core/tensor.ts.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
/** What each folder may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  base: [],
  backend: ['base'],
  core: ['base', 'backend'],
  ops: ['base', 'backend', 'core'],
  nn: ['base', 'backend', 'core', 'ops'],
  optim: ['base', 'backend', 'core', 'ops'],
  data: ['base', 'backend', 'core', 'ops'],
  io: ['base', 'backend', 'core', 'ops', 'nn'], // nn: ONNX export traces modules and exports some layers whole
  viz: ['base', 'backend', 'core', 'ops'],
  scalar: ['base'],
  text: ['base', 'backend', 'core', 'ops'],
  distributions: ['base', 'backend', 'core', 'ops', 'nn'],
  rl: ['base'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'assembly' || name === 'generated' ? [] : files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('layering', () => {
  it('each folder imports only from the folders below it; core imports ops only in core/tensor.ts', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const folder = relative(SRC, file).split(sep)[0]!;
      if (!(folder in ALLOWED)) continue; // index.ts, the public barrel
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = relative(SRC, join(dirname(file), spec!)).split(sep)[0]!;
        if (target === folder || ALLOWED[folder]!.includes(target)) continue;
        if (folder === 'core' && target === 'ops' && relative(SRC, file) === join('core', 'tensor.ts')) continue;
        violations.push(`${relative(SRC, file)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
