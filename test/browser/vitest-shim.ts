/**
 * Stands in for 'vitest' when test/browser/page.ts is bundled for the browser: the op table's helpers
 * import `describe`, `it` and `expect`, but the page only reads the table's rows and never calls them.
 */
function unavailable(name: string): never {
  throw new Error(`[browser tests] vitest's ${name} is not available in the page`);
}

export const describe = (): never => unavailable('describe');
export const it = (): never => unavailable('it');
export const expect = (): never => unavailable('expect');
