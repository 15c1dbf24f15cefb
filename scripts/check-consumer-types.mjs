// Type-checks the built declarations (dist/index.d.ts, dist/index.d.cts) the way a consumer's compiler
// sees them: the package copied into a fresh project's node_modules (no node_modules of ours next to
// it, so no @types/node or lib of ours leaks in), `skipLibCheck` off, and
//   { "lib": ["es2022", "dom"], "strict": true, "module": "nodenext", "moduleResolution": "nodenext" }
// plus two newer setups (lib esnext, which has esnext.disposable; and @types/node). Run it after
// `npm run build`:   node scripts/check-consumer-types.mjs   (or give another build folder: … DIR)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsc.cmd' : 'tsc');
const dist = process.argv[2] ?? join(root, 'dist');
for (const file of ['index.d.ts', 'index.d.cts']) {
  if (!existsSync(join(dist, file))) {
    console.error(`${join(dist, file)} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'nabla-consumer-'));
const write = (name, text) => writeFileSync(join(dir, name), `${text.trim()}\n`);

// the package as npm installs it: package.json and the built files, nothing else
const pkgDir = join(dir, 'node_modules', 'nabla');
mkdirSync(join(pkgDir, 'dist'), { recursive: true });
cpSync(join(root, 'package.json'), join(pkgDir, 'package.json'));
for (const f of readdirSync(dist)) if (!f.endsWith('.map')) cpSync(join(dist, f), join(pkgDir, 'dist', f));

write('package.json', '{ "name": "consumer", "private": true, "type": "module" }');
// ESM: the exports map's "import" types (dist/index.d.ts)
write('main.ts', `
import {
  DataLoader, F, ShapeError, Tensor, TensorDataset, fromSafetensors, grad, nn, noGrad, optim, tensor, toSafetensors,
  type DType,
} from 'nabla';

const dtype: DType = 'float32';
const x: Tensor = tensor([[1, 2], [3, 4]], { dtype, requiresGrad: true });
x.mul(x).sum().backward();
const model = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Linear(4, 1));
const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
for (const [xb, yb] of new DataLoader(new TensorDataset(x.detach(), tensor([[1], [0]])), { batchSize: 1 })) {
  const loss = F.mseLoss(model.forward(xb) as Tensor, yb);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}
model.loadStateDict(fromSafetensors(toSafetensors(model.stateDict())).tensors);
const d: Tensor = noGrad(() => grad((t: Tensor) => t.pow(3).sum())(tensor([2])));
const err: boolean = new ShapeError('[x] y') instanceof Error;
x.dispose();
export { d, err };
`);
// CommonJS: the exports map's "require" types (dist/index.d.cts)
write('require.cts', `
import nabla = require('nabla');
const t: nabla.Tensor = nabla.zeros([2, 3]);
export const n: number = t.numel();
`);
// `using` needs the consumer's lib to have Disposable: only with esnext
write('using.ts', `
import { tensor } from 'nabla';
export function scoped(): number {
  using t = tensor([1, 2, 3]);
  return t.sum().item();
}
`);

const base = { strict: true, module: 'nodenext', moduleResolution: 'nodenext', noEmit: true };
const setups = [
  // the setup of the issue; "types": [] so that no @types package of the environment can leak in
  ['lib es2022 + dom (no esnext.disposable, no @types/node)', { lib: ['es2022', 'dom'], types: [] }, ['main.ts', 'require.cts']],
  ['lib esnext + dom (esnext.disposable)', { lib: ['esnext', 'dom'], types: [] }, ['main.ts', 'require.cts', 'using.ts']],
  ['lib es2022 + @types/node', { lib: ['es2022'], typeRoots: [join(root, 'node_modules', '@types')], types: ['node'] }, ['main.ts', 'require.cts']],
];
let failed = 0;
for (const [name, options, files] of setups) {
  const config = `tsconfig.${setups.findIndex((s) => s[0] === name)}.json`;
  write(config, JSON.stringify({ compilerOptions: { ...base, ...options }, files }, null, 2));
  const run = spawnSync(tsc, ['-p', join(dir, config)], { encoding: 'utf8', cwd: dir });
  const ok = run.status === 0;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
  if (!ok) console.log((run.stdout + run.stderr).replaceAll(dir, '<consumer>').trim().replace(/^/gm, '     '));
}
if (failed === 0) rmSync(dir, { recursive: true, force: true });
else console.log(`(the consumer project is kept in ${dir})`);
console.log(`${setups.length - failed} of ${setups.length} consumer setups type-check against dist/`);
process.exit(failed === 0 ? 0 : 1);
