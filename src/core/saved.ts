/**
 * Saved tensors: what a recorded op keeps for its backward, declared per op as PyTorch's
 * `derivatives.yaml` does (each gradient formula names what it reads: `where` the condition,
 * `gather` the index, `mul` the other factor). Only the declared tensors are saved; each is counted
 * on its storage (`savedBy`), version-checked before the vjp runs, and released after backward.
 * Saving more than the vjp reads would raise false in-place errors and keep memory alive.
 */
import type { VjpContext } from './autograd.js';
import type { DType } from '../base/dtype.js';
import { AutogradError, check } from '../base/errors.js';
import { showShape, type Shape } from '../base/shape.js';
import type { Tensor } from './tensor.js';

/** What a gradient formula reads besides the output's gradient: inputs by index, and the output. */
export interface SavedReads {
  /** Indices of the inputs read. */
  readonly inputs?: readonly number[];
  /** True when the output is read (cheaper than the input for exp, sqrt, tanh, sigmoid, ...). */
  readonly output?: boolean;
}

/**
 * An op's save declaration. `inputs`/`output` are read whichever gradients are computed;
 * `grads[i]` is read only when input i needs a gradient (mul: `grads: [{ inputs: [1] }, { inputs: [0] }]`,
 * since d a = g·b and d b = g·a). Input shapes and dtypes are always kept; `{}` saves nothing.
 * @example
 * const WHERE_SAVE: SaveSpec = { inputs: [0] }; // d where = g where cond: reads only the condition
 */
export interface SaveSpec extends SavedReads {
  readonly grads?: readonly (SavedReads | null | undefined)[];
}

const NO_INPUTS: readonly number[] = Object.freeze([]);

/** `resolve`'s answers per spec, by the bit mask of the inputs that require grad (ops are few, masks small). */
const resolved = new WeakMap<SaveSpec, Map<number, SavedReads>>();

/** The input indices and output flag `spec` saves, given which inputs need a gradient (require grad). */
function resolve(spec: SaveSpec, inputs: readonly Tensor[]): SavedReads {
  const grads = spec.grads;
  if (grads === undefined) return spec;
  let mask = 0;
  for (let i = 0; i < grads.length; i++) if (inputs[i]!._requiresGrad) mask |= 1 << i;
  let byMask = resolved.get(spec);
  if (byMask === undefined) resolved.set(spec, (byMask = new Map()));
  let reads = byMask.get(mask);
  if (reads === undefined) {
    const slots = [...(spec.inputs ?? NO_INPUTS)];
    let output = spec.output === true;
    grads.forEach((r, i) => {
      if (r == null || (mask & (1 << i)) === 0) return;
      for (const j of r.inputs ?? NO_INPUTS) if (!slots.includes(j)) slots.push(j);
      if (r.output === true) output = true;
    });
    reads = { inputs: slots, output };
    byMask.set(mask, reads);
  }
  return reads;
}

/**
 * The tensors one recorded op saved and the storage versions they had when saved.
 * @example
 * const saved = SavedTensors.save({ inputs: [0] }, [cond, a, b], out);
 * saved.check('where'); // throws if cond changed in place since
 */
export class SavedTensors {
  /** Shared by every op that saves nothing: no counting, no version check, never released. */
  static readonly NONE = new SavedTensors(NO_INPUTS, [], null, []);

  private constructor(
    /** The input indices saved, in the order of `inputTensors`. */
    private readonly slots: readonly number[],
    private readonly inputTensors: readonly Tensor[],
    private readonly outputTensor: Tensor | null,
    private readonly versions: readonly number[],
  ) {}

  /**
   * Saves what `spec` declares (counting each storage) for an op applied to `inputs` giving `output`;
   * `spec.grads[i]` counts when input i requires grad (what `needsInputGrad[i]` will say in backward).
   * @example
   * node.saved = SavedTensors.save(op.save, inputs, out);
   */
  static save(spec: SaveSpec, inputs: readonly Tensor[], output: Tensor): SavedTensors {
    const reads = resolve(spec, inputs);
    const slots = reads.inputs ?? NO_INPUTS;
    const out = reads.output === true ? output : null;
    if (slots.length === 0 && out === null) return SavedTensors.NONE;
    const tensors = new Array<Tensor>(slots.length);
    const versions = new Array<number>(slots.length + (out === null ? 0 : 1));
    for (let k = 0; k < slots.length; k++) {
      const t = inputs[slots[k]!]!;
      tensors[k] = t;
      versions[k] = t._storage.version;
      t._storage.save();
    }
    if (out !== null) {
      versions[slots.length] = out._storage.version;
      out._storage.save();
    }
    return new SavedTensors(slots, tensors, out, versions);
  }

  /** True when nothing is saved (nothing to check or release). */
  get empty(): boolean {
    return this === SavedTensors.NONE;
  }

  /** Every saved tensor, the output last. */
  private get all(): readonly Tensor[] {
    return this.outputTensor === null ? this.inputTensors : [...this.inputTensors, this.outputTensor];
  }

  /**
   * Throws PyTorch's in-place error when a saved tensor changed since it was saved.
   * @example
   * node.saved.check(node.op.name);
   */
  check(opName: string): void {
    this.all.forEach((t, k) => {
      const expected = this.versions[k]!;
      check(t._storage.version === expected, AutogradError, () =>
        `[backward] one of the tensors needed for gradient computation has been modified by an in-place operation: ` +
          `the ${t.dtype} ${showShape(t.shape)} tensor saved by '${opName}' is at version ${t._storage.version}; expected version ${expected} instead`);
    });
  }

  /**
   * The op's inputs as its vjp sees them: saved slots hold their tensor; reading any other slot
   * throws an AutogradError naming the op (a vjp must declare what it reads).
   * NOTE: read by index (`inputs[1]`), not by destructuring with holes (`[, x] = inputs`): array
   * destructuring reads the skipped slots too.
   * @example
   * const index = saved.inputsFor('gather', 2)[1]!;
   */
  inputsFor(opName: string, count: number): readonly Tensor[] {
    const slots = this.slots;
    const view: Tensor[] = new Array<Tensor>(count);
    slots.forEach((i, k) => (view[i] = this.inputTensors[k]!));
    return new Proxy(view, {
      get(target, key, receiver) {
        if (typeof key === 'string' && !(key in target)) {
          const i = Number(key);
          if (Number.isInteger(i) && i >= 0 && i < count) throw new AutogradError(unsavedMessage(opName, `input ${i}`, slots));
        }
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
  }

  /**
   * The saved output; throws an AutogradError naming the op when it was not declared.
   * @example
   * const y = saved.outputFor('exp');
   */
  outputFor(opName: string): Tensor {
    check(this.outputTensor !== null, AutogradError, () => unsavedMessage(opName, 'the output', this.slots));
    return this.outputTensor;
  }

  /**
   * Lets go of every saved storage (backward is done with them).
   * @example
   * node.saved.release();
   */
  release(): void {
    for (const t of this.all) t._storage.unsave();
  }

  /**
   * Moves every saved storage off the wasm heap (see `Storage.relocate`), after backward released them.
   * @example
   * node.saved.relocate();
   */
  relocate(): void {
    for (const t of this.all) t._storage.relocate();
  }
}

function unsavedMessage(opName: string, what: string, slots: readonly number[]): string {
  const saved = slots.length === 0 ? 'no inputs' : `inputs [${slots.join(',')}]`;
  return `[${opName}] the vjp read ${what}, which the op did not save for this backward (it saved ${saved}); ` +
    'declare what the vjp reads in the op\'s save (e.g. save: { inputs: [0], output: true })';
}

/**
 * What a vjp sees (`VjpContext`): `inputs` and `output` give only what the op saved and throw,
 * naming the op, on anything else. A class, so that every vjp reads the same object shape (an
 * object literal with getters is several times slower to build and to read).
 * @example
 * const ctx = new SavedContext('mul', node.saved, node.attrs, node.inputShapes, node.inputDtypes, needsInputGrad);
 */
export class SavedContext<A> implements VjpContext<A> {
  private view: readonly Tensor[] | null = null;

  constructor(
    private readonly opName: string,
    private readonly saved: SavedTensors,
    readonly attrs: A,
    readonly inputShapes: readonly Shape[],
    readonly inputDtypes: readonly DType[],
    readonly needsInputGrad: readonly boolean[],
  ) {}

  /** The saved inputs by index (built on first read: most vjps read none). */
  get inputs(): readonly Tensor[] {
    return (this.view ??= this.saved.inputsFor(this.opName, this.inputShapes.length));
  }

  /** The saved output. */
  get output(): Tensor {
    return this.saved.outputFor(this.opName);
  }
}
