/**
 * `nn`: modules, layers, initialisers and the functional forms (`nn.functional`, also `F`).
 */
export { Module, Parameter, stateKey, type LoadResult } from './module.js';
export { Linear, Identity, Flatten, type LayerOptions } from './layers/linear.js';
export { Conv1d, Conv2d, type Conv1dOptions, type Conv2dOptions } from './layers/conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './layers/pooling.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, type BatchNormOptions } from './layers/norm.js';
export { Dropout, Embedding } from './layers/misc.js';
export { ReLU, LeakyReLU, GELU, SiLU, Tanh, Sigmoid, Softmax, LogSoftmax, ELU, Softplus } from './layers/activation.js';
export { Sequential, ModuleList, ModuleDict } from './layers/container.js';
export { summary, type ModelSummary, type SummaryRow } from './summary.js';
export * as functional from './functional/index.js';
export * as init from './init.js';
export { RNN, LSTM, GRU, type RNNLayerOptions } from './layers/recurrent.js';
export { RNNBase, type RNNOptions, type RNNMode } from './layers/rnn.js';
export { RNNCell, LSTMCell, GRUCell, type RNNCellOptions } from './layers/rnn-cell.js';
export { PackedSequence, packPaddedSequence, padPackedSequence } from './layers/packed.js';
export { deepCopy } from './copy.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './layers/attention.js';
export {
  TransformerEncoderLayer, TransformerDecoderLayer,
  type TransformerLayerOptions, type TransformerActivation, type EncoderLayerForwardOptions, type DecoderLayerForwardOptions,
} from './layers/transformer-layer.js';
export {
  TransformerEncoder, TransformerDecoder, Transformer, generateSquareSubsequentMask, type DecoderForwardOptions,
  type EncoderForwardOptions, type TransformerOptions, type TransformerForwardOptions,
} from './layers/transformer.js';
export { PositionalEncoding, sinusoidalPositionalEncoding, type PositionalEncodingOptions } from './layers/positional.js';
export { KVCache, KVCacheLayer } from './kv-cache.js';
export { padSequence } from '../ops/sequence.js';
export { LoraLayer, LoraLinear, LoraEmbedding, LoraConv2d, type LoraLayerOptions } from './layers/lora.js';
export { applyLora, loadLora, LoraModel, type LoraConfig, type LoraTarget, type PeftLoraConfig } from './lora.js';
