/** The stepper's presets: an expression and its inputs. */
export interface Preset { name: string; expression: string; inputs: string }

export const PRESETS: readonly Preset[] = [
  { name: 'tanh(a·b + c)', expression: 'tanh(a*b + c)', inputs: 'a = 0.5, b = -1, c = 0.25' },
  { name: 'a neuron', expression: 'tanh(w1*x1 + w2*x2 + bias)', inputs: 'x1 = 2, x2 = 0, w1 = -3, w2 = 1, bias = 6.8813735870195432' },
  {
    name: 'two-layer MLP',
    expression: 'mean((sigmoid(relu(x @ W1 + b1) @ W2 + b2) - y) ^ 2)',
    inputs: 'x = [[1, -2], [0.5, 1]], W1 = [[0.3, -0.1, 0.8], [0.5, 0.2, -0.4]], b1 = [[0.1, -0.2, 0.05]], W2 = [[0.7], [-1.2], [0.4]], b2 = 0.1, y = [[1], [0]]',
  },
  {
    name: 'softmax cross-entropy',
    expression: '-sum(y * log(exp(z) / sum(exp(z))))',
    inputs: 'z = [[2, 1, 0.1]], y = [[0, 1, 0]]',
  },
  {
    name: 'one attention head',
    expression: 'sum(exp(q @ transpose(K) / 1.4142135623730951) / sum(exp(q @ transpose(K) / 1.4142135623730951)) @ V)',
    inputs: 'q = [[1, 0]], K = [[1, 0], [0, 1], [1, 1]], V = [[1, 2], [3, -1], [0, 1]]',
  },
];
