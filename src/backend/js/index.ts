/**
 * The TypeScript reference backend: plain loops over typed arrays, the readable truth that faster
 * backends are tested against.
 */
import type { Backend } from '../backend.js';
import { binary, unary, where } from './elementwise.js';
import { fold, maxPoolIndices, unfold } from './conv.js';
import { matmul } from './matmul.js';
import { assign, cumsum, gather, indexAdd, indexSelect, pad, scatterAdd } from './movement.js';
import { argReduce, reduce } from './reduce.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './rnn.js';
import { crossEntropy, crossEntropyBackward, gelu, geluBackward, layerNorm, layerNormBackward, softmax, softmaxBackward } from './fused.js';
import { attention, attentionBackward } from './attention.js';
import { adamUpdate } from './optim.js';

/**
 * The reference backend.
 * @example
 * setBackend(jsBackend);
 */
export const jsBackend: Backend = {
  name: 'js',
  unary,
  binary,
  where,
  reduce,
  argReduce,
  assign,
  matmul,
  pad,
  gather,
  scatterAdd,
  indexSelect,
  indexAdd,
  cumsum,
  unfold,
  fold,
  maxPoolIndices,
  lstmCell,
  lstmCellBackward,
  gruCell,
  gruCellBackward,
  softmax,
  softmaxBackward,
  layerNorm,
  layerNormBackward,
  gelu,
  geluBackward,
  crossEntropy,
  crossEntropyBackward,
  attention,
  attentionBackward,
  adamUpdate,
};
