/**
 * Containers: Sequential, ModuleList, ModuleDict. Their children are named by position (or key),
 * as PyTorch's: `features.0.weight`.
 */
import { ArgumentError, check, fmt } from '../../base/errors.js';
import { Module } from '../module.js';

function checkModules(modules: readonly unknown[], op: string): void {
  modules.forEach((m, i) => check(m instanceof Module, ArgumentError, () => `[${op}] item ${i} must be a Module, got ${fmt(m)}`));
}

/**
 * Modules applied in order, each to the previous one's output.
 * @example
 * const mlp = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * mlp.forward(x); // [N, 10]
 */
export class Sequential extends Module {
  protected readonly _items: Module[];

  constructor(...modules: Module[]) {
    super();
    checkModules(modules, new.target.name);
    this._items = modules;
  }

  protected override childEntries(): [string, Module][] {
    return this._items.map((m, i) => [String(i), m]);
  }

  protected override setChild(name: string, module: Module): void {
    this._items[Number(name)] = module;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const m = this._items.at(i);
    check(m !== undefined, ArgumentError, () => `[${this.constructor.name}] index ${i} is out of range for ${this._items.length} modules`);
    return m;
  }

  get length(): number {
    return this._items.length;
  }

  append(module: Module): this {
    checkModules([module], this.constructor.name);
    this._items.push(module);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this._items[Symbol.iterator]();
  }

  forward(x: unknown): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    let y = x;
    for (const m of this._items) y = m.forward(y);
    return y;
  }
}

/**
 * A list of modules, registered (and named `0`, `1`, …); it has no forward of its own.
 * @example
 * class Net extends Module { layers = new ModuleList([new Linear(4, 4), new Linear(4, 2)]); forward(x: Tensor) { ... } }
 */
export class ModuleList extends Sequential {
  constructor(modules: readonly Module[] = []) {
    super(...modules);
  }

  override forward(): never {
    throw new ArgumentError('[ModuleList] has no forward; iterate over its modules');
  }
}

/**
 * Modules by name, registered (and named by their keys).
 * @example
 * const heads = new ModuleDict({ cls: new Linear(64, 10), box: new Linear(64, 4) });
 * heads.get('cls').forward(x);
 */
export class ModuleDict extends Module {
  private readonly _entries: Map<string, Module>;

  constructor(modules: Record<string, Module> = {}) {
    super();
    checkModules(Object.values(modules), 'ModuleDict');
    this._entries = new Map(Object.entries(modules));
  }

  protected override childEntries(): [string, Module][] {
    return [...this._entries];
  }

  protected override setChild(name: string, module: Module): void {
    this._entries.set(name, module);
  }

  get(key: string): Module {
    const m = this._entries.get(key);
    check(m !== undefined, ArgumentError, () => `[ModuleDict] no module named "${key}"; keys: ${[...this._entries.keys()].join(', ')}`);
    return m;
  }

  set(key: string, module: Module): this {
    checkModules([module], 'ModuleDict');
    this._entries.set(key, module);
    return this;
  }

  keys(): string[] {
    return [...this._entries.keys()];
  }

  forward(): never {
    throw new ArgumentError('[ModuleDict] has no forward; get its modules by key');
  }
}
