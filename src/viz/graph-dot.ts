/**
 * Graphviz DOT text for the graph behind a Tensor (or a scalar Value): the data of `graphOf`, one
 * record per tensor and one ellipse per op. Render it with `dot -Tsvg graph.dot -o graph.svg`, or use
 * `graphToSvg` for a picture without Graphviz.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import type { Tensor } from '../core/tensor.js';
import { buildGraph, checkDigits, nodeLines, type GraphNode, type GraphOptions, type ValueLike } from './graph.js';

/** Options of `toDot`. */
export interface GraphDotOptions extends GraphOptions {
  /** Graph direction: 'LR' (left to right, default) or 'TB' (top to bottom). */
  rankdir?: 'LR' | 'TB';
  /** Digits after the point for data and grad values (default 4). */
  digits?: number;
}

/**
 * Returns Graphviz DOT text for the graph that produced `root`: one record per tensor (its name from
 * `options.names`, dtype and shape, and for small tensors the values and, after `backward()`, the
 * gradient), and one ellipse per op between its inputs and its output. Leaves that receive a gradient
 * are filled; inputs that needed none (constants) are dashed. A scalar `Value` works too
 * (`scalar.toDot` draws it micrograd's way).
 * @example
 * const a = tensor([1, 2], { requiresGrad: true });
 * const b = tensor([3, 4], { requiresGrad: true });
 * const y = a.mul(b).tanh().sum();
 * y.backward();
 * writeFileSync('graph.dot', toDot(y, { names: { a, b, y } }));
 */
export function toDot(root: Tensor | ValueLike, options: GraphDotOptions = {}): string {
  const graph = buildGraph(root, options, 'toDot');
  const digits = checkDigits(options.digits, 'toDot');
  const rankdir = options.rankdir ?? 'LR';
  check(rankdir === 'LR' || rankdir === 'TB', ArgumentError, () => `[toDot] rankdir must be 'LR' or 'TB', got ${fmt(rankdir)}`);
  const lines = ['digraph G {', `  rankdir=${rankdir};`, '  node [fontname="Helvetica"];'];
  for (const node of graph.nodes) lines.push(`  ${node.id} [${attributes(node, digits, rankdir)}];`);
  for (const { from, to } of graph.edges) lines.push(`  ${from} -> ${to};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

function attributes(node: GraphNode, digits: number, rankdir: 'LR' | 'TB'): string {
  if (node.kind === 'op') return `shape=ellipse, label="${escapeString(node.label)}"`;
  const fields = nodeLines(node, digits).map(escapeRecord).join(' | ');
  // a record's top-level fields stack vertically under LR and side by side under TB: braces flip them
  const label = rankdir === 'LR' ? fields : `{ ${fields} }`;
  let style = '';
  if (node.requiresGrad === false) style = ', style=dashed';
  else if (node.leaf === true) style = ', style=filled, fillcolor="#dbeafe"';
  return `shape=record, label="${label}"${style}`;
}

/** A DOT quoted string's content: quotes and backslashes escaped, newlines as `\n`. */
function escapeString(s: string): string {
  return s.replace(/["\\]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
}

/** A record field's content: also the record metacharacters { } | < > escaped. */
function escapeRecord(s: string): string {
  return s.replace(/["\\{}|<>]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
}
