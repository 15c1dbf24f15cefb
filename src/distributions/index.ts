/**
 * Probability distributions with PyTorch's `torch.distributions` semantics (batch and event shapes,
 * `sample`/`rsample`/`logProb`/`entropy`), for policies of reinforcement-learning agents:
 * `Categorical` (discrete actions), `Normal` and `Independent` (Gaussian actions), `TanhNormal`
 * (SAC's squashed Gaussian).
 */
export { Distribution, type SampleOptions, type SampleShape } from './distribution.js';
export { Categorical, type CategoricalParams } from './categorical.js';
export { Normal } from './normal.js';
export { Independent } from './independent.js';
export { TanhNormal } from './tanh-normal.js';
