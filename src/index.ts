/**
 * nabla: define-by-run automatic differentiation and deep learning in TypeScript.
 */
export * from './core/errors.js';
export { Generator, defaultGenerator, manualSeed, DEFAULT_SEED, type GeneratorState } from './core/random.js';
export { Value, value, type Scalar } from './scalar/value.js';
export * as scalar from './scalar/index.js';
export { makeMoons, type MoonsOptions, type PointSet } from './data/moons.js';
