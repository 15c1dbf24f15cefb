/**
 * The library compiles no code from strings: no `eval`, no `Function` constructor. A page whose
 * Content-Security-Policy lacks 'unsafe-eval' refuses both, and every op would throw EvalError.
 * The check parses each source file with the TypeScript compiler, so comments, strings and names that
 * merely contain the words (`model.eval()`, a method named `eval`, `FunctionContext`) are not flagged.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const FORBIDDEN = new Set(['eval', 'Function']);
const GLOBALS = new Set(['globalThis', 'window', 'self', 'global']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.[cm]?[jt]s$/.test(path) ? [path] : [];
  });
}

/** `eval`, `(0, eval)`, `globalThis.eval` (and the same for `Function`): the callee, unwrapped. */
function isForbiddenCallee(node: ts.Expression): boolean {
  while (ts.isParenthesizedExpression(node) || (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.CommaToken)) {
    node = ts.isParenthesizedExpression(node) ? node.expression : node.right;
  }
  if (ts.isIdentifier(node)) return FORBIDDEN.has(node.text);
  return ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && GLOBALS.has(node.expression.text) && FORBIDDEN.has(node.name.text);
}

/** Each call of `eval` or of the `Function` constructor (with or without `new`) in `source`, as `line: code`. */
function codeFromStrings(source: string, name = 'snippet.ts'): string[] {
  const file = ts.createSourceFile(name, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && isForbiddenCallee(node.expression)) {
      const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
      found.push(`${line}: ${node.getText(file).slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('CSP safety (no code compiled from strings)', () => {
  it('the check finds eval and the Function constructor, however they are called', () => {
    const snippets = [
      "const f = new Function('x', 'return x');",
      "const g = Function('return this')();",
      "eval('1 + 1');",
      '(0, eval)(src);',
      'globalThis.eval(src);',
      "new globalThis.Function('a', 'return a');",
    ];
    for (const s of snippets) expect(codeFromStrings(s), s).toHaveLength(1);
  });

  it('the check ignores comments, strings, methods named eval and names that contain the words', () => {
    const source = [
      '// new Function(src) would break under CSP; so would eval(src)',
      '/* eval(x) */',
      "const msg = 'call eval(x) or new Function(y)';",
      'model.eval();',
      'class M { eval(): this { return this; } }',
      "const ctx = new FunctionContext('op', []);",
      'type F = Function;',
    ].join('\n');
    expect(codeFromStrings(source)).toEqual([]);
  });

  it('no source file under src calls eval or the Function constructor', () => {
    const paths = files(SRC);
    expect(paths.length).toBeGreaterThan(100); // the walk did find the sources
    const found = paths.flatMap((path) => {
      const rel = relative(SRC, path);
      return codeFromStrings(readFileSync(path, 'utf8'), rel).map((hit) => `${rel}:${hit}`);
    });
    expect(found).toEqual([]);
  });
});
