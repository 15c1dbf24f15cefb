/**
 * Every validation in src/nn: the error class and the exact message (op in brackets, the argument,
 * the shapes or values involved). A few rows at the end pin validations PyTorch has and nabla should.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, F, ShapeError, nn, ones, tensor, zeros } from '../src/index.js';
import { expectError, type ErrorClass } from './helpers/expect.js';

const idx = (...v: number[]): ReturnType<typeof tensor> => tensor(new Int32Array(v));
const bad = <T>(v: unknown): T => v as T;

const table = (rows: [string, () => unknown, ErrorClass, string | RegExp][]): void => {
  it.each(rows)('%s', (_, fn, cls, message) => expectError(fn, cls, message));
};

describe('Module, Parameter and containers', () => {
  table([
    ['Parameter of a non-tensor', () => new nn.Parameter(bad(3)), ArgumentError, '[Parameter] data must be a Tensor, got 3'],
    ['registerBuffer of a non-tensor', () => new nn.Linear(1, 1).registerBuffer('x', bad([1])), ArgumentError, '[registerBuffer] x must be a Tensor or null, got [1]'],
    ['Sequential of a non-module', () => new nn.Sequential(new nn.ReLU(), bad(5)), ArgumentError, '[Sequential] item 1 must be a Module, got 5'],
    ['Sequential.at out of range', () => new nn.Sequential(new nn.ReLU()).at(3), ArgumentError, '[Sequential] index 3 is out of range for 1 modules'],
    ['Sequential.append of a non-module', () => new nn.Sequential().append(bad({})), ArgumentError, '[Sequential] item 0 must be a Module, got Object'],
    ['ModuleList of a non-module names ModuleList', () => new nn.ModuleList([new nn.ReLU(), bad('x')]), ArgumentError, '[ModuleList] item 1 must be a Module, got "x"'],
    ['ModuleDict of a non-module', () => new nn.ModuleDict({ a: new nn.ReLU(), b: bad(3) }), ArgumentError, '[ModuleDict] item 1 must be a Module, got 3'],
    ['ModuleDict.get of a missing key', () => new nn.ModuleDict({ a: new nn.ReLU(), b: new nn.Tanh() }).get('c'), ArgumentError, '[ModuleDict] no module named "c"; keys: a, b'],
    ['ModuleDict.set of a non-module', () => new nn.ModuleDict().set('a', bad(null)), ArgumentError, '[ModuleDict] item 0 must be a Module, got null'],
    ['ModuleList.forward', () => new nn.ModuleList().forward(), ArgumentError, '[ModuleList] has no forward; iterate over its modules'],
    ['loadStateDict of null', () => new nn.Linear(1, 1).loadStateDict(bad(null)), ArgumentError, '[loadStateDict] state must be an object of tensors, got null'],
  ]);
});

describe('layer constructors', () => {
  table([
    ['Linear inFeatures 0', () => new nn.Linear(0, 2), ArgumentError, '[Linear] inFeatures must be a positive integer, got 0'],
    ['Linear outFeatures 1.5', () => new nn.Linear(2, 1.5), ArgumentError, '[Linear] outFeatures must be a positive integer, got 1.5'],
    ['Conv2d inChannels 0', () => new nn.Conv2d(0, 2, 3), ArgumentError, '[Conv2d] inChannels must be a positive integer, got 0'],
    ['Conv2d groups not dividing', () => new nn.Conv2d(3, 4, 3, { groups: 2 }), ArgumentError, '[Conv2d] inChannels (3) and outChannels (4) must be divisible by groups (2)'],
    ['Conv2d groups 0', () => new nn.Conv2d(3, 4, 3, { groups: 0 }), ArgumentError, '[Conv2d] groups must be a positive integer, got 0'],
    ['Conv2d kernelSize 0', () => new nn.Conv2d(3, 4, 0), ArgumentError, '[Conv2d] kernelSize must be an integer >= 1, got 0'],
    ['Conv2d kernelSize of 3 numbers', () => new nn.Conv2d(3, 4, bad([1, 2, 3])), ShapeError, '[Conv2d] kernelSize must be a number or a pair, got [1,2,3]'],
    ['Conv1d kernelSize 2.5', () => new nn.Conv1d(3, 4, 2.5), ArgumentError, '[Conv1d] kernelSize must be a positive integer, got 2.5'],
    ['Conv1d outChannels -4', () => new nn.Conv1d(3, -4, 2), ArgumentError, '[Conv1d] outChannels must be a positive integer, got -4'],
    ['Dropout p 1.5', () => new nn.Dropout(1.5), ArgumentError, '[Dropout] probability has to be between 0 and 1, but got 1.5'],
    ['Embedding numEmbeddings 0', () => new nn.Embedding(0, 3), ArgumentError, '[Embedding] numEmbeddings must be a positive integer, got 0'],
    ['Embedding paddingIdx 5 of 5', () => new nn.Embedding(5, 3, { paddingIdx: 5 }), ArgumentError, '[Embedding] paddingIdx must be within numEmbeddings (5), got 5'],
    ['Embedding paddingIdx -6 of 5', () => new nn.Embedding(5, 3, { paddingIdx: -6 }), ArgumentError, '[Embedding] paddingIdx must be within numEmbeddings (5), got -6'],
    ['BatchNorm1d numFeatures 0', () => new nn.BatchNorm1d(0), ArgumentError, '[BatchNorm1d] numFeatures must be a positive integer, got 0'],
    ['BatchNorm2d numFeatures 2.5', () => new nn.BatchNorm2d(2.5), ArgumentError, '[BatchNorm2d] numFeatures must be a positive integer, got 2.5'],
    ['LayerNorm normalizedShape with 0', () => new nn.LayerNorm([3, 0]), ArgumentError, '[LayerNorm] normalizedShape must hold positive integers, got [3,0]'],
    ['GroupNorm 3 groups of 4 channels', () => new nn.GroupNorm(3, 4), ArgumentError, '[GroupNorm] numChannels (4) must be divisible by numGroups (3)'],
  ]);
});

describe('layer forwards', () => {
  table([
    ['BatchNorm1d of a 4-d input', () => new nn.BatchNorm1d(3).forward(zeros([2, 3, 4, 5])), ShapeError, '[BatchNorm1d] expected a 2-d or 3-d input, got shape [2,3,4,5]'],
    ['BatchNorm2d of a 2-d input', () => new nn.BatchNorm2d(3).forward(zeros([2, 3])), ShapeError, '[BatchNorm2d] expected a 4-d input, got shape [2,3]'],
    ['BatchNorm1d with the wrong channel count', () => new nn.BatchNorm1d(3).forward(zeros([2, 4])), ShapeError, '[batchNorm] runningMean must have shape [4] for an input with 4 channels, got [3]'],
    ['BatchNorm1d training on one value per channel', () => new nn.BatchNorm1d(3).forward(zeros([1, 3])), ArgumentError, '[batchNorm] expected more than 1 value per channel when training, got input of shape [1,3]'],
    ['BatchNorm1d momentum 2', () => new nn.BatchNorm1d(3, { momentum: 2 }).forward(zeros([2, 3])), ArgumentError, '[batchNorm] momentum must be in [0, 1], got 2'],
    ['LayerNorm of a mismatched input', () => new nn.LayerNorm(4).forward(zeros([2, 3])), ShapeError, '[layerNorm] normalizedShape [4] must match the last dims of the input [2,3]'],
    ['GroupNorm of a mismatched input', () => new nn.GroupNorm(2, 4).forward(zeros([2, 6])), ShapeError, '[groupNorm] weight must have shape [6], got [4]'],
    ['nn.summary with a wrong input', () => nn.summary(new nn.Linear(2, 2), zeros([1, 3])), ShapeError, "[linear] input of shape [1,3] does not end in the weight's 2 input features (weight [2,2])"],
  ]);
});

describe('functional: activations, linear, convolution, pooling', () => {
  table([
    ['leakyRelu negativeSlope "a"', () => F.leakyRelu(zeros([2]), bad('a')), ArgumentError, '[leakyRelu] negativeSlope must be a number, got "a"'],
    ['gelu approximate "fast"', () => F.gelu(zeros([2]), { approximate: bad('fast') }), ArgumentError, "[gelu] approximate must be 'none' or 'tanh', got \"fast\""],
    ['elu alpha null', () => F.elu(zeros([2]), bad(null)), ArgumentError, '[elu] alpha must be a number, got null'],
    ['softplus beta 0', () => F.softplus(zeros([2]), { beta: 0 }), ArgumentError, '[softplus] beta must be a non-zero number, got 0'],
    ['relu of a non-tensor', () => F.relu(bad([1])), ArgumentError, '[relu] input must be a Tensor, got [1]'],
    ['softmax of a non-tensor', () => F.softmax(bad(null), 0), ArgumentError, '[softmax] input must be a Tensor, got null'],
    ['linear of a non-tensor', () => F.linear(bad([1]), zeros([4, 3])), ArgumentError, '[linear] input must be a Tensor, got [1]'],
    ['linear 1-d weight', () => F.linear(zeros([2, 3]), zeros([3])), ShapeError, '[linear] weight must be 2-d [out, in], got [3]'],
    ['linear feature mismatch', () => F.linear(zeros([2, 3]), zeros([4, 2])), ShapeError, "[linear] input of shape [2,3] does not end in the weight's 2 input features (weight [4,2])"],
    ['linear bias mismatch', () => F.linear(zeros([2, 3]), zeros([4, 3]), zeros([3])), ShapeError, '[linear] bias of shape [3] does not match the 4 output features'],
    ['conv2d of a 2-d input', () => F.conv2d(zeros([3, 3]), zeros([1, 1, 1, 1])), ShapeError, '[conv2d] expects a 3-d or 4-d input, got shape [3,3]'],
    ['conv2d of an int32 input', () => F.conv2d(zeros([1, 1, 3, 3], { dtype: 'int32' }), zeros([1, 1, 1, 1])), DTypeError, '[conv2d] input and weight must have the same floating-point dtype, got int32 and float32'],
    ['conv2d 3-d weight', () => F.conv2d(zeros([1, 1, 3, 3]), zeros([1, 1, 1])), ShapeError, '[conv2d] weight must be 4-d [out, in/groups, kh, kw], got [1,1,1]'],
    ['conv2d groups 1.5', () => F.conv2d(zeros([1, 2, 3, 3]), zeros([2, 1, 1, 1]), null, { groups: 1.5 }), ArgumentError, '[conv2d] groups must be a positive integer, got 1.5'],
    ['conv2d groups not dividing', () => F.conv2d(zeros([1, 3, 3, 3]), zeros([2, 1, 1, 1]), null, { groups: 2 }), ShapeError, '[conv2d] 3 input channels and 2 output channels must both be divisible by groups=2'],
    ['conv2d channel mismatch', () => F.conv2d(zeros([1, 3, 3, 3]), zeros([2, 2, 1, 1])), ShapeError, '[conv2d] weight of shape [2,2,1,1] expects 2 input channels (groups=1), but the input of shape [1,3,3,3] has 3'],
    ['conv2d bias mismatch', () => F.conv2d(zeros([1, 2, 3, 3]), zeros([4, 2, 1, 1]), zeros([3])), ShapeError, '[conv2d] bias of shape [3] does not match the 4 output channels'],
    ["conv2d 'same' with stride 2", () => F.conv2d(zeros([1, 2, 3, 3]), zeros([4, 2, 1, 1]), null, { padding: 'same', stride: 2 }), ArgumentError, "[conv2d] padding 'same' is not supported for strided convolutions"],
    ['conv2d kernel larger than the input', () => F.conv2d(zeros([1, 2, 3, 3]), zeros([4, 2, 4, 4])), ShapeError, '[conv2d] the 4×4 window (dilation 1×1, padding 0×0) does not fit an input of spatial size 3×3'],
    ['conv2d stride 0', () => F.conv2d(zeros([1, 2, 3, 3]), zeros([4, 2, 1, 1]), null, { stride: 0 }), ArgumentError, '[conv2d] stride must be an integer >= 1, got 0'],
    ['conv2d padding -1', () => F.conv2d(zeros([1, 2, 3, 3]), zeros([4, 2, 1, 1]), null, { padding: -1 }), ArgumentError, '[conv2d] padding must be an integer >= 0, got -1'],
    ["conv2d padding 'full'", () => F.conv2d(zeros([1, 2, 3, 3]), zeros([4, 2, 1, 1]), null, { padding: bad('full') }), ShapeError, '[conv2d] padding must be a number or a pair, got "full"'],
    ['conv1d of a 4-d input', () => F.conv1d(zeros([1, 2, 3, 3]), zeros([4, 2, 1])), ShapeError, '[conv1d] expects a 2-d or 3-d input, got shape [1,2,3,3]'],
    ['conv1d 4-d weight', () => F.conv1d(zeros([1, 2, 3]), zeros([4, 2, 1, 1])), ShapeError, '[conv1d] weight must be 3-d [out, in/groups, k], got [4,2,1,1]'],
    // conv1d goes through conv2d, but its errors should name conv1d and the user's shapes
    ["conv1d 'same' with stride 2 names conv1d", () => F.conv1d(zeros([1, 2, 3]), zeros([4, 2, 1]), null, { padding: 'same', stride: 2 }), ArgumentError, /^\[conv1d\] padding 'same' is not supported for strided convolutions/],
    ['conv1d channel mismatch names conv1d and the 3-d shapes', () => F.conv1d(zeros([1, 3, 5]), zeros([4, 2, 1])), ShapeError, /^\[conv1d\] .*\[4,2,1\].*\[1,3,5\]/],
    ['maxPool2d of a 2-d input', () => F.maxPool2d(zeros([2, 2]), 2), ShapeError, '[maxPool2d] expects a 3-d or 4-d input, got shape [2,2]'],
    ['maxPool2d of an int32 input', () => F.maxPool2d(zeros([1, 2, 2], { dtype: 'int32' }), 2), DTypeError, '[maxPool2d] needs a floating-point input, got int32'],
    ['maxPool2d padding over half the kernel', () => F.maxPool2d(zeros([1, 1, 4, 4]), 2, { padding: 2 }), ArgumentError, '[maxPool2d] padding 2×2 must be at most half the kernel size 2×2'],
    ['maxPool2d kernelSize 0', () => F.maxPool2d(zeros([1, 1, 4, 4]), 0), ArgumentError, '[maxPool2d] kernelSize must be an integer >= 1, got 0'],
    ['maxPool2d window larger than the input', () => F.maxPool2d(zeros([1, 1, 2, 2]), 3), ShapeError, '[maxPool2d] the 3×3 window (dilation 1×1, padding 0×0) does not fit an input of spatial size 2×2'],
    ['avgPool2d padding over half the kernel', () => F.avgPool2d(zeros([1, 1, 4, 4]), 2, { padding: 2 }), ArgumentError, '[avgPool2d] padding 2×2 must be at most half the kernel size 2×2'],
    ['avgPool2d divisorOverride 0', () => F.avgPool2d(zeros([1, 1, 4, 4]), 2, { divisorOverride: 0 }), ArgumentError, '[avgPool2d] divisorOverride must be a positive integer, got 0'],
    ['adaptiveAvgPool2d outputSize 0', () => F.adaptiveAvgPool2d(zeros([1, 1, 4, 4]), 0), ArgumentError, '[adaptiveAvgPool2d] outputSize must be positive integers, got 0'],
    ['adaptiveAvgPool2d of a 2-d input', () => F.adaptiveAvgPool2d(zeros([4, 4]), 2), ShapeError, '[adaptiveAvgPool2d] expects a 3-d or 4-d input, got shape [4,4]'],
  ]);
});

describe('functional: losses', () => {
  table([
    ["mseLoss reduction 'avg'", () => F.mseLoss(zeros([2]), zeros([2]), { reduction: bad('avg') }), ArgumentError, "[mseLoss] reduction must be 'mean', 'sum' or 'none', got \"avg\""],
    ['mseLoss of an int32 input', () => F.mseLoss(zeros([2], { dtype: 'int32' }), zeros([2])), DTypeError, '[mseLoss] input must be floating-point, got int32'],
    ['mseLoss shape mismatch', () => F.mseLoss(zeros([2]), zeros([3])), ShapeError, '[mseLoss] input of shape [2] and target of shape [3] differ'],
    ['l1Loss broadcastable but different shapes', () => F.l1Loss(zeros([2, 1]), zeros([2])), ShapeError, '[l1Loss] input of shape [2,1] and target of shape [2] differ'],
    ['nllLoss float target', () => F.nllLoss(zeros([2, 3]), zeros([2])), DTypeError, '[nllLoss] target must hold class indices (int32), got float32'],
    ['nllLoss 0-d input', () => F.nllLoss(zeros([]), zeros([], { dtype: 'int32' })), ShapeError, '[nllLoss] input must have at least 1 dim (classes)'],
    ['nllLoss target shape', () => F.nllLoss(zeros([2, 3]), zeros([3], { dtype: 'int32' })), ShapeError, '[nllLoss] target of shape [3] does not match input [2,3] (expected [2])'],
    ['nllLoss target out of bounds', () => F.nllLoss(zeros([2, 3]), idx(0, 3)), ShapeError, '[nllLoss] target 3 is out of bounds for 3 classes'],
    ['nllLoss negative target', () => F.nllLoss(zeros([2, 3]), idx(0, -1)), ShapeError, '[nllLoss] target -1 is out of bounds for 3 classes'],
    ['nllLoss weight shape', () => F.nllLoss(zeros([2, 3]), idx(0, 1), { weight: zeros([2]) }), ShapeError, '[nllLoss] weight must have shape [3], got [2]'],
    ["nllLoss reduction 'avg'", () => F.nllLoss(zeros([2, 3]), idx(0, 1), { reduction: bad('avg') }), ArgumentError, "[nllLoss] reduction must be 'mean', 'sum' or 'none', got \"avg\""],
    ['crossEntropy int32 logits', () => F.crossEntropy(zeros([2, 3], { dtype: 'int32' }), idx(0, 1)), DTypeError, '[crossEntropy] input must hold floating-point logits, got int32'],
    ['crossEntropy 0-d input', () => F.crossEntropy(zeros([]), idx(0)), ShapeError, '[crossEntropy] input must have at least 1 dim (classes)'],
    ['crossEntropy labelSmoothing 1.5', () => F.crossEntropy(zeros([2, 3]), idx(0, 1), { labelSmoothing: 1.5 }), ArgumentError, '[crossEntropy] labelSmoothing must be in [0, 1], got 1.5'],
    ['crossEntropy weight shape', () => F.crossEntropy(zeros([2, 3]), idx(0, 1), { weight: zeros([4]) }), ShapeError, '[crossEntropy] weight must have shape [3], got [4]'],
    ['crossEntropy probability target shape', () => F.crossEntropy(zeros([2, 3]), zeros([2, 4])), ShapeError, "[crossEntropy] probability targets must have the input's shape [2,3], got [2,4]"],
    ['crossEntropy target out of bounds', () => F.crossEntropy(zeros([2, 3]), idx(0, 5)), ShapeError, '[crossEntropy] target 5 is out of bounds for 3 classes'],
    ["crossEntropy probability targets, reduction 'x'", () => F.crossEntropy(zeros([2, 3]), zeros([2, 3]), { reduction: bad('x') }), ArgumentError, "[crossEntropy] reduction must be 'mean', 'sum' or 'none', got \"x\""],
    ['smoothL1Loss beta -1', () => F.smoothL1Loss(zeros([2]), zeros([2]), { beta: -1 }), ArgumentError, '[smoothL1Loss] beta must be >= 0, got -1'],
    ['huberLoss delta 0', () => F.huberLoss(zeros([2]), zeros([2]), { delta: 0 }), ArgumentError, '[huberLoss] delta must be > 0, got 0'],
    ['binaryCrossEntropy input 1.5', () => F.binaryCrossEntropy(tensor([0.5, 1.5]), zeros([2])), ArgumentError, '[binaryCrossEntropy] all elements of input must be between 0 and 1, got 1.5'],
    ['binaryCrossEntropy input NaN', () => F.binaryCrossEntropy(tensor([NaN]), zeros([1])), ArgumentError, '[binaryCrossEntropy] all elements of input must be between 0 and 1, got NaN'],
    ["klDiv reduction 'avg'", () => F.klDiv(zeros([2]), zeros([2]), { reduction: bad('avg') }), ArgumentError, "[klDiv] reduction must be 'mean', 'sum' or 'none', got \"avg\""],
    ['cosineSimilarity of a non-tensor', () => F.cosineSimilarity(bad(null), zeros([2, 4])), ArgumentError, '[cosineSimilarity] x1 must be a Tensor, got null'],
  ]);
});

describe('functional: dropout, embedding, normalisation', () => {
  table([
    ['dropout p -0.1', () => F.dropout(zeros([2]), -0.1), ArgumentError, '[dropout] probability has to be between 0 and 1, but got -0.1'],
    ['dropout of a non-tensor', () => F.dropout(bad(null), 0.1), ArgumentError, '[dropout] input must be a Tensor, got null'],
    ['embedding float indices', () => F.embedding(zeros([2]), zeros([3, 2])), DTypeError, '[embedding] input must hold int32 indices, got float32'],
    ['embedding 1-d weight', () => F.embedding(zeros([2], { dtype: 'int32' }), zeros([3])), ShapeError, '[embedding] weight must be 2-d [numEmbeddings, embeddingDim], got [3]'],
    ['embedding index out of range', () => F.embedding(idx(3), zeros([3, 2])), ShapeError, '[indexSelect] index 3 is out of bounds for dim 0 with size 3'],
    ['batchNorm of a 1-d input', () => F.batchNorm(zeros([3]), null, null), ShapeError, '[batchNorm] expects an input of at least 2 dims [N, C, ...], got [3]'],
    ['batchNorm runningMean shape', () => F.batchNorm(zeros([2, 3]), zeros([2]), ones([3])), ShapeError, '[batchNorm] runningMean must have shape [3] for an input with 3 channels, got [2]'],
    ['batchNorm weight shape', () => F.batchNorm(zeros([2, 3]), null, null, { weight: zeros([4]), training: true }), ShapeError, '[batchNorm] weight must have shape [3] for an input with 3 channels, got [4]'],
    ['batchNorm momentum -0.1', () => F.batchNorm(zeros([2, 3]), zeros([3]), ones([3]), { momentum: -0.1, training: true }), ArgumentError, '[batchNorm] momentum must be in [0, 1], got -0.1'],
    ['batchNorm training on one value per channel', () => F.batchNorm(zeros([1, 3]), null, null, { training: true }), ArgumentError, '[batchNorm] expected more than 1 value per channel when training, got input of shape [1,3]'],
    ['layerNorm shape mismatch', () => F.layerNorm(zeros([2, 3]), [2]), ShapeError, '[layerNorm] normalizedShape [2] must match the last dims of the input [2,3]'],
    ['layerNorm shape longer than the input', () => F.layerNorm(zeros([2, 3]), [2, 2, 3]), ShapeError, '[layerNorm] normalizedShape [2,2,3] must match the last dims of the input [2,3]'],
    ['layerNorm weight shape', () => F.layerNorm(zeros([2, 3]), [3], zeros([2])), ShapeError, '[layerNorm] weight must have shape [3], got [2]'],
    ['layerNorm bias shape', () => F.layerNorm(zeros([2, 3]), 3, null, zeros([3, 1])), ShapeError, '[layerNorm] bias must have shape [3], got [3,1]'],
    ['groupNorm of a 1-d input', () => F.groupNorm(zeros([3]), 1), ShapeError, '[groupNorm] expects an input of at least 2 dims [N, C, ...], got [3]'],
    ['groupNorm 4 groups of 6 channels', () => F.groupNorm(zeros([2, 6]), 4), ArgumentError, '[groupNorm] numGroups must be a positive divisor of the 6 channels, got 4'],
    ['groupNorm weight shape', () => F.groupNorm(zeros([2, 6]), 3, zeros([3])), ShapeError, '[groupNorm] weight must have shape [6], got [3]'],
  ]);
});

describe('nn.init', () => {
  table([
    ["calculateGain('swish')", () => nn.init.calculateGain(bad('swish')), ArgumentError, '[calculateGain] unsupported nonlinearity "swish"'],
    ["calculateGain('leakyRelu', 'x')", () => nn.init.calculateGain('leakyRelu', bad('x')), ArgumentError, '[calculateGain] negative slope must be a number, got "x"'],
    ['computeFans of a 1-d tensor', () => nn.init.computeFans(zeros([3])), ShapeError, '[init] fan in and fan out cannot be computed for a tensor with fewer than 2 dims (shape [3])'],
    ['xavierUniform_ of a 1-d tensor', () => nn.init.xavierUniform_(zeros([3])), ShapeError, '[init] fan in and fan out cannot be computed for a tensor with fewer than 2 dims (shape [3])'],
    ['kaimingNormal_ of a 1-d tensor', () => nn.init.kaimingNormal_(zeros([3])), ShapeError, '[init] fan in and fan out cannot be computed for a tensor with fewer than 2 dims (shape [3])'],
    ['normal_ std -1', () => nn.init.normal_(zeros([3]), 0, -1), ArgumentError, '[normal_] std must be >= 0, got -1'],
    ['truncNormal_ a > b', () => nn.init.truncNormal_(zeros([3]), 0, 1, 2, 1), ArgumentError, '[truncNormal_] needs a < b and std > 0, got a=2 b=1 std=1'],
    ['truncNormal_ std 0', () => nn.init.truncNormal_(zeros([3]), 0, 0), ArgumentError, '[truncNormal_] needs a < b and std > 0, got a=-2 b=2 std=0'],
    ['truncNormal_ interval far from the mean', () => nn.init.truncNormal_(zeros([3]), 0, 1, 6, 7), ArgumentError, '[truncNormal_] the interval [6, 7] is more than 5 std away from the mean 0'],
    ['constant_ of a string', () => nn.init.constant_(zeros([3]), bad('a')), ArgumentError, '[constant_] value must be a number, got "a"'],
    ["kaimingUniform_ mode 'fan_in'", () => nn.init.kaimingUniform_(zeros([3, 3]), { mode: bad('fan_in') }), ArgumentError, "[kaimingUniform_] mode must be 'fanIn' or 'fanOut', got \"fan_in\""],
    ['orthogonal_ of a 1-d tensor', () => nn.init.orthogonal_(zeros([3])), ShapeError, '[orthogonal_] only tensors with 2 or more dims are supported, got shape [3]'],
  ]);
});

describe('validations PyTorch has (missing in nabla)', () => {
  table([
    // torch: "uniform_ expects to return a [from, to) range, but found from=1 > to=0"
    ['uniform_ with a > b', () => nn.init.uniform_(zeros([3]), 1, 0), ArgumentError, /^\[uniform_\]/],
    // torch: "ignore_index is not supported for floating point target"
    // torch: "running_mean must be defined in evaluation mode"
    ['batchNorm in evaluation mode without running statistics', () => F.batchNorm(zeros([4, 2]), null, null, { training: false }), ArgumentError, /^\[batchNorm\] .*running/],
    ['crossEntropy with probability targets and ignoreIndex', () => F.crossEntropy(zeros([2, 3]), zeros([2, 3]), { ignoreIndex: 1 }), ArgumentError, /^\[crossEntropy\] .*ignoreIndex/],
  ]);
});
