/**
 * Graphviz DOT drawings of a `Value` graph (micrograd's draw_dot picture, as text).
 */
import { topologicalOrder, type Value } from './value.js';

/** Options of `toDot`. */
export interface DotOptions {
  /** Graph direction: 'LR' (left to right, default) or 'TB' (top to bottom). */
  rankdir?: 'LR' | 'TB';
  /** Digits after the point for data and grad (default 4). */
  digits?: number;
}

/**
 * Returns Graphviz DOT text for the graph that produced `root`: one record per value with its
 * label, data and grad, and one ellipse per op between its inputs and its output.
 * Render it with `dot -Tsvg graph.dot -o graph.svg`.
 * @example
 * const x = new Value(2, 'x');
 * const y = x.mul(x).tanh();
 * y.backward();
 * writeFileSync('graph.dot', toDot(y));
 */
export function toDot(root: Value, options: DotOptions = {}): string {
  const digits = options.digits ?? 4;
  const order = topologicalOrder(root);
  const id = new Map<Value, string>(order.map((v, i) => [v, `v${i}`]));
  const lines = ['digraph G {', `  rankdir=${options.rankdir ?? 'LR'};`, '  node [fontname="Helvetica"];'];
  for (const v of order) {
    const name = id.get(v)!;
    const fields = [v.label, `data ${v.data.toFixed(digits)}`, `grad ${v.grad.toFixed(digits)}`].filter((f) => f !== '');
    lines.push(`  ${name} [shape=record, label="{ ${fields.map(escapeRecord).join(' | ')} }"];`);
    if (v._op !== '') {
      lines.push(`  ${name}_op [shape=ellipse, label="${escapeString(v._op)}"];`);
      lines.push(`  ${name}_op -> ${name};`);
      for (const p of v._parents) lines.push(`  ${id.get(p)!} -> ${name}_op;`);
    }
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

function escapeString(s: string): string {
  return s.replace(/["\\]/g, (c) => `\\${c}`);
}

function escapeRecord(s: string): string {
  return s.replace(/["\\{}|<>]/g, (c) => `\\${c}`);
}
