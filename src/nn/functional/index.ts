/**
 * `nn.functional` (also exported as `F`): the functional forms of the layers and the losses.
 */
export * from './activation.js';
export * from './conv.js';
export * from './norm.js';
export * from './loss.js';
export * from './misc.js';
export { unfold, fold, type WindowOptions } from '../../ops/window.js';
export { pad } from '../../ops/copy.js';
export { lstmCell, gruCell } from '../../ops/rnn.js';
export { scaledDotProductAttention, type AttentionOptions } from './attention.js';
