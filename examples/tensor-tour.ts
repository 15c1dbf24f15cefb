/**
 * A tour of tensors and autograd. README.md's "Tensors and autograd" section is this file after this
 * comment, and each `// →` comment is what the line prints (test/readme.test.ts checks both).
 *
 *   npm run example:tensor-tour
 */
import { grad, gradcheck, manualSeed, noGrad, randn, tensor, type Tensor } from 'nabla';

manualSeed(0);
const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
const w = tensor([0.5, -1]);
const y = x.mul(w).sum(1).tanh();   // broadcasting, a reduction along dim 1, an activation
console.log(String(y));             // → tensor([-0.9051, -0.9866], gradFn=<tanh>)

y.sum().backward();
console.log(String(x.grad));        // → tensor([[ 0.0904, -0.1807],
                                    //           [ 0.0133, -0.0266]])

// a transpose is a view (no copy); int32 + 0.5 promotes to float32, as in PyTorch
const a = randn([2, 3]);
console.log(a.t().shape, a.t().isContiguous(), tensor([1, 2], { dtype: 'int32' }).add(0.5).dtype);
                                    // → [ 3, 2 ] false float32

// higher-order gradients compose: d²/dx² of x³ at 2 is 12
const d2 = grad(grad((t: Tensor) => t.pow(3).sum()));
console.log(String(d2(tensor([2])))); // → tensor([12.0000])

// float64 central differences agree with the analytic gradient
const m = randn([3, 4], { dtype: 'float64', requiresGrad: true });
console.log(gradcheck((t) => t.matmul(t.t()).logSoftmax(1), [m])); // → true

// errors are typed and name the op and the shapes
try {
  randn([2, 3]).matmul(randn([4, 5]));
} catch (e) {
  console.log(String(e));           // → ShapeError: [matmul] cannot multiply [2,3] by [4,5]: inner dimensions 3 and 4 differ
}

// an optimiser-style update: in place, under noGrad; it bumps p's version counter
const p = tensor([1, 2, 3], { requiresGrad: true });
p.square().sum().backward();
noGrad(() => p.sub_(p.grad!.mul(0.1)));
console.log(String(p), p.version);  // → tensor([0.8000, 1.6000, 2.4000], requiresGrad=true) 1
