/**
 * The autodiff core: `apply` runs an op and, when gradients are wanted, records a `Node` with the
 * op's vjp (vector-Jacobian product) and what it saved; `runBackward` walks the recorded graph in
 * reverse topological order and applies the chain rule. Readable in one sitting:
 *
 *   apply(op, inputs, attrs) ── op.forward (backend kernels) ──► output
 *                              └─ if grad mode and an input requires grad: output._node = Node
 *   runBackward(roots)       ── iterative topological sort of Nodes ──► for each node, newest first:
 *                               check saved versions, run hooks, vjp(grad), reduce broadcasting,
 *                               accumulate into the inputs' pending grads (or leaves' .grad)
 */
import { checkedVjp, checkForward, isAnomalyEnabled, recordCreation } from './anomaly.js';
import { AutogradError, check } from '../base/errors.js';
import { isGradEnabled, setGradEnabled } from './grad-mode.js';
import { broadcastsTo, sameShape, showShape, type Shape } from '../base/shape.js';
import { isFloating, type DType } from '../base/dtype.js';
import { GradientHolds, keepAll, pin, scope, type Storage } from './storage.js';
import { backend } from '../backend/index.js';
import { SavedContext, SavedTensors, type SaveSpec } from './saved.js';
import type { Tensor } from './tensor.js';

export type { SaveSpec, SavedReads } from './saved.js';

/** What a vjp sees: the saved tensors, the attributes, and which inputs need a gradient. */
export interface VjpContext<A> {
  /** The inputs the op saved (`save.inputs`), by input index; reading an unsaved one throws. */
  readonly inputs: readonly Tensor[];
  /** The output, when the op saved it (`save.output`); reading it otherwise throws. */
  readonly output: Tensor;
  readonly attrs: A;
  /** Shapes of the inputs (always kept: they are small). */
  readonly inputShapes: readonly Shape[];
  /** Dtypes of the inputs. */
  readonly inputDtypes: readonly DType[];
  /** `needsInputGrad[i]` is false when input i needs no gradient; its rule may return null. */
  readonly needsInputGrad: readonly boolean[];
}

/**
 * A primitive op: its forward (backend kernels) and its vjp, side by side.
 * The vjp gets the output's gradient `g` and returns one gradient per input (or null), written
 * with public differentiable ops so that gradients of gradients work. A gradient may be shaped like
 * the broadcast output: the engine sums it down to the input's shape.
 */
export interface OpDef<A = undefined> {
  readonly name: string;
  /** Exactly what the vjp reads (`{}`: nothing); only that is saved, version-checked and released after backward. */
  readonly save: SaveSpec;
  forward(inputs: readonly Tensor[], attrs: A): Tensor;
  /** Absent for ops without a gradient (comparisons, argmax, ...). */
  readonly vjp?: (g: Tensor, ctx: VjpContext<A>) => readonly (Tensor | null)[];
  /** Frees what the attributes hold for backward (custom ops keep their saved tensors there). */
  readonly release?: (attrs: A) => void;
  /** True when the vjp runs user code (custom ops), which may keep the gradients it sees. */
  readonly userCode?: boolean;
}

/** A hook on a tensor's gradient; returning a tensor replaces the gradient. */
export type GradHook = (grad: Tensor) => Tensor | void;

/** An edge of the graph: the input's node, the leaf tensor that accumulates, or null (no gradient needed). */
type Edge = Node | Tensor | null;

/**
 * A recorded application of an op: what backward needs to send the gradient to the op's inputs.
 * @example
 * const y = x.exp(); // y._node.op.name === 'exp', y._node.next[0] is x (a leaf) when x requires grad
 */
export class Node {
  /** One edge per input. */
  readonly next: Edge[];
  readonly inputShapes: Shape[];
  readonly inputDtypes: DType[];
  readonly outShape: Shape;
  readonly outDtype: DType;
  /** What the op saved for its vjp (see `OpDef.save`); null once released. */
  saved: SavedTensors | null;
  /** Hooks registered on the output tensor (a non-leaf). */
  hooks: GradHook[] | null = null;
  /** The output tensor, when `retainGrad()` asked for its `.grad`. */
  retained: Tensor | null = null;
  /**
   * The output's storage until backward is done with this node (then null): what backward moves off
   * the wasm heap when the heap fills with garbage nothing frees (see `relocateActivations`).
   */
  outStorage: Storage | null;
  _mark = 0;

  constructor(
    readonly op: OpDef<unknown>,
    readonly attrs: unknown,
    inputs: readonly Tensor[],
    output: Tensor,
  ) {
    const n = inputs.length;
    this.next = new Array<Edge>(n);
    this.inputShapes = new Array<Shape>(n);
    this.inputDtypes = new Array<DType>(n);
    for (let i = 0; i < n; i++) {
      const t = inputs[i]!;
      this.next[i] = t._requiresGrad ? (t._node ?? t) : null;
      this.inputShapes[i] = t.shape;
      this.inputDtypes[i] = t.dtype;
    }
    this.outShape = output.shape;
    this.outDtype = output.dtype;
    this.saved = SavedTensors.save(op.save, inputs, output);
    this.outStorage = output._storage;
  }
}

/** Sees every op `apply` runs, with its inputs, attributes and output (the ONNX exporter's trace). */
export type OpTracer = (op: OpDef<unknown>, inputs: readonly Tensor[], attrs: unknown, out: Tensor) => void;

/** The active tracer, or null (the common case: `apply` then pays one null check). */
let tracer: OpTracer | null = null;

/**
 * Sets the tracer that `apply` calls after each op (null: none) and returns the previous one, so that
 * a caller can restore it (and switch it off while it runs ops of its own).
 * @example
 * const previous = setTracer((op, inputs, attrs, out) => log.push(op.name));
 * try { model.forward(x); } finally { setTracer(previous); }
 */
export function setTracer(next: OpTracer | null): OpTracer | null {
  const previous = tracer;
  tracer = next;
  return previous;
}

/**
 * Runs `op` on `inputs` and records the graph when grad mode is on and an input requires grad.
 * @example
 * const y = apply(EXP, [x], undefined); // y._node records exp's vjp when x.requiresGrad
 */
export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const out = op.forward(inputs, attrs);
  if (tracer !== null) tracer(op as OpDef<unknown>, inputs, attrs, out);
  if (isAnomalyEnabled()) checkForward(op.name, inputs, out);
  if (op.vjp === undefined || !isGradEnabled() || !isFloating(out.dtype)) return out;
  let needed = false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!._requiresGrad) needed = true;
  if (!needed) return out;
  out._node = new Node(op as OpDef<unknown>, attrs, inputs, out);
  if (isAnomalyEnabled()) recordCreation(out._node);
  out._requiresGrad = true;
  return out;
}

/** Options of `runBackward`. */
export interface BackwardOptions {
  /** Keep saved tensors so that backward can run through this graph again (default: createGraph, as in PyTorch). */
  retainGraph?: boolean;
  /** Record the backward computation itself, for higher-order gradients (default false). */
  createGraph?: boolean;
}

let visitEpoch = 0;

/** The nodes reachable from `roots`, each before the nodes it feeds (iterative DFS, post-order reversed). */
function topologicalOrder(roots: readonly Node[]): Node[] {
  const epoch = ++visitEpoch;
  const post: Node[] = [];
  const stack: Node[] = [];
  const nextEdge: number[] = [];
  for (const root of roots) {
    if (root._mark === epoch) continue;
    root._mark = epoch;
    stack.push(root);
    nextEdge.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top]!;
      const i = nextEdge[top]!;
      if (i < node.next.length) {
        nextEdge[top] = i + 1;
        const edge = node.next[i];
        if (edge instanceof Node && edge._mark !== epoch) {
          edge._mark = epoch;
          stack.push(edge);
          nextEdge.push(0);
        }
      } else {
        stack.pop();
        nextEdge.pop();
        post.push(node);
      }
    }
  }
  return post.reverse();
}

/** Adds `g` into the pending gradient of `key` (the new sum holds its storage; the old one lets go). */
function accumulate<K>(map: Map<K, Tensor>, key: K, g: Tensor, holds: GradientHolds): void {
  const prev = map.get(key);
  const next = prev === undefined ? g : prev.add(g);
  map.set(key, next);
  holds.hold(next);
  if (prev !== undefined) holds.drop(prev);
}

function runHooks(hooks: GradHook[] | null, g: Tensor): Tensor {
  if (hooks === null) return g;
  for (const hook of hooks) {
    const replaced = hook(g);
    if (replaced !== undefined) g = replaced;
  }
  return g;
}

/**
 * A vjp returns each gradient shaped like its input, or like the op's output when the input was
 * broadcast to it; the engine sums the latter down to the input's shape (broadcasting reduced once, here).
 */
function reduceToShape(g: Tensor, node: Node, i: number): Tensor {
  const shape = node.inputShapes[i]!;
  if (sameShape(g.shape, shape)) return g;
  check(sameShape(g.shape, node.outShape) && broadcastsTo(shape, g.shape), AutogradError,
    () => `[${node.op.name}] vjp for input ${i} returned ${showShape(g.shape)}, expected ${showShape(shape)}`);
  return g.sumToShape(shape);
}

function checkSaved(node: Node): SavedTensors {
  const saved = node.saved;
  check(saved !== null, AutogradError, () =>
    `[backward] trying to backward through the graph a second time (the tensors saved by '${node.op.name}' have been freed); ` +
      'pass { retainGraph: true } to the first backward if you need to backward twice');
  saved.check(node.op.name);
  return saved;
}

/**
 * Backpropagates `grads` from `roots` through the recorded graph. Without `inputs`, gradients
 * accumulate into the `.grad` of the leaves; with `inputs`, their gradients are returned instead
 * (and no `.grad` changes), as `torch.autograd.grad` does.
 * @example
 * runBackward([loss], [onesLike(loss)], {});
 */
export function runBackward(
  roots: readonly Tensor[],
  grads: readonly Tensor[],
  options: BackwardOptions,
  inputs?: readonly Tensor[],
): (Tensor | null)[] {
  const { createGraph = false, retainGraph = createGraph } = options;
  const pending = new Map<Node, Tensor>();
  const leafGrads = new Map<Tensor, Tensor>();
  const wanted = inputs ? new Set(inputs.map((t) => t._node ?? t)) : null;
  const captured = new Map<Node | Tensor, Tensor>();
  let userCode = false; // hooks or custom vjps saw the gradients: they may keep them
  const holds = new GradientHolds(!createGraph);

  let order: Node[] = [];
  // the pool fills with a plain loop's garbage: move this graph's activations off it (see relocateActivations)
  const pressure = !createGraph && !retainGraph && backend().memoryPressure?.() === true;
  const run = (): void => setGradEnabled(createGraph, () => {
    roots.forEach((root, k) => {
      const g = grads[k]!;
      if (root._node === null) accumulate(leafGrads, root, g, holds);
      else accumulate(pending, root._node, g, holds);
    });
    order = topologicalOrder([...pending.keys()]);
    for (const node of order) {
      let g = pending.get(node);
      if (g === undefined) continue;
      pending.delete(node);
      const incoming = g;
      const saved = checkSaved(node);
      if (node.hooks !== null || node.op.userCode === true) {
        userCode = true;
        holds.stop();
      }
      g = runHooks(node.hooks, g);
      if (node.retained !== null) {
        retainInto(node.retained, g, createGraph);
      }
      if (wanted?.has(node)) {
        captured.set(node, g);
        holds.protect(g);
      }
      const needsInputGrad = node.next.map((e) => e !== null);
      const ctx = new SavedContext(node.op.name, saved, node.attrs, node.inputShapes, node.inputDtypes, needsInputGrad);
      const grad = g;
      const runRule = (): readonly (Tensor | null)[] => (isAnomalyEnabled() ? checkedVjp(node, grad, ctx) : node.op.vjp!(grad, ctx));
      // the rule's own temporaries are freed as soon as it returns (user code excepted: it may keep them)
      const inputGrads = userCode || createGraph ? runRule() : scope(runRule);
      check(inputGrads.length === node.next.length, AutogradError,
        () => `[${node.op.name}] vjp returned ${inputGrads.length} gradients for ${node.next.length} inputs`);
      // the returned gradients hold their storage while they are handed on (a rule may return one twice)
      for (const gi of inputGrads) if (gi) holds.hold(gi);
      node.next.forEach((edge, i) => {
        const gi = inputGrads[i];
        if (edge === null || gi === null || gi === undefined) return;
        let gradIn = reduceToShape(gi, node, i);
        if (gradIn.dtype !== node.inputDtypes[i]) gradIn = gradIn.to(node.inputDtypes[i]!);
        if (edge instanceof Node) accumulate(pending, edge, gradIn, holds);
        else accumulate(leafGrads, edge, gradIn, holds);
      });
      for (const gi of inputGrads) if (gi) holds.drop(gi);
      holds.drop(incoming);
      if (!retainGraph) {
        if (!saved.empty) {
          node.saved = null;
          saved.release();
          if (pressure) saved.relocate();
        }
        node.op.release?.(node.attrs);
      }
    }
    for (const [leaf, g] of leafGrads) {
      if (leaf._hooks !== null) {
        userCode = true;
        holds.stop();
      }
      const grad = runHooks(leaf._hooks, g);
      if (wanted !== null) {
        if (wanted.has(leaf)) {
          captured.set(leaf, grad);
          holds.protect(grad);
        }
      } else {
        retainInto(leaf, grad, createGraph, holds.soleHolder(grad) && spansStorage(grad));
      }
      holds.drop(g);
    }
  });

  if (createGraph) {
    run();
  } else {
    // Lifetime rule: the storage a backward pass creates is garbage once it ends, except the
    // gradients it hands out (.grad is kept by retainInto; returned gradients are the scope's
    // result). Freeing it now, rather than when the garbage collector gets to it, lets the wasm
    // heap reuse its blocks at once. Not done with createGraph (the new graph holds them) or when
    // user code (hooks, custom vjps) saw them.
    scope(() => {
      run();
      if (userCode) keepAll();
      return [...captured.values()];
    });
    if (!retainGraph) relocateActivations(order, pressure);
  }
  return inputs ? inputs.map((t) => captured.get(t._node ?? t) ?? null) : [];
}

/**
 * After a backward pass released its graph: the forward's activations (outputs and saved tensors)
 * are garbage unless user code still holds them, and only a scope or the garbage collector could
 * free them — neither does in a plain synchronous loop. So when the backend's pool fills with such
 * memory (`memoryPressure`), they move to the JS heap (a copy, which V8 collects by itself) and their
 * blocks come back at once; the next step's kernels then run on the pool as before. Correct whoever
 * still holds them: a Storage moves with its views. Every node lets go of its output either way.
 */
function relocateActivations(order: readonly Node[], relocate: boolean): void {
  for (const node of order) {
    const s = node.outStorage;
    node.outStorage = null;
    if (!relocate) continue;
    s?.relocate();
  }
}

/** Gradients a backward pass allocated for a `.grad` (not ones user code assigned): later passes
 * accumulate into them in place, as PyTorch does, and `releaseGrad` frees them. */
const ownedGrads = new WeakSet<Tensor>();

/**
 * Called when user code assigns `g` to a `.grad`: the gradient may now be shared (the same tensor
 * as another parameter's gradient), so no `zeroGrad` frees it and no backward writes it in place.
 * @example
 * disownGrad(localParam.grad!); // before sharedParam.grad = localParam.grad
 */
export function disownGrad(g: Tensor): void {
  ownedGrads.delete(g);
}

/** True when `t` is contiguous and spans its whole storage (not a view into a larger buffer). */
function spansStorage(t: Tensor): boolean {
  return t.offset === 0 && t.isContiguous() && t.numel() === t._storage.data.length;
}

/**
 * Adds `g` into `t.grad` (runs in the backward's grad mode: recorded only with createGraph).
 * The first gradient is cloned: the same tensor may reach several leaves
 * (add's vjp returns g twice), and an in-place update of one `.grad` must not change another.
 * With `adopt` (this pass made g's storage, g alone holds it and spans it: no other gradient, leaf or
 * view shares it; GradientHolds never says so with createGraph or once user code saw the gradients)
 * g itself becomes the `.grad`, as PyTorch steals a gradient nothing else references.
 */
function retainInto(t: Tensor, g: Tensor, createGraph: boolean, adopt = false): void {
  const prev = t.grad;
  if (prev !== null && !createGraph && ownedGrads.has(prev) && !prev.requiresGrad && !prev.disposed) {
    prev.add_(g);
    return;
  }
  // a disposed .grad (its storage freed while another tensor still pointed to it) counts as none
  const grad = prev === null || prev.disposed ? (adopt ? g : g.clone()) : prev.add(g);
  // .grad is a long-lived owner: its gradient outlives every scope (backward's own included)
  t.grad = pin(grad);
  if (!createGraph) ownedGrads.add(grad);
}

/**
 * Sets `t.grad` to null and, when a backward pass allocated that gradient, frees its storage at
 * once (what `zeroGrad` does; a gradient that user code assigned is only dropped).
 * @example
 * releaseGrad(weight); // weight.grad === null, its old gradient's storage is back in the pool
 */
export function releaseGrad(t: Tensor): void {
  const g = t.grad;
  t.grad = null;
  if (g !== null && ownedGrads.has(g) && !g._storage.keptByUser) g.dispose();
}
