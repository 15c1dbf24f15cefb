/**
 * Dropout and Embedding layers.
 */
import { ArgumentError, check, fmt } from '../../base/errors.js';
import type { DType } from '../../base/dtype.js';
import { noGrad } from '../../core/grad-mode.js';
import type { Tensor } from '../../core/tensor.js';
import { dropout, embedding } from '../functional/misc.js';
import { normal_ } from '../init.js';
import { Module, Parameter } from '../module.js';
import { empty } from './util.js';

/**
 * Zeroes elements with probability `p` during training (scaling the rest by 1/(1 − p)); identity in eval.
 * @example
 * const drop = new Dropout(0.1);
 * drop.eval().forward(x) === x; // true
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    check(typeof p === 'number' && p >= 0 && p <= 1, ArgumentError, () => `[Dropout] probability has to be between 0 and 1, but got ${fmt(p)}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1); the
 * `paddingIdx` row starts at zero and receives no gradient.
 * @example
 * const emb = new Embedding(65, 64);
 * emb.forward(tensor([[1, 2, 3]], { dtype: 'int32' })).shape; // [1, 3, 64]
 */
export class Embedding extends Module {
  readonly weight: Parameter;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: { paddingIdx?: number | null; dtype?: DType } = {},
  ) {
    super();
    for (const [name, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      check(Number.isSafeInteger(v) && v > 0, ArgumentError, () => `[Embedding] ${name} must be a positive integer, got ${fmt(v)}`);
    }
    const pad = options.paddingIdx ?? null;
    check(pad === null || (Number.isSafeInteger(pad) && pad >= -numEmbeddings && pad < numEmbeddings), ArgumentError,
      () => `[Embedding] paddingIdx must be within numEmbeddings (${numEmbeddings}), got ${fmt(pad)}`);
    this.paddingIdx = pad === null ? null : pad < 0 ? pad + numEmbeddings : pad;
    this.weight = new Parameter(normal_(empty([numEmbeddings, embeddingDim], options.dtype)));
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).zero_());
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}
