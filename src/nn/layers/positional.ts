/**
 * Sinusoidal positional encodings ("Attention Is All You Need", §3.5). PyTorch has none built in;
 * `PositionalEncoding` is the module of PyTorch's Transformer tutorial, with the table kept as a
 * buffer that is not saved in the state dict.
 */
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../../base/errors.js';
import { checkOptionNames } from '../../base/options.js';
import type { DType } from '../../base/dtype.js';
import { showShape } from '../../base/shape.js';
import { tensor } from '../../core/creation.js';
import type { Tensor } from '../../core/tensor.js';
import { checkTensor } from '../../ops/util.js';
import { Module } from '../module.js';
import { Dropout } from './misc.js';

function checkSizes(op: string, sizes: [string, unknown][]): void {
  for (const [arg, v] of sizes) check(Number.isSafeInteger(v) && (v as number) > 0, ArgumentError, () => `[${op}] ${arg} must be a positive integer, got ${fmt(v)}`);
}

/**
 * The [length, dModel] table PE[pos, 2i] = sin(pos / 10000^(2i/dModel)), PE[pos, 2i+1] =
 * cos(pos / 10000^(2i/dModel)): sines in the even columns, cosines in the odd ones.
 * @example
 * nn.sinusoidalPositionalEncoding(50, 16).shape; // [50, 16]; row 0 is [0, 1, 0, 1, …]
 */
export function sinusoidalPositionalEncoding(length: number, dModel: number, options: { dtype?: DType } = {}): Tensor {
  checkOptionNames(options as unknown, ['dtype'], 'sinusoidalPositionalEncoding');
  checkSizes('sinusoidalPositionalEncoding', [['length', length], ['dModel', dModel]]);
  const { dtype = 'float32' } = options;
  check(dtype === 'float32' || dtype === 'float64', DTypeError, () => `[sinusoidalPositionalEncoding] dtype must be float32 or float64, got ${fmt(dtype)}`);
  const table = new Float64Array(length * dModel);
  for (let col = 0; col < dModel; col++) {
    const frequency = Math.pow(10000, -(col - (col % 2)) / dModel);
    for (let pos = 0; pos < length; pos++) {
      table[pos * dModel + col] = col % 2 === 0 ? Math.sin(pos * frequency) : Math.cos(pos * frequency);
    }
  }
  return tensor(table, { shape: [length, dModel], dtype });
}

/** Options of `PositionalEncoding`. */
export interface PositionalEncodingOptions {
  /** The longest sequence (default 5000). */
  maxLen?: number;
  /** Dropout after the addition, in training mode (default 0.1). */
  dropout?: number;
  /** Inputs as [N, L, dModel] instead of [L, N, dModel] (default false). */
  batchFirst?: boolean;
  dtype?: DType;
}

/**
 * Adds the sinusoidal table to its input ([L, N, dModel]; [N, L, dModel] with batchFirst; [L, dModel]
 * unbatched), then applies dropout. The table (`pe`, [maxLen, dModel]) is a non-persistent buffer:
 * listed by `buffers()`, not saved by `stateDict()`.
 * @example
 * const pos = new nn.PositionalEncoding(64, { dropout: 0 });
 * pos.forward(embedding.forward(tokens).mul(Math.sqrt(64))); // [L, N, 64]
 */
export class PositionalEncoding extends Module {
  readonly dropout: Dropout;
  readonly maxLen: number;
  readonly batchFirst: boolean;
  declare readonly pe: Tensor;

  constructor(readonly dModel: number, options: PositionalEncodingOptions = {}) {
    super();
    checkOptionNames(options as unknown, ['maxLen', 'dropout', 'batchFirst', 'dtype'], 'PositionalEncoding');
    const { maxLen = 5000, dropout = 0.1, batchFirst = false, dtype = 'float32' } = options;
    checkSizes('PositionalEncoding', [['dModel', dModel], ['maxLen', maxLen]]);
    check(typeof batchFirst === 'boolean', ArgumentError, () => `[PositionalEncoding] batchFirst must be a boolean, got ${fmt(batchFirst)}`);
    this.dropout = new Dropout(dropout);
    this.maxLen = maxLen;
    this.batchFirst = batchFirst;
    this.registerBuffer('pe', sinusoidalPositionalEncoding(maxLen, dModel, { dtype }), { persistent: false });
  }

  forward(x: Tensor): Tensor {
    checkTensor(x, 'PositionalEncoding', 'input');
    const layout = this.batchFirst ? '[N, L, dModel]' : '[L, N, dModel]';
    check((x.ndim === 2 || x.ndim === 3) && x.shape[x.ndim - 1] === this.dModel, ShapeError,
      () => `[PositionalEncoding] expected an input ${layout} or [L, dModel] with dModel ${this.dModel}, got shape ${showShape(x.shape)}`);
    const seqDim = x.ndim === 3 && this.batchFirst ? 1 : 0;
    const length = x.shape[seqDim]!;
    check(length <= this.maxLen, ShapeError, () => `[PositionalEncoding] the sequence length ${length} exceeds maxLen ${this.maxLen} (input shape ${showShape(x.shape)})`);
    const table = this.pe.narrow(0, 0, length);
    return this.dropout.forward(x.add(x.ndim === 3 && !this.batchFirst ? table.unsqueeze(1) : table));
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, maxLen=${this.maxLen}${this.batchFirst ? ', batchFirst=true' : ''}`;
  }
}
