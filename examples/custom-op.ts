/**
 * Defines a new op with its own backward (a smooth activation, softplus(x) = log(1 + eˣ), computed
 * stably), checks its gradients with gradcheck and gradgradcheck, and trains a small network
 * through it on a 1-d regression problem.
 *
 *   npm run example:custom-op
 */
import { customOp, gradcheck, gradgradcheck, manualSeed, noGrad, randn, tensor, type Tensor } from 'nabla';

// softplus(x) = max(x, 0) + log1p(e^(−|x|)), which never overflows; d softplus = σ(x)·g
const softplus = customOp({
  name: 'softplus',
  forward(ctx, x) {
    ctx.saveForBackward(x!);
    return x!.relu().add(x!.abs().neg().exp().log1p());
  },
  backward(ctx, g) {
    const [x] = ctx.savedTensors;
    return g.mul(x!.sigmoid()); // written with differentiable ops, so second derivatives work too
  },
});

manualSeed(0);
const probe = randn([5], { dtype: 'float64', requiresGrad: true });
gradcheck(softplus, [probe]);
gradgradcheck(softplus, [probe]);
console.log('softplus passes gradcheck and gradgradcheck');
console.log(`softplus([-1000, 0, 1000]) = ${softplus(tensor([-1000, 0, 1000]))}`);

// Fit y = sin(2x) on [-2, 2] with one hidden layer of 32 softplus units, trained with a few lines of Adam.
const x = tensor(Array.from({ length: 64 }, (_, i) => -2 + (4 * i) / 63)).reshape(64, 1);
const y = x.mul(2).sin();
const w1 = randn([1, 32]).mul(1.5).requiresGrad_();
const b1 = randn([32]).mul(0.5).requiresGrad_();
const w2 = randn([32, 1]).mul(0.2).requiresGrad_();
const b2 = tensor([0]).requiresGrad_();
const params = [w1, b1, w2, b2];
const model = (input: Tensor): Tensor => softplus(input.matmul(w1).add(b1)).matmul(w2).add(b2);

const [lr, beta1, beta2] = [0.02, 0.9, 0.999];
const m = params.map((p) => p.detach().mul(0));
const v = params.map((p) => p.detach().mul(0));
const steps = 1500;
for (let step = 1; step <= steps; step++) {
  const loss = model(x).sub(y).square().mean();
  for (const p of params) p.grad = null;
  loss.backward();
  noGrad(() =>
    params.forEach((p, i) => {
      const g = p.grad!;
      m[i]!.mul_(beta1).add_(g, { alpha: 1 - beta1 });
      v[i]!.mul_(beta2).add_(g.square(), { alpha: 1 - beta2 });
      const mHat = m[i]!.div(1 - beta1 ** step);
      const vHat = v[i]!.div(1 - beta2 ** step);
      p.sub_(mHat.div(vHat.sqrt().add(1e-8)).mul(lr));
    }),
  );
  if (step === 1 || step % 300 === 0) console.log(`step ${String(step).padStart(4)}  mse ${loss.item().toFixed(5)}`);
}
const finalLoss = noGrad(() => model(x).sub(y).square().mean().item());
console.log(`final mse ${finalLoss.toFixed(5)} (the variance of the targets is ${y.var({ correction: 0 }).item().toFixed(3)})`);
if (!(finalLoss < 0.01)) throw new Error(`training through the custom op did not converge: mse ${finalLoss}`);
