/**
 * Symbolic sizes for dynamic axes. The trace runs on concrete example tensors; next to each traced
 * value the exporter keeps its dims as either a number (fixed) or `k · Π symbols` (a product of
 * dynamic axes: the batch, the batch times the heads, ...). A reshape to [B·T, C] computed from an
 * example of batch 2 then becomes Reshape(x, [-1, C]) rather than Reshape(x, [6, C]).
 *
 * Each symbol has a source (a value and an axis whose runtime size it is), from which the graph
 * can read it with `Shape`; sizes that are no product of symbols (a concatenation along a dynamic
 * axis) get a fresh symbol whose source is the value that has them.
 */
import { ShapeError, check } from '../../base/errors.js';
import { showShape } from '../../base/shape.js';

/** A dynamic size: `k` times the product of the symbols `syms` (sorted; repeats allowed). */
export interface SymDim {
  readonly k: number;
  readonly syms: readonly string[];
}

/** A dim of a traced value: a fixed size or a symbolic one. */
export type Dim = number | SymDim;

/** A symbol: its size in the example, where the graph can read it at run time, and a name for messages. */
export interface SymbolInfo {
  readonly size: number;
  readonly source: { readonly value: string; readonly axis: number };
  readonly label: string;
}

/** The symbols of one export. */
export type SymbolTable = ReadonlyMap<string, SymbolInfo>;

/**
 * Whether `d` is a fixed size.
 * @example
 * isFixed(3); // true
 */
export function isFixed(d: Dim): d is number {
  return typeof d === 'number';
}

/**
 * The example's size of `d`.
 * @example
 * sizeOf({ k: 4, syms: ['batch'] }, symbols); // 8 when the example's batch is 2
 */
export function sizeOf(d: Dim, symbols: SymbolTable): number {
  if (isFixed(d)) return d;
  return d.syms.reduce((p, s) => p * symbols.get(s)!.size, d.k);
}

/**
 * Whether two dims are the same size for every value of the symbols.
 * @example
 * sameDim({ k: 1, syms: ['b'] }, { k: 1, syms: ['b'] }); // true
 */
export function sameDim(a: Dim, b: Dim): boolean {
  if (isFixed(a) || isFixed(b)) return a === b;
  return a.k === b.k && a.syms.length === b.syms.length && a.syms.every((s, i) => s === b.syms[i]);
}

/**
 * The product of two dims (a number when both are fixed).
 * @example
 * mulDims({ k: 1, syms: ['b'] }, 4); // { k: 4, syms: ['b'] }
 */
export function mulDims(a: Dim, b: Dim): Dim {
  if (isFixed(a) && isFixed(b)) return a * b;
  const [ka, sa] = isFixed(a) ? [a, []] : [a.k, a.syms];
  const [kb, sb] = isFixed(b) ? [b, []] : [b.k, b.syms];
  const syms = [...sa, ...sb].sort();
  return syms.length === 0 ? ka * kb : { k: ka * kb, syms };
}

/**
 * A readable form of a dim (`2*batch`), for dim_param names and messages.
 * @example
 * showDim({ k: 2, syms: ['batch'] }, symbols); // '2*batch'
 */
export function showDim(d: Dim, symbols: SymbolTable): string {
  if (isFixed(d)) return String(d);
  const names = d.syms.map((s) => symbols.get(s)!.label);
  return (d.k === 1 ? names : [String(d.k), ...names]).join('*');
}

/**
 * The dims of an elementwise op's output from its inputs' dims (NumPy broadcasting). A fixed size
 * above 1 meeting a dynamic one means the trace baked in an example size: a ShapeError naming both.
 * @example
 * broadcastDims([[{ k: 1, syms: ['b'] }, 4], [4]], symbols, 'add'); // [b, 4]
 */
export function broadcastDims(shapes: readonly (readonly Dim[])[], symbols: SymbolTable, op: string): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const dims = shapes.map((s) => s[s.length - rank + i]).filter((d): d is Dim => d !== undefined && d !== 1);
    const dynamic = dims.find((d) => !isFixed(d));
    const fixed = dims.find((d) => isFixed(d));
    check(dynamic === undefined || fixed === undefined, ShapeError, () =>
      `[toOnnx] '${op}' combines the dynamic axis ${showDim(dynamic!, symbols)} with a fixed size ${fixed as number} ` +
      `(shapes ${shapes.map((s) => `[${s.map((d) => showDim(d, symbols)).join(',')}]`).join(' and ')}): the trace baked an example size ` +
      'into a tensor; build it from the input instead, or export without that dynamic axis');
    out.push(dynamic ?? fixed ?? 1);
  }
  return out;
}

/**
 * Splits the symbols of `total` over the output dims of one reshape chunk: each symbol goes to the
 * first dim (from the left) whose remaining example size it divides; null when one fits nowhere.
 */
function distribute(total: SymDim, sizes: readonly number[], symbols: SymbolTable): Dim[] | null {
  const left = [...sizes];
  const parts: string[][] = sizes.map(() => []);
  for (const s of total.syms) {
    const size = symbols.get(s)!.size;
    const j = left.findIndex((r) => r % size === 0);
    if (j < 0) return null;
    left[j] = left[j]! / size;
    parts[j]!.push(s);
  }
  return parts.map((syms, j) => (syms.length === 0 ? left[j]! : { k: left[j]!, syms }));
}

/**
 * What reshapes know: the symbols, and the dims that reshapes merged into one dynamic dim (by the
 * merged dim), so that a reshape back splits it the same way ([T, B, C] → [T·B, C] → [T, B, C]
 * even when T is a multiple of B in the example).
 */
export interface ReshapeContext {
  readonly symbols: SymbolTable;
  readonly merged: Map<string, Dim[][]>;
}

const keyOf = (d: SymDim): string => `${d.k}:${d.syms.join('*')}`;

/** The output dims of one chunk: one dim takes the product; several split it (as merged before, or by `distribute`). */
function splitChunk(product: Dim, inChunk: readonly Dim[], chunk: readonly number[], ctx: ReshapeContext): Dim[] | null {
  if (isFixed(product)) return [...chunk];
  const key = keyOf(product);
  if (chunk.length === 1) {
    if (inChunk.length > 1) ctx.merged.set(key, [...(ctx.merged.get(key) ?? []), [...inChunk]]);
    return [product];
  }
  const known = (ctx.merged.get(key) ?? []).filter((f) => f.length === chunk.length && f.every((d, i) => sizeOf(d, ctx.symbols) === chunk[i]));
  return known.length > 0 ? [...known[known.length - 1]!] : distribute(product, chunk, ctx.symbols);
}

/**
 * The symbolic dims of `reshape(x, outShape)` from x's dims: input and output dims are walked in
 * chunks of equal example size (as a view's strides are); a chunk's symbolic product goes to its
 * output dims. Throws a ShapeError when a dynamic axis cannot be followed through the reshape.
 * @example
 * reshapeDims([{ k: 1, syms: ['b'] }, 3, 4], [6, 4], ctx); // [3*b, 4]
 */
export function reshapeDims(inDims: readonly Dim[], outShape: readonly number[], ctx: ReshapeContext): Dim[] {
  const { symbols } = ctx;
  const inSizes = inDims.map((d) => sizeOf(d, symbols));
  if (inDims.every(isFixed) || inSizes.includes(0)) return [...outShape];
  const out: Dim[] = [];
  let i = 0;
  let j = 0;
  while (j < outShape.length) {
    if (outShape[j] === 1) {
      out.push(1);
      j++;
      continue;
    }
    while (i < inDims.length && inSizes[i] === 1) i++;
    const inChunk = [inDims[i]!];
    let product: Dim = inDims[i]!;
    let inSize = inSizes[i++]!;
    const chunk = [outShape[j++]!];
    let outSize = chunk[0]!;
    while (inSize !== outSize) {
      if (inSize < outSize) {
        inChunk.push(inDims[i]!);
        product = mulDims(product, inDims[i]!);
        inSize *= inSizes[i++]!;
      } else {
        chunk.push(outShape[j]!);
        outSize *= outShape[j++]!;
      }
    }
    const dims = splitChunk(product, inChunk.filter((d) => d !== 1), chunk, ctx);
    check(dims !== null, ShapeError, () =>
      `[toOnnx] cannot follow the dynamic axes of [${inDims.map((d) => showDim(d, symbols)).join(',')}] through a reshape to ${showShape(outShape)}`);
    out.push(...dims);
  }
  return out;
}
