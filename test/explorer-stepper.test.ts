// The explorer's autograd stepper (examples/explorer/stepper): the parser, and the backward schedule
// checked against analytic values, nabla's backward() and gradcheck.
import { describe, expect, it, vi } from 'vitest';
import { ParseError, parseExpression, parseInputs } from '../examples/explorer/stepper/parser.js';
import { backwardSchedule, buildGraph, gradsAfter } from '../examples/explorer/stepper/stepper.js';
import { verify } from '../examples/explorer/stepper/evaluate.js';
import { PRESETS } from '../examples/explorer/stepper/presets.js';

vi.mock('nabla', () => import('../src/index.js'));

describe('stepper parser', () => {
  it('parses precedence, unary minus, power and functions', () => {
    const ast = parseExpression('tanh(a*b + c)');
    expect(ast).toMatchObject({ kind: 'unary', op: 'tanh', arg: { kind: 'binary', op: 'add', left: { op: 'mul' }, right: { kind: 'input', name: 'c' } } });
    expect(parseExpression('-a ^ 2')).toMatchObject({ op: 'neg', arg: { op: 'pow' } });
    expect(parseExpression('2 ** 3 ^ 2')).toMatchObject({ op: 'pow', right: { op: 'pow' } });
    expect(parseExpression('a × b ÷ c − d')).toMatchObject({ op: 'sub', left: { op: 'div', left: { op: 'mul' } } });
    expect(parseExpression('sum(x @ W)')).toMatchObject({ op: 'sum', arg: { op: 'matmul' } });
    expect(parseExpression('pow(a, 2)')).toMatchObject({ op: 'pow', right: { kind: 'number', value: 2 } });
    expect(parseExpression('1.5e-3')).toMatchObject({ kind: 'number', value: 1.5e-3 });
  });

  it('reports errors with their position', () => {
    const at = (text: string): number => {
      try {
        parseExpression(text);
      } catch (error) {
        expect(error).toBeInstanceOf(ParseError);
        return (error as ParseError).pos;
      }
      throw new Error(`no error for ${text}`);
    };
    expect(at('a + ')).toBe(4);
    expect(at('a $ b')).toBe(2);
    expect(at('foo(a)')).toBe(0);
    expect(at('tanh(a, b)')).toBe(0);
    expect(at('(a + b')).toBe(6);
    expect(at('a b')).toBe(2);
    expect(() => parseExpression('alert(1)')).toThrow(/unknown function 'alert'/);
  });

  it('parses inputs: scalars and nested lists', () => {
    expect(parseInputs('a = 0.5, b = -1\nW = [[1, 2], [3, -4]]')).toEqual([
      { name: 'a', shape: [], values: [0.5] },
      { name: 'b', shape: [], values: [-1] },
      { name: 'W', shape: [2, 2], values: [1, 2, 3, -4] },
    ]);
    expect(() => parseInputs('W = [[1, 2], [3]]')).toThrow(ParseError);
    expect(() => parseInputs('a = 1, a = 2')).toThrow(/twice/);
  });
});

describe('stepper schedule', () => {
  it('steps through tanh(a·b + c) with the analytic gradients', () => {
    const [a, b, c] = [0.5, -1, 0.25];
    const graph = buildGraph(parseExpression('tanh(a*b + c)'), parseInputs(`a = ${a}, b = ${b}, c = ${c}`));
    const schedule = backwardSchedule(graph);
    const label = (i: number): string => graph.nodes[i]!.label;
    expect(schedule.topo.map(label)).toEqual(['a', 'b', 'mul', 'c', 'add', 'tanh']);
    expect(schedule.steps.map((s) => label(s.node))).toEqual(['tanh', 'add', 'c', 'mul', 'b', 'a']);
    const dtanh = 1 - Math.tanh(a * b + c) ** 2;
    const aIndex = graph.nodes.findIndex((n) => n.label === 'a');
    const dA = schedule.steps.map((_, k) => gradsAfter(graph, schedule, k + 1)[aIndex]?.[0] ?? 0);
    expect(dA[0]).toBe(0);
    expect(dA[1]).toBe(0);
    expect(dA[3]).toBeCloseTo(dtanh * b, 15);
    expect(schedule.steps[0]!.passes[0]!.grad[0]).toBeCloseTo(dtanh, 15);
    const result = verify(parseExpression('tanh(a*b + c)'), graph, schedule);
    expect(result.matches).toBe(true);
    expect(result.gradcheck).toBe(true);
    expect(result.inputs.map((x) => x.nabla[0])).toEqual([dtanh * b, dtanh * a, dtanh].map((v) => expect.closeTo(v, 14)));
  });

  it('accumulates at fan-in and sums broadcast gradients', () => {
    const graph = buildGraph(parseExpression('sum(x * x + b)'), parseInputs('x = [[1, 2], [3, 4]], b = 0.5'));
    const schedule = backwardSchedule(graph);
    const grad = (name: string): number[] => Array.from(schedule.grads[graph.nodes.findIndex((n) => n.label === name)]!);
    expect(grad('x')).toEqual([2, 4, 6, 8]);
    expect(grad('b')).toEqual([4]);
  });

  it('matches nabla backward() and gradcheck on every preset', () => {
    for (const preset of PRESETS) {
      const ast = parseExpression(preset.expression);
      const graph = buildGraph(ast, parseInputs(preset.inputs));
      const schedule = backwardSchedule(graph);
      const result = verify(ast, graph, schedule);
      expect(result.value, preset.name).toBeCloseTo(graph.nodes[graph.root]!.data[0]!, 12);
      expect(result.matches, preset.name).toBe(true);
      expect(result.gradcheck, preset.name).toBe(true);
    }
  });

  it("checks nabla's Value engine on scalar expressions only", () => {
    const run = (expression: string, inputs: string) => {
      const ast = parseExpression(expression);
      const graph = buildGraph(ast, parseInputs(inputs));
      const schedule = backwardSchedule(graph);
      return { graph, schedule, check: verify(ast, graph, schedule).valueEngine };
    };
    const neuron = PRESETS.find((p) => p.name === 'a neuron')!;
    for (const [expression, inputs] of [['tanh(a*b + c)', 'a = 0.5, b = -1, c = 0.25'], [neuron.expression, neuron.inputs], ['(a - b) ^ 2 / exp(-a) + log(sigmoid(relu(b)) * 2)', 'a = 0.5, b = 1.5']]) {
      const { graph, schedule, check } = run(expression!, inputs!);
      if (!check.applicable) throw new Error(`${expression}: Value engine not applicable: ${check.reason}`);
      expect(check.matches, expression).toBe(true);
      expect(check.error).toBe('');
      expect(check.svg).toContain('<svg');
      const names = graph.nodes.filter((n) => n.kind === 'input').map((n) => n.label);
      expect(check.inputs.map((x) => x.name)).toEqual(names);
      for (const x of check.inputs) {
        const stepper = schedule.grads[graph.nodes.findIndex((n) => n.label === x.name)]![0]!;
        expect(Math.abs(x.grad - stepper), `${expression} d/d${x.name}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(x.grad)));
      }
    }
    const t = Math.tanh(0.5 * -1 + 0.25);
    const small = run('tanh(a*b + c)', 'a = 0.5, b = -1, c = 0.25').check;
    expect(small.applicable && small.inputs.map((x) => x.grad)).toEqual([(1 - t * t) * -1, (1 - t * t) * 0.5, 1 - t * t].map((v) => expect.closeTo(v, 14)));
    // tensors, or ops Value lacks: not applicable, no error
    for (const [expression, inputs] of [['sum(x * x + b)', 'x = [[1, 2], [3, 4]], b = 0.5'], ['sum(a * 2)', 'a = 3']]) {
      const check = run(expression!, inputs!).check;
      expect(check.applicable, expression).toBe(false);
      expect(!check.applicable && check.reason).toMatch(/scalar expressions only/);
    }
  });

  it('rejects shape errors and non-scalar roots', () => {
    expect(() => buildGraph(parseExpression('x @ x'), parseInputs('x = [1, 2]'))).toThrow(/matmul needs/);
    expect(() => buildGraph(parseExpression('a + z'), parseInputs('a = 1'))).toThrow(/no input named 'z'/);
    expect(() => backwardSchedule(buildGraph(parseExpression('x * 2'), parseInputs('x = [1, 2]')))).toThrow(/scalar/);
  });
});
