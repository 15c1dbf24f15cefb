#!/usr/bin/env node
/**
 * Checks that every relative markdown link in README.md and bench/README.md (or the files given as
 * arguments) resolves to an existing file or folder of the repository. Inline links `[text](target)`,
 * images `![alt](target)` and reference definitions `[label]: target` are checked; external links
 * (http:, https:, mailto:, …) and same-page anchors (`#…`) are skipped, as is text inside fenced code blocks
 * and inline code. Exits 1 and names each broken link. Usage: `node scripts/check-links.mjs [FILE.md …]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const files = process.argv.length > 2 ? process.argv.slice(2) : ['README.md', 'bench/README.md'];

/** The link targets of one markdown text, with their line numbers. */
function linksOf(text) {
  const links = [];
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)) links.push({ target: m[1], line: i + 1 });
    const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(prose);
    if (def) links.push({ target: def[1], line: i + 1 });
  });
  return links;
}

let broken = 0;
let checked = 0;
for (const file of files) {
  const path = resolve(root, file);
  if (!existsSync(path)) {
    console.error(`${file}: no such file`);
    broken++;
    continue;
  }
  for (const { target, line } of linksOf(readFileSync(path, 'utf8'))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    const local = decodeURIComponent(target.replace(/[#?].*$/, ''));
    const resolved = local.startsWith('/') ? resolve(root, `.${local}`) : resolve(dirname(path), local);
    checked++;
    const inside = !relative(root, resolved).startsWith('..');
    if (!inside || !existsSync(resolved)) {
      console.error(`${file}:${line}: broken link ${target}${inside ? '' : ' (points outside the repository)'}`);
      broken++;
    }
  }
}
console.log(`${checked} relative links checked in ${files.join(', ')}: ${broken === 0 ? 'all resolve' : `${broken} broken`}`);
if (broken > 0) process.exitCode = 1;
