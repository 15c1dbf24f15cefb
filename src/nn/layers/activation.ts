/**
 * Activation modules: thin wrappers over the functional forms.
 */
import type { Tensor } from '../../core/tensor.js';
import * as F from '../functional/activation.js';
import { Module } from '../module.js';

/** max(x, 0). @example new ReLU().forward(tensor([-1, 2])); // [0, 2] */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** x, or negativeSlope·x below 0. @example new LeakyReLU(0.2).forward(x); */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** GELU, exact or with the tanh approximation. @example new GELU({ approximate: 'tanh' }).forward(x); */
export class GELU extends Module {
  constructor(readonly options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.gelu(x, this.options);
  }

  override extraRepr(): string {
    return `approximate='${this.options.approximate ?? 'none'}'`;
  }
}

/** x·σ(x). @example new SiLU().forward(x); */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

/** tanh. @example new Tanh().forward(x); */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** σ(x). @example new Sigmoid().forward(x); */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** Softmax along `dim`. @example new Softmax(1).forward(logits); */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim`. @example new LogSoftmax(1).forward(logits); */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** x, or alpha·(eˣ − 1) below 0. @example new ELU().forward(x); */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** log(1 + e^(βx))/β. @example new Softplus({ beta: 2 }).forward(x); */
export class Softplus extends Module {
  constructor(readonly options: { beta?: number; threshold?: number } = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.softplus(x, this.options);
  }

  override extraRepr(): string {
    return `beta=${this.options.beta ?? 1}, threshold=${this.options.threshold ?? 20}`;
  }
}
