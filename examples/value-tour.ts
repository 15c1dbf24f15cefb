import { Value, scalar } from 'nabla';

const a = new Value(2, 'a');
const b = new Value(-3, 'b');
const c = a.mul(b).add(a.pow(2)).tanh(); // tanh(a·b + a²)
c.backward();
console.log(String(c));
console.log(`a.grad = ${a.grad}, b.grad = ${b.grad}`);

// gradients accumulate until zeroed, as in PyTorch
c.backward();
console.log(`after a second backward: a.grad = ${a.grad}`);
c.zeroGrad();

// a checked gradient: analytic vs float64 central differences
const report = scalar.gradcheckValue((x, y) => x.mul(y).sin().div(y.exp()), [0.5, -1.5]);
console.log(report.ok, report.analytic, report.numeric);
