/**
 * The scalar autodiff engine: `Value`, its tiny nn, graph drawing and a gradient checker.
 */
export { Value, value, topologicalOrder, type Scalar } from './value.js';
export { ScalarModule, Neuron, Layer, MLP, type ScalarLayerOptions } from './nn.js';
export { toDot, type DotOptions } from './draw.js';
export { gradcheckValue, type ValueGradcheckOptions, type ValueGradcheckResult } from './gradcheck.js';
