/** The package says MIT in package.json; the LICENSE file that npm ships with it must say so too. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('LICENSE', () => {
  it('is the MIT license of package.json, with the copyright line', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { license: string };
    const text = readFileSync(new URL('../LICENSE', import.meta.url), 'utf8');
    expect(pkg.license).toBe('MIT');
    expect(text.split('\n')[0]).toBe('MIT License');
    expect(text).toContain('Copyright (c) 2026 the nabla authors');
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });
});
