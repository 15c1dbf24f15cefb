// The oldest Node that package.json's `engines` admits really runs the package. Installs that Node (the
// `node` npm package, into a temp folder that later runs reuse), then runs with it the tarball test's two
// consumer scripts (scripts/check-tarball.mjs --node) and the full soak test (scripts/soak.mjs --node):
// 20,000 steps of a plain loop, dist and src bit-identical, memory flat, as on the development Node.
//   node scripts/check-oldest-node.mjs [--version 20.16.0]
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const engines = JSON.parse(readFileSync('package.json', 'utf8')).engines.node;
const oldest = /^>=(\d+\.\d+\.\d+)$/.exec(engines)?.[1];
assert(oldest !== undefined, `engines.node should read ">=x.y.z", got "${engines}"`);
const { values: flags } = parseArgs({ options: { version: { type: 'string', default: oldest } } });

const prefix = join(tmpdir(), `nabla-node-${flags.version}`);
const node = join(prefix, 'node_modules', 'node', 'bin', 'node');
const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (!existsSync(node)) {
  console.log(`installing node@${flags.version} into ${prefix}`);
  sh('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `node@${flags.version}`]);
}
assert.equal(sh(node, ['--version']).trim(), `v${flags.version}`);
// what the package needs of the runtime, and what 20.15 lacks
assert.equal(sh(node, ['-p', 'typeof process.getBuiltinModule']).trim(), 'function');

const step = (args) => execFileSync(process.execPath, args, { stdio: 'inherit' });
console.log(`\n── the tarball's consumer scripts on Node ${flags.version}`);
step(['scripts/check-tarball.mjs', '--node', node]);
console.log(`\n── the soak test on Node ${flags.version}`);
step(['scripts/soak.mjs', '--node', node, '--steps', '20000', '--threads', '2']);
console.log(`\nNode ${flags.version} (engines: "${engines}") ok`);
