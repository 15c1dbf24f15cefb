/**
 * nabla's optimisers, learning-rate schedulers and gradient clipping, with PyTorch's semantics.
 */
export {
  Optimizer,
  type OptimizerOptions, type ParamGroup, type ParamGroupSpec, type Params, type StateValue, type OptimizerStateDict,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDState } from './sgd.js';
export { Adam, type AdamOptions, type AdamState } from './adam.js';
export { AdamW } from './adamw.js';
export { RMSprop, type RMSpropOptions, type RMSpropState } from './rmsprop.js';
export { Adagrad, type AdagradOptions, type AdagradState } from './adagrad.js';
export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, LambdaLR, OneCycleLR, ReduceLROnPlateau,
  type SchedulerOptions, type SchedulerStateDict, type LinearLROptions, type LrLambda, type OneCycleLROptions,
  type ReduceLROnPlateauOptions,
} from './lr-scheduler.js';
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions } from './clip.js';
