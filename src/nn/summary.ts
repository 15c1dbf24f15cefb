/**
 * A model summary: each submodule with its output shape and parameter count, from one forward pass.
 */
import { noGrad } from '../core/grad-mode.js';
import { showShape } from '../base/shape.js';
import { Tensor } from '../core/tensor.js';
import type { Module } from './module.js';

/** One row of a summary. */
export interface SummaryRow {
  name: string;
  type: string;
  outputShape: number[] | null;
  /** The module's own parameters (not its children's), in elements. */
  params: number;
  /** How many of `params` require grad (the rest are frozen). */
  trainable: number;
}

/** A summary's rows and totals, and a printable table. */
export interface ModelSummary {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  /** Parameters that do not require grad (`requiresGrad_(false)`): `totalParams - trainableParams`. */
  frozenParams: number;
  toString(): string;
}

/**
 * Runs `model.forward(...inputs)` once (without recording gradients) and reports every submodule's
 * output shape and own parameter count, like torchsummary/Keras' summary.
 * @example
 * console.log(String(summary(model, zeros([1, 1, 28, 28]))));
 */
export function summary(model: Module, ...inputs: unknown[]): ModelSummary {
  const rows: SummaryRow[] = [];
  const restore: (() => void)[] = [];
  for (const [name, m] of model.namedModules()) {
    if (name === '') continue;
    const own = m.parameters().filter((p) => !m.children().some((c) => c.parameters().includes(p)));
    const count = (ps: readonly Tensor[]): number => ps.reduce((s, p) => s + p.numel(), 0);
    const row: SummaryRow = { name, type: m.constructor.name, outputShape: null, params: count(own), trainable: count(own.filter((p) => p.requiresGrad)) };
    rows.push(row);
    const original = m.forward;
    // record the output shape by wrapping this instance's forward for the duration of the pass
    m.forward = (...args: unknown[]) => {
      const out = original.apply(m, args);
      if (out instanceof Tensor) row.outputShape = [...out.shape];
      return out;
    };
    restore.push(() => delete (m as { forward?: unknown }).forward);
  }
  // evaluation mode for the pass, so that batch-norm statistics and dropout are left untouched
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    noGrad(() => model.forward(...inputs));
  } finally {
    restore.forEach((r) => r());
    for (const [m, training] of modes) m.training = training;
  }
  const params = model.parameters();
  const totalParams = params.reduce((s, p) => s + p.numel(), 0);
  const trainableParams = params.filter((p) => p.requiresGrad).reduce((s, p) => s + p.numel(), 0);
  const frozenParams = totalParams - trainableParams;
  const n = (x: number): string => x.toLocaleString('en-US');
  return {
    rows,
    totalParams,
    trainableParams,
    frozenParams,
    toString() {
      const table = [['Layer (type)', 'Output shape', 'Params', 'Trainable'],
        ...rows.map((r) => [`${r.name} (${r.type})`, r.outputShape ? showShape(r.outputShape) : '-', n(r.params), r.params === 0 ? '-' : n(r.trainable)])];
      const widths = [0, 1, 2, 3].map((c) => Math.max(...table.map((row) => row[c]!.length)));
      const line = (cells: string[]): string => cells.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('   ');
      const rule = '─'.repeat(widths.reduce((s, w) => s + w, 0) + 9);
      return [line(table[0]!), rule, ...table.slice(1).map(line), rule,
        `Total params: ${n(totalParams)}  (trainable: ${n(trainableParams)}, frozen: ${n(frozenParams)})`].join('\n');
    },
  };
}
