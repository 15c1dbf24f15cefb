/**
 * Shared by the onnx-*.test.ts files: export a model, run the bytes in ONNX Runtime and compare every
 * output with nabla's own eval-mode output, at the example's sizes and at others (dynamic axes).
 */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { Tensor, noGrad, toOnnx, type OnnxExportOptions, type nn } from '../src/index.js';

const ORT_TYPE = { float32: 'float32', float64: 'float64', int32: 'int32', bool: 'bool' } as const;

/** A nabla tensor as an ONNX Runtime tensor. */
export function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(ORT_TYPE[t.dtype], t.toTypedArray() as Float32Array, [...t.shape]);
}

/** The tensors a model returned, nested arrays flattened, nulls skipped (as toOnnx numbers its outputs). */
export function flatten(out: unknown): Tensor[] {
  if (out instanceof Tensor) return [out];
  if (out === null || out === undefined) return [];
  return (out as unknown[]).flatMap(flatten);
}

/** Runs ONNX bytes on `inputs` (by name); returns the outputs by name. */
export async function runOnnx(bytes: Uint8Array, inputs: Record<string, Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds = Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, toOrt(t)]));
  return session.run(feeds);
}

/**
 * Asserts that ONNX Runtime's output equals nabla's within `tol` relative to the output's scale:
 * |got − want| <= tol · max(1, max|want|), with the same shape.
 */
export function expectClose(got: ort.Tensor, want: Tensor, tol: number, label: string): void {
  expect(got.dims, `${label}: shape`).toEqual(want.shape);
  const w = want.toTypedArray();
  const g = got.data as Float32Array;
  const scale = Math.max(1, ...Array.from(w, (v) => Math.abs(Number(v))));
  let worst = 0;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(Number(g[i]) - Number(w[i])));
  expect(worst, `${label}: max |onnx − nabla| at scale ${scale}`).toBeLessThanOrEqual(tol * scale);
}

/** Options of `checkExport`. */
export interface CheckOptions extends OnnxExportOptions {
  /** More argument lists to run both ways (other batch sizes, with dynamicAxes). */
  alsoWith?: unknown[][];
  /** Tolerance relative to the output's scale (default 1e-5). */
  tol?: number;
}

/**
 * Exports `model` on `args`, then for `args` and each of `alsoWith` compares ONNX Runtime's outputs
 * with the model's own eval-mode outputs; returns the bytes.
 */
export async function checkExport(model: nn.Module, args: unknown[], options: CheckOptions = {}): Promise<Uint8Array> {
  const { alsoWith = [], tol = 1e-5, ...exportOptions } = options;
  const bytes = toOnnx(model, args, exportOptions);
  expect(model.training, 'the export leaves the mode as it was').toBe(true);
  for (const run of [args, ...alsoWith]) {
    const tensors = run.filter((a): a is Tensor => a instanceof Tensor);
    const names = exportOptions.inputNames ?? tensors.map((_, i) => `input_${i}`);
    const got = await runOnnx(bytes, Object.fromEntries(tensors.map((t, i) => [names[i]!, t])));
    model.eval();
    const want = flatten(noGrad(() => model.forward(...run)));
    model.train();
    const outNames = exportOptions.outputNames ?? want.map((_, i) => `output_${i}`);
    expect(Object.keys(got).sort()).toEqual([...outNames].sort());
    want.forEach((w, i) => expectClose(got[outNames[i]!]!, w, tol, `${outNames[i]} with inputs ${tensors.map((t) => `[${t.shape.join(',')}]`).join(' ')}`));
  }
  return bytes;
}
