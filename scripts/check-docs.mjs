// Lists exported functions, classes and consts in src/ whose TSDoc lacks an @example (the wasm
// kernels' AssemblyScript sources and generated files are not the public API and are skipped).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const files = [];
const walk = (dir) => {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (p.endsWith(join('wasm', 'assembly')) || p.endsWith(join('wasm', 'generated'))) continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
};
walk('src');
let missing = 0;
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const m = line.match(/^export (?:async )?(?:function|class|const|abstract class) (\w+)/);
    if (!m) return;
    // the comment block right above (skipping blank lines is not allowed: it must touch); a function's
    // overload signatures share the comment above the first of them
    let j = i - 1;
    while (j >= 0 && new RegExp(`^export (?:async )?function ${m[1]}\\b.*;$`).test(lines[j])) j--;
    let doc = '';
    if (lines[j]?.trim().endsWith('*/')) {
      while (j >= 0 && !lines[j].includes('/**')) doc = lines[j--] + doc;
      doc = (lines[j] ?? '') + doc;
    }
    if (!/@example/.test(doc)) {
      missing++;
      console.log(`${file}:${i + 1} ${m[1]}`);
    }
  });
}
console.log(`${missing} exports without an @example`);
process.exit(missing === 0 ? 0 : 1);
