/**
 * Graph drawings of Tensors and Values: `graphOf` (the data), `toDot` (Graphviz text) and
 * `graphToSvg` (a layered SVG picture).
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, Value, customOp, graphOf, graphToSvg, scalar, tensor, toDot,
  type Graph, type GraphNode, type Tensor,
} from '../src/index.js';
import { findAll, parseXml, type XmlNode } from './helpers/svg.js';

/** y = tanh(a·b + c), elementwise, with a backward pass of ones. */
function tanhExample(): { a: Tensor; b: Tensor; c: Tensor; y: Tensor } {
  const a = tensor([0.5, -1], { requiresGrad: true });
  const b = tensor([0.2, 0.3], { requiresGrad: true });
  const c = tensor([0.1, 0], { requiresGrad: true });
  const y = a.mul(b).add(c).tanh();
  return { a, b, c, y };
}

/** s = sum(x @ w) with x a constant [2,3] and w a [3,1] parameter. */
function matmulExample(): { x: Tensor; w: Tensor; s: Tensor } {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  const w = tensor([[1], [2], [3]], { requiresGrad: true });
  const s = x.matmul(w).sum();
  return { x, w, s };
}

const opNames = (g: Graph): string[] => g.nodes.filter((n) => n.kind === 'op').map((n) => n.label);
const byLabel = (g: Graph, label: string): GraphNode => g.nodes.find((n) => n.label === label)!;
const values = (t: Tensor): number[] => Array.from(t.toTypedArray());

/** Every edge goes forward in the node list, and runs data → op or op → data. */
function expectTopologicalAndBipartite(g: Graph): void {
  const index = new Map(g.nodes.map((n, i) => [n.id, i]));
  g.nodes.forEach((n, i) => expect(n.id).toBe(`n${i}`));
  for (const e of g.edges) {
    expect(index.get(e.from)!).toBeLessThan(index.get(e.to)!);
    const from = g.nodes[index.get(e.from)!]!;
    const to = g.nodes[index.get(e.to)!]!;
    expect(from.kind === 'op').toBe(to.kind !== 'op');
    expect(e.input !== undefined).toBe(to.kind === 'op');
  }
  for (const op of g.nodes.filter((n) => n.kind === 'op')) {
    expect(g.edges.filter((e) => e.from === op.id)).toHaveLength(1);
    const inputs = g.edges.filter((e) => e.to === op.id).map((e) => e.input);
    expect(inputs).toEqual(inputs.map((_, i) => i));
  }
}

describe('graphOf', () => {
  it('lists y = tanh(a·b + c) as tensors and ops in topological order, with shapes, dtypes and data', () => {
    const { a, b, c, y } = tanhExample();
    const g = graphOf(y, { names: { a, b, c, y } });
    expect(g.nodes).toHaveLength(9); // a, b, mul, a·b, c, add, a·b+c, tanh, y
    expect(g.nodes.map((n) => n.kind)).toEqual(['tensor', 'tensor', 'op', 'tensor', 'tensor', 'op', 'tensor', 'op', 'tensor']);
    expect(g.nodes.map((n) => n.label)).toEqual(['a', 'b', 'mul', '', 'c', 'add', '', 'tanh', 'y']);
    expect(opNames(g)).toEqual(['mul', 'add', 'tanh']);
    for (const n of g.nodes) {
      expect(n.shape).toEqual(n.kind === 'op' ? null : [2]);
      expect(n.dtype).toBe(n.kind === 'op' ? null : 'float32');
    }
    expect(g.edges).toEqual([
      { from: 'n0', to: 'n2', input: 0 }, { from: 'n1', to: 'n2', input: 1 }, { from: 'n2', to: 'n3' },
      { from: 'n3', to: 'n5', input: 0 }, { from: 'n4', to: 'n5', input: 1 }, { from: 'n5', to: 'n6' },
      { from: 'n6', to: 'n7', input: 0 }, { from: 'n7', to: 'n8' },
    ]);
    expectTopologicalAndBipartite(g);
    expect(byLabel(g, 'a').data).toEqual(values(a));
    expect(byLabel(g, 'y').data).toEqual(values(y));
    expect(g.nodes[3]!.data).toBeUndefined(); // an unnamed intermediate: autograd did not keep it
    expect(byLabel(g, 'a')).toMatchObject({ leaf: true, requiresGrad: true });
    expect(byLabel(g, 'y')).toMatchObject({ leaf: false, requiresGrad: true });
    for (const n of g.nodes) expect(n.grad).toBeUndefined(); // before backward
  });

  it('shows the gradients after backward, equal to the tensors\' .grad', () => {
    const { a, b, c, y } = tanhExample();
    y.backward(tensor([1, 1]));
    const g = graphOf(y, { names: { a, b, c } });
    for (const [name, t] of Object.entries({ a, b, c })) {
      expect(byLabel(g, name).grad).toEqual({ shape: [2], values: values(t.grad!) });
    }
    // closed form: d tanh(u) = 1 - tanh(u)², u = a·b + c
    const dy = [0.2, -0.3].map((u) => 1 - Math.tanh(u) ** 2);
    byLabel(g, 'a').grad!.values!.forEach((v, i) => expect(v).toBeCloseTo([0.2, 0.3][i]! * dy[i]!, 6));
    byLabel(g, 'c').grad!.values!.forEach((v, i) => expect(v).toBeCloseTo(dy[i]!, 6));
    expect(g.nodes[8]!.grad).toBeUndefined(); // the root is not a leaf and did not retainGrad
  });

  it('shows an intermediate tensor\'s grad after retainGrad, and names it through its op', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const h = a.mul(3).retainGrad();
    const y = h.square().sum();
    y.backward();
    const g = graphOf(y, { names: { h } });
    expect(byLabel(g, 'h')).toMatchObject({ data: [3, 6], grad: { shape: [2], values: [6, 12] }, leaf: false });
  });

  it('draws a matmul + sum with a constant input, and lists values only for small tensors', () => {
    const { x, w, s } = matmulExample();
    s.backward();
    const g = graphOf(s, { names: { w, s } });
    expect(g.nodes).toHaveLength(6); // x, w, matmul, x@w, sum, s
    expect(opNames(g)).toEqual(['matmul', 'sum']);
    expectTopologicalAndBipartite(g);
    expect(g.nodes[0]).toMatchObject({ kind: 'tensor', label: '', shape: [2, 3], dtype: 'float32', leaf: true, requiresGrad: false });
    expect(g.nodes[0]!.data).toBeUndefined(); // x needed no gradient: autograd kept only its shape
    expect(byLabel(g, 'w')).toMatchObject({ shape: [3, 1], data: [1, 2, 3], grad: { shape: [3, 1], values: values(w.grad!) } });
    expect(values(w.grad!)).toEqual([5, 7, 9]);
    expect(g.nodes[3]).toMatchObject({ shape: [2, 1], leaf: false });
    expect(byLabel(g, 's')).toMatchObject({ shape: [], data: [46] }); // (1·1 + 2·2 + 3·3) + (4·1 + 5·2 + 6·3)
    const small = graphOf(s, { names: { w }, maxValues: 2 });
    expect(byLabel(small, 'w').data).toBeUndefined();
    expect(byLabel(small, 'w').grad).toEqual({ shape: [3, 1] });
    expect(x.requiresGrad).toBe(false);
  });

  it('draws a leaf alone, a value used twice with two edges, and a scalar Value graph', () => {
    const t = tensor([1, 2]);
    expect(graphOf(t)).toEqual({ nodes: [{ id: 'n0', kind: 'tensor', label: '', shape: [2], dtype: 'float32', data: [1, 2], leaf: true, requiresGrad: false }], edges: [] });
    const x = tensor([2], { requiresGrad: true });
    const sq = graphOf(x.mul(x));
    expect(sq.nodes).toHaveLength(3);
    expect(sq.edges).toEqual([{ from: 'n0', to: 'n1', input: 0 }, { from: 'n0', to: 'n1', input: 1 }, { from: 'n1', to: 'n2' }]);
    const a = new Value(2, 'a');
    const b = new Value(-3, 'b');
    const d = a.mul(b).add(a).tanh();
    d.backward();
    const g = graphOf(d);
    expect(g.nodes.map((n) => n.kind)).toEqual(['value', 'value', 'op', 'value', 'op', 'value', 'op', 'value']);
    expect(opNames(g)).toEqual(['*', '+', 'tanh']);
    expect(byLabel(g, 'a')).toMatchObject({ data: [2], grad: { shape: [], values: [a.grad] }, leaf: true });
    expectTopologicalAndBipartite(g);
  });

  it('walks deep graphs without recursion', () => {
    let y = tensor([1], { requiresGrad: true });
    for (let i = 0; i < 10000; i++) y = y.mul(1);
    expect(graphOf(y).nodes).toHaveLength(1 + 3 * 10000); // leaf, then per op: a constant 1, the op, its output
    let v = new Value(1);
    for (let i = 0; i < 50000; i++) v = v.add(1);
    expect(graphOf(v).nodes).toHaveLength(1 + 3 * 50000);
  });

  it('rejects what is not a Tensor or a Value, and bad options, naming the function', () => {
    for (const [fn, draw] of [['graphOf', graphOf], ['toDot', toDot], ['graphToSvg', graphToSvg]] as const) {
      expect(() => draw(5 as never)).toThrow(ArgumentError);
      expect(() => draw({ data: 1 } as never)).toThrow(`[${fn}] root must be a Tensor or a Value, got Object`);
      expect(() => draw(null as never)).toThrow(`[${fn}] root must be a Tensor or a Value, got null`);
      expect(() => draw(tensor([1]), { maxValues: -1 })).toThrow(`[${fn}] maxValues must be a non-negative integer, got -1`);
      expect(() => draw(tensor([1]), { names: { w: [1] as never } })).toThrow(`[${fn}] names.w must be a Tensor, got [1]`);
    }
    expect(() => toDot(tensor([1]), { digits: 1.5 })).toThrow('[toDot] digits must be an integer from 0 to 20, got 1.5');
    expect(() => toDot(tensor([1]), { rankdir: 'RL' as never })).toThrow(ArgumentError);
    expect(() => graphToSvg(tensor([1]), { id: '1 x' })).toThrow('[graphToSvg] id must be letters, digits, _ or -');
  });
});

describe('toDot of a tensor graph', () => {
  it('writes one record per tensor, one ellipse per op, and edges input → op → output', () => {
    const { a, b, c, y } = tanhExample();
    y.backward(tensor([1, 1]));
    const dot = toDot(y, { names: { a, b, c, y } });
    expect(dot).toMatch(/^digraph G \{\n {2}rankdir=LR;\n/);
    expect(dot.match(/shape=record/g)).toHaveLength(6);
    expect([...dot.matchAll(/shape=ellipse, label="(\w+)"/g)].map((m) => m[1])).toEqual(['mul', 'add', 'tanh']);
    expect([...dot.matchAll(/ {2}(n\d+) -> (n\d+);/g)].map((m) => `${m[1]}>${m[2]}`))
      .toEqual(['n0>n2', 'n1>n2', 'n2>n3', 'n3>n5', 'n4>n5', 'n5>n6', 'n6>n7', 'n7>n8']);
    const fmt = (t: Tensor): string => `[${values(t).map((v) => v.toFixed(4)).join(', ')}]`;
    expect(dot).toContain(`n0 [shape=record, label="a | float32 [2] | data [0.5000, -1.0000] | grad ${fmt(a.grad!)}", style=filled`);
    expect(dot).toContain('n3 [shape=record, label="float32 [2]"];');
    expect(dot).toContain(`n8 [shape=record, label="y | float32 [2] | data ${fmt(y)}"];`);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });

  it('shows a large gradient by dtype and shape, nested values, and a dashed constant', () => {
    const { w, s } = matmulExample();
    s.backward();
    const dot = toDot(s, { names: { w }, maxValues: 2, digits: 1 });
    expect(dot).toContain('n0 [shape=record, label="float32 [2,3]", style=dashed];');
    expect(dot).toContain('label="w | float32 [3,1] | grad float32 [3,1]"');
    expect(toDot(s, { names: { w }, digits: 1 })).toContain('label="w | float32 [3,1] | data [[1.0], [2.0], [3.0]] | grad [[5.0], [7.0], [9.0]]"');
  });

  it('escapes quotes, braces and record metacharacters in names and op names; TB wraps fields in braces', () => {
    const twice = customOp({ name: 'tw"ice{}', forward: (_ctx, x) => x!.mul(2), backward: (_ctx, g) => [g.mul(2)] });
    const w = tensor([1], { requiresGrad: true });
    const y = twice(w);
    const dot = toDot(y, { names: { 'w"{x}|<y>\\': w }, rankdir: 'TB' });
    expect(dot).toContain('label="{ w\\"\\{x\\}\\|\\<y\\>\\\\ | float32 [1] | data [1.0000] }"');
    expect(dot).toContain('shape=ellipse, label="tw\\"ice{}"');
    expect(dot).toContain('rankdir=TB;');
  });

  it('draws a scalar Value graph too, and scalar.toDot is unchanged', () => {
    const x = new Value(2, 'x');
    const y = x.mul(x).tanh();
    y.backward();
    const dot = toDot(y);
    expect(dot).toContain(`label="x | data 2.0000 | grad ${x.grad.toFixed(4)}"`);
    expect(dot.match(/shape=ellipse/g)).toHaveLength(2);
    expect(dot.match(/n0 -> n1;/g)).toHaveLength(2); // x is both operands of *
    expect(scalar.toDot(y)).toContain(`label="{ x | data 2.0000 | grad ${x.grad.toFixed(4)} }"`);
  });
});

// ── SVG ─────────────────────────────────────────────────────────────────────────────────────

interface Drawn { id: string; kind: string; x: number; y: number; width: number; height: number; texts: string[] }

/** The drawn nodes: each `<g class="node …">` with its shape's bounding box and its text lines. */
function drawnNodes(svg: XmlNode): Drawn[] {
  return findAll(svg, (e) => e.name === 'g' && (e.attrs.class ?? '').startsWith('node ')).map((g) => {
    const rect = g.children.find((c) => c.name === 'rect');
    const ell = g.children.find((c) => c.name === 'ellipse');
    const box = rect !== undefined
      ? { x: +rect.attrs.x!, y: +rect.attrs.y!, width: +rect.attrs.width!, height: +rect.attrs.height! }
      : { x: +ell!.attrs.cx! - +ell!.attrs.rx!, y: +ell!.attrs.cy! - +ell!.attrs.ry!, width: 2 * +ell!.attrs.rx!, height: 2 * +ell!.attrs.ry! };
    const texts = g.children.filter((c) => c.name === 'text').map((c) => c.text);
    return { id: g.attrs['data-id']!, kind: g.attrs.class!.slice(5), ...box, texts };
  });
}

const overlap = (p: Drawn, q: Drawn): boolean =>
  p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height;

/** The start and end points of an edge path `M x1,y1 C … x2,y2`. */
function endpoints(d: string): [number, number, number, number] {
  const nums = d.match(/-?\d+(\.\d+)?/g)!.map(Number);
  return [nums[0]!, nums[1]!, nums[nums.length - 2]!, nums[nums.length - 1]!];
}

describe('graphToSvg', () => {
  it('draws every node once as well-formed SVG, with op names, shapes, dtypes and grads, without overlaps', () => {
    const { a, b, c, y } = tanhExample();
    y.backward(tensor([1, 1]));
    const text = graphToSvg(y, { names: { a, b, c, y } });
    const svg = parseXml(text);
    expect(svg.name).toBe('svg');
    expect(svg.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    const g = graphOf(y, { names: { a, b, c, y } });
    const nodes = drawnNodes(svg);
    expect(nodes.map((n) => n.id)).toEqual(g.nodes.map((n) => n.id));
    expect(nodes.map((n) => n.kind)).toEqual(g.nodes.map((n) => n.kind));
    expect(nodes.filter((n) => n.kind === 'op').map((n) => n.texts[0])).toEqual(['mul', 'add', 'tanh']);
    const fmt = (t: Tensor): string => `[${values(t).map((v) => v.toFixed(4)).join(', ')}]`;
    expect(nodes[0]!.texts).toEqual(['a', 'float32 [2]', 'data [0.5000, -1.0000]', `grad ${fmt(a.grad!)}`]);
    expect(nodes[3]!.texts).toEqual(['float32 [2]']);
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) expect(overlap(nodes[i]!, nodes[j]!), `${nodes[i]!.id} overlaps ${nodes[j]!.id}`).toBe(false);
    }
    // boxes fit inside the picture
    for (const n of nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(+svg.attrs.width!);
      expect(n.y + n.height).toBeLessThanOrEqual(+svg.attrs.height!);
    }
  });

  it('draws edges left to right with arrowheads, from the right side of the input to the left side of the consumer', () => {
    const { w, s } = matmulExample();
    s.backward();
    const svg = parseXml(graphToSvg(s, { names: { w }, id: 'mm' }));
    const g = graphOf(s, { names: { w } });
    const nodes = new Map(drawnNodes(svg).map((n) => [n.id, n]));
    const paths = findAll(svg, (e) => e.name === 'path' && e.attrs.class === 'edge');
    expect(paths).toHaveLength(g.edges.length);
    expect(findAll(svg, (e) => e.name === 'marker').map((m) => m.attrs.id)).toEqual(['mm-arrow']);
    paths.forEach((p, k) => {
      const { from, to } = g.edges[k]!;
      expect(p.attrs['marker-end']).toBe('url(#mm-arrow)');
      expect(p.attrs['data-input']).toBe(g.edges[k]!.input?.toString());
      const [x1, y1, x2, y2] = endpoints(p.attrs.d!);
      const src = nodes.get(from)!;
      const dst = nodes.get(to)!;
      expect(x1).toBeCloseTo(src.x + src.width, 1);
      expect(y1).toBeCloseTo(src.y + src.height / 2, 1);
      expect(x2).toBeGreaterThanOrEqual(dst.x - 0.01);
      expect(x2).toBeLessThanOrEqual(dst.x + dst.width / 2);
      expect(y2).toBeGreaterThan(dst.y);
      expect(y2).toBeLessThan(dst.y + dst.height);
      expect(x2).toBeGreaterThan(x1);
    });
    // the constant input is dashed, the parameter filled
    const rects = findAll(svg, (e) => e.name === 'rect' && e.attrs['stroke-dasharray'] !== undefined);
    expect(rects).toHaveLength(1);
  });

  it('orders each layer to avoid crossings: p = a·b, q = c·a, y = p + q', () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([2], { requiresGrad: true });
    const c = tensor([3], { requiresGrad: true });
    const y = a.mul(b).add(c.mul(a));
    const svg = parseXml(graphToSvg(y, { names: { a, b, c } }));
    const ends = findAll(svg, (e) => e.name === 'path' && e.attrs.class === 'edge').map((p) => endpoints(p.attrs.d!));
    let crossings = 0;
    for (const [i, p] of ends.entries()) {
      for (const q of ends.slice(i + 1)) {
        // edges between the same two columns cross when their ends swap order
        if (p[0] === q[0] && p[2] === q[2] && (p[1] - q[1]) * (p[3] - q[3]) < 0) crossings++;
      }
    }
    expect(crossings).toBe(0);
  });

  it('escapes text, is deterministic, and draws a scalar Value graph', () => {
    const twice = customOp({ name: '<twice & "co">', forward: (_ctx, x) => x!.mul(2), backward: (_ctx, g) => [g.mul(2)] });
    const w = tensor([1], { requiresGrad: true });
    const name = 'w<&>"\'';
    const text = graphToSvg(twice(w), { names: { [name]: w } });
    expect(text).toBe(graphToSvg(twice(w), { names: { [name]: w } }));
    const nodes = drawnNodes(parseXml(text));
    expect(nodes[0]!.texts[0]).toBe(name);
    expect(nodes[1]!.texts[0]).toBe('<twice & "co">');
    const v = new Value(1.5, 'v');
    const out = v.tanh();
    out.backward();
    const drawn = drawnNodes(parseXml(graphToSvg(out)));
    expect(drawn.map((n) => n.kind)).toEqual(['value', 'op', 'value']);
    expect(drawn[0]!.texts).toEqual(['v', 'data 1.5000', `grad ${v.grad.toFixed(4)}`]);
  });
});
