/**
 * The lowering table: for each primitive op (by its OpDef name), how it becomes ONNX nodes. Ops not
 * listed have no ONNX export; the hints name what to use instead where there is something.
 */
import { ELEMENTWISE_LOWERINGS, type Lowering } from './lower-elementwise.js';
import { FUSED_LOWERINGS } from './lower-fused.js';
import { SHAPE_LOWERINGS } from './lower-shape.js';

export { ELEMENTWISE, type Lowering } from './lower-elementwise.js';

/**
 * Every primitive with an ONNX lowering, by op name.
 * @example
 * 'matmul' in LOWERINGS; // true
 */
export const LOWERINGS: Readonly<Record<string, Lowering>> = { ...ELEMENTWISE_LOWERINGS, ...SHAPE_LOWERINGS, ...FUSED_LOWERINGS };

/** What to do instead, for ops that the layers export as a whole. */
const HINTS: Record<string, string> = {
  unfold: 'convolution and pooling export through the nn.Conv1d, nn.Conv2d, nn.MaxPool2d and nn.AvgPool2d modules, not F.conv2d/F.unfold',
  fold: 'F.fold has no ONNX form',
  maxPoolIndices: 'max pooling exports through the nn.MaxPool2d module, not F.maxPool2d',
  rnnSequence: 'recurrent layers export through the nn.RNN, nn.LSTM and nn.GRU modules',
};

/**
 * The message of an op without a lowering: `[toOnnx] op 'cumsum' has no ONNX export`, with a hint.
 * @example
 * unsupportedMessage('scatterAdd'); // "[toOnnx] op 'scatterAdd' has no ONNX export"
 */
export function unsupportedMessage(op: string): string {
  const hint = HINTS[op];
  return `[toOnnx] op '${op}' has no ONNX export${hint === undefined ? '' : ` (${hint})`}`;
}
