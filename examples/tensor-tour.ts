/**
 * A tour of tensors and autograd; the README shows this script's output.
 *
 *   npm run example:tensor-tour
 */
import { grad, gradcheck, manualSeed, noGrad, randn, tensor, type Tensor } from '../src/index.js';

manualSeed(0);
const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
const w = tensor([0.5, -1]);
const y = x.mul(w).sum(1).tanh(); // broadcasting, a reduction along dim 1, an activation
console.log(String(y));

y.sum().backward();
console.log(String(x.grad));

// views share storage; ops are also functions; dtypes promote as in PyTorch
const a = randn([2, 3]);
console.log(a.t().shape, a.t().isContiguous(), tensor([1, 2], { dtype: 'int32' }).add(0.5).dtype);

// higher-order gradients compose: d²/dx² of x³ at 2 is 12
const d2 = grad(grad((t: Tensor) => t.pow(3).sum()));
console.log(String(d2(tensor([2]))));

// a float64 gradcheck of a composite: stable logSoftmax of a matrix product
const m = randn([3, 4], { dtype: 'float64', requiresGrad: true });
console.log(gradcheck((t) => t.matmul(t.t()).logSoftmax(1), [m]));

// errors name the op, the argument and the shapes
try {
  randn([2, 3]).matmul(randn([4, 5]));
} catch (e) {
  console.log(`${(e as Error).name}: ${(e as Error).message}`);
}

// optimiser-style in-place updates run under noGrad and bump the version counter
const p = tensor([1, 2, 3], { requiresGrad: true });
p.square().sum().backward();
noGrad(() => p.sub_(p.grad!.mul(0.1)));
console.log(String(p), 'version', p.version);
