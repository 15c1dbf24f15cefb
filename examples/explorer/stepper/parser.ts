/**
 * The stepper's expression language: a tokenizer and a recursive-descent parser to an AST (never eval).
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | '@') unary)*          × and ÷ (and − for minus) are accepted too
 *   unary   := '-' unary | power
 *   power   := atom (('^' | '**') unary)?                right-associative
 *   atom    := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
 *
 * Inputs are written `a = 2, b = -3, W = [[1, 2], [3, 4]]` (numbers or nested lists of up to 2 dims).
 * Every error is a `ParseError` with the 0-based position of the offending character.
 */

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'matmul';
export type UnaryOp = 'neg' | 'exp' | 'log' | 'tanh' | 'relu' | 'sigmoid' | 'sum' | 'mean' | 'transpose';

export type Ast =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'input'; name: string; pos: number }
  | { kind: 'unary'; op: UnaryOp; arg: Ast; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: Ast; right: Ast; pos: number };

/** A syntax error at `pos` (0-based, in the text parsed). */
export class ParseError extends Error {
  override name = 'ParseError';
  constructor(message: string, readonly pos: number) {
    super(`${message} (at ${pos + 1})`);
  }
}

type TokenKind = 'number' | 'name' | 'op' | '(' | ')' | '[' | ']' | ',' | '=' | 'end';
export interface Token { kind: TokenKind; text: string; pos: number }

const SYMBOLS: Record<string, string> = { '×': '*', '·': '*', '÷': '/', '−': '-' };

/** The tokens of `text`, ending with an 'end' token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    const start = i;
    if (/[0-9.]/.test(ch)) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      if (m === null) throw new ParseError(`bad number '${ch}'`, i);
      tokens.push({ kind: 'number', text: m[0], pos: start });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'name', text: m[0], pos: start });
      i += m[0].length;
    } else if (text.startsWith('**', i)) {
      tokens.push({ kind: 'op', text: '^', pos: start });
      i += 2;
    } else if ('+-*/^@'.includes(ch) || ch in SYMBOLS) {
      tokens.push({ kind: 'op', text: SYMBOLS[ch] ?? ch, pos: start });
      i++;
    } else if ('()[],='.includes(ch)) {
      tokens.push({ kind: ch as TokenKind, text: ch, pos: start });
      i++;
    } else {
      throw new ParseError(`unexpected character '${ch}'`, i);
    }
  }
  tokens.push({ kind: 'end', text: '', pos: text.length });
  return tokens;
}

const UNARY_FUNCTIONS: readonly UnaryOp[] = ['exp', 'log', 'tanh', 'relu', 'sigmoid', 'sum', 'mean', 'transpose'];
const BINARY_FUNCTIONS: readonly BinaryOp[] = ['pow', 'matmul'];
/** The function names the language knows. */
export const FUNCTIONS: readonly string[] = [...UNARY_FUNCTIONS, ...BINARY_FUNCTIONS];
const INFIX: Record<string, BinaryOp> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '@': 'matmul' };

class Cursor {
  i = 0;
  constructor(readonly tokens: Token[]) {}
  peek(): Token { return this.tokens[this.i]!; }
  next(): Token { return this.tokens[this.i++]!; }
  expect(kind: TokenKind, what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) throw new ParseError(`expected ${what}, got ${describe(t)}`, t.pos);
    return this.next();
  }
  isOp(...ops: string[]): boolean {
    const t = this.peek();
    return t.kind === 'op' && ops.includes(t.text);
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end' : `'${t.text}'`;
}

/**
 * The AST of an expression.
 * @example
 * parseExpression('tanh(a*b + c)'); // { kind: 'unary', op: 'tanh', arg: { kind: 'binary', op: 'add', ... } }
 */
export function parseExpression(text: string): Ast {
  const c = new Cursor(tokenize(text));
  if (c.peek().kind === 'end') throw new ParseError('empty expression', 0);
  const ast = expr(c);
  const t = c.peek();
  if (t.kind !== 'end') throw new ParseError(`unexpected ${describe(t)}`, t.pos);
  return ast;
}

function expr(c: Cursor): Ast {
  let left = term(c);
  while (c.isOp('+', '-')) {
    const t = c.next();
    left = { kind: 'binary', op: INFIX[t.text]!, left, right: term(c), pos: t.pos };
  }
  return left;
}

function term(c: Cursor): Ast {
  let left = unary(c);
  while (c.isOp('*', '/', '@')) {
    const t = c.next();
    left = { kind: 'binary', op: INFIX[t.text]!, left, right: unary(c), pos: t.pos };
  }
  return left;
}

function unary(c: Cursor): Ast {
  if (c.isOp('-')) {
    const t = c.next();
    return { kind: 'unary', op: 'neg', arg: unary(c), pos: t.pos };
  }
  if (c.isOp('+')) c.next();
  return power(c);
}

function power(c: Cursor): Ast {
  const base = atom(c);
  if (c.isOp('^')) {
    const t = c.next();
    return { kind: 'binary', op: 'pow', left: base, right: unary(c), pos: t.pos };
  }
  return base;
}

function atom(c: Cursor): Ast {
  const t = c.next();
  if (t.kind === 'number') return { kind: 'number', value: Number(t.text), pos: t.pos };
  if (t.kind === '(') {
    const inner = expr(c);
    c.expect(')', "')'");
    return inner;
  }
  if (t.kind === 'name') {
    if (c.peek().kind !== '(') {
      if (FUNCTIONS.includes(t.text)) throw new ParseError(`${t.text} is a function: write ${t.text}(...)`, t.pos);
      return { kind: 'input', name: t.text, pos: t.pos };
    }
    c.next();
    const args = [expr(c)];
    while (c.peek().kind === ',') {
      c.next();
      args.push(expr(c));
    }
    c.expect(')', "')'");
    const unaryOp = UNARY_FUNCTIONS.find((f) => f === t.text);
    const binaryOp = BINARY_FUNCTIONS.find((f) => f === t.text);
    const arity = unaryOp !== undefined ? 1 : binaryOp !== undefined ? 2 : -1;
    if (arity < 0) throw new ParseError(`unknown function '${t.text}' (known: ${FUNCTIONS.join(', ')})`, t.pos);
    if (args.length !== arity) throw new ParseError(`${t.text} takes ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length}`, t.pos);
    if (unaryOp !== undefined) return { kind: 'unary', op: unaryOp, arg: args[0]!, pos: t.pos };
    return { kind: 'binary', op: binaryOp!, left: args[0]!, right: args[1]!, pos: t.pos };
  }
  throw new ParseError(`expected a number, a name or '(', got ${describe(t)}`, t.pos);
}

/** A named input: its values in row-major order and its shape ([] for a scalar). */
export interface InputValue { name: string; shape: number[]; values: number[] }

/**
 * The inputs written `a = 2, b = -3, W = [[1, 2], [3, 4]]` (newlines or commas between them).
 * @example
 * parseInputs('a = 2, W = [[1, 2]]'); // [{ name: 'a', shape: [], values: [2] }, { name: 'W', shape: [1, 2], values: [1, 2] }]
 */
export function parseInputs(text: string): InputValue[] {
  const c = new Cursor(tokenize(text.replace(/[\n;]/g, ',')));
  const out: InputValue[] = [];
  while (c.peek().kind !== 'end') {
    if (c.peek().kind === ',') { c.next(); continue; }
    const name = c.expect('name', 'an input name');
    if (FUNCTIONS.includes(name.text)) throw new ParseError(`'${name.text}' is a function name`, name.pos);
    if (out.some((x) => x.name === name.text)) throw new ParseError(`'${name.text}' is given twice`, name.pos);
    c.expect('=', "'='");
    const pos = c.peek().pos;
    const literal = nestedLiteral(c, 0);
    const shape = shapeOf(literal, pos);
    out.push({ name: name.text, shape, values: [literal].flat(3) as number[] });
    const t = c.peek();
    if (t.kind !== ',' && t.kind !== 'end') throw new ParseError(`expected ',' between inputs, got ${describe(t)}`, t.pos);
  }
  return out;
}

type Nested = number | Nested[];

function nestedLiteral(c: Cursor, depth: number): Nested {
  let sign = 1;
  while (c.isOp('-', '+')) if (c.next().text === '-') sign = -sign;
  const t = c.next();
  if (t.kind === 'number') return sign * Number(t.text);
  if (t.kind === '[' && sign === 1) {
    if (depth >= 2) throw new ParseError('inputs have at most 2 dimensions', t.pos);
    const items: Nested[] = [nestedLiteral(c, depth + 1)];
    while (c.peek().kind === ',') {
      c.next();
      items.push(nestedLiteral(c, depth + 1));
    }
    c.expect(']', "']'");
    return items;
  }
  throw new ParseError(`expected a number or '[', got ${describe(t)}`, t.pos);
}

function shapeOf(x: Nested, pos: number): number[] {
  if (typeof x === 'number') return [];
  const inner = x.map((item) => shapeOf(item, pos));
  if (inner.some((s) => s.join() !== inner[0]!.join())) throw new ParseError('rows of different lengths', pos);
  return [x.length, ...inner[0]!];
}
