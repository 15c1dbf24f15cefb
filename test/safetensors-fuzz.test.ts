/**
 * Fuzzing the safetensors readers with mutated valid files (every dtype nabla reads): bytes flipped or
 * overwritten in the length, the header and the data, files truncated and extended, and JSON edits
 * spliced into the header (overlapping and out-of-order ranges, repeated names, wrong shapes, unknown
 * dtypes, huge and non-integer numbers, a header length past the end). fromSafetensors and
 * SafetensorsReader must each load the file or throw one of nabla's typed errors (a NablaError) — never
 * a RangeError, TypeError or hang — and must agree: the same tensors, or the same error. The shard index
 * parser and the shard readers get the same treatment with mutated index JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NablaError, SafetensorsReader, ShardedSafetensorsReader, fromSafetensors, fromShardedSafetensors, parseSafetensorsIndex, tensor,
  toShardedSafetensors, type Tensor,
} from '../src/index.js';

const BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};
const CODES = Object.keys(BYTES);

interface Spec { name: string; code: string; shape: number[] }

const specsArb = fc.uniqueArray(
  fc.record({
    name: fc.constantFrom('w', 'b', 'fc.weight', 'running_mean', '__proto__', 'é', 'constructor'),
    code: fc.constantFrom(...CODES),
    shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  }),
  { selector: (s) => s.name, minLength: 1, maxLength: 4 },
);
const numel = (shape: number[]): number => shape.reduce((p, s) => p * s, 1);

/** Makes raw random element bytes valid for the dtype (BOOL 0/1, 64-bit and U32 values within int32), when `fit`. */
function fitValues(code: string, bytes: Uint8Array, fit: boolean): void {
  if (code === 'BOOL') bytes.forEach((b, i) => (bytes[i] = b & 1));
  if (!fit) return;
  const size = BYTES[code]!;
  for (let at = 0; at < bytes.length; at += size) {
    if (code === 'U32' || code === 'U64') bytes[at + 3]! &= 0x7f;
    if (size === 8) bytes.fill(code === 'I64' && bytes[at + 3]! & 0x80 ? 0xff : 0, at + 4, at + 8);
  }
}

/** A valid safetensors file: header (with metadata, space-padded to 8 bytes) and the data of each spec. */
function build(specs: Spec[], data: Uint8Array, fit: boolean): { header: Record<string, unknown>; data: Uint8Array } {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const s of specs) {
    const n = numel(s.shape) * BYTES[s.code]!;
    fitValues(s.code, data.subarray(offset, offset + n), fit);
    Object.defineProperty(header, s.name, { value: { dtype: s.code, shape: s.shape, data_offsets: [offset, offset + n] }, enumerable: true, writable: true, configurable: true });
    offset += n;
  }
  return { header, data: data.subarray(0, offset) };
}

function assemble(headerText: string, data: Uint8Array, declared?: bigint): Uint8Array {
  const text = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

const validFile = specsArb.chain((specs) => {
  const size = specs.reduce((sum, s) => sum + numel(s.shape) * BYTES[s.code]!, 0);
  return fc.tuple(fc.constant(specs), fc.uint8Array({ minLength: size, maxLength: size }), fc.boolean());
});

type Outcome = { ok: true; tensors: Record<string, Tensor>; dtypes: Record<string, string>; metadata: Record<string, string> } | { ok: false; error: NablaError };

/** The error without its `[op]` (the two readers name themselves), for comparing them. */
const gist = (e: NablaError): string => (/at least 8 bytes/.test(e.message) ? 'too short' : e.message.replace(/^\[[^\]]+\] /, ''));

function catchTyped<T>(fn: () => T): T | NablaError {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof NablaError)) throw e; // a TypeError, RangeError, … fails the property
    return e;
  }
}

async function viaReader(f: Uint8Array, blob: boolean): Promise<Outcome> {
  try {
    const reader = await SafetensorsReader.open(blob ? new Blob([f]) : f);
    return { ok: true, tensors: await reader.tensors(), dtypes: reader.dtypes, metadata: reader.metadata };
  } catch (e) {
    if (!(e instanceof NablaError)) throw e;
    expect(e.message).toMatch(/^\[SafetensorsReader\.(open|tensor)\] /);
    return { ok: false, error: e };
  }
}

const bits = (t: Tensor): number[] => Array.from(new Uint8Array(t.toTypedArray().buffer, t.toTypedArray().byteOffset, t.toTypedArray().byteLength));

/** Both readers load `f` alike or throw the same typed error. */
async function bothAgree(f: Uint8Array, blob: boolean): Promise<void> {
  const direct = catchTyped(() => fromSafetensors(f));
  const pieces = await viaReader(f, blob);
  if (direct instanceof NablaError) {
    expect(direct.message).toMatch(/^\[fromSafetensors\] /);
    expect(pieces.ok, `the reader loaded what fromSafetensors refused: ${direct.message}`).toBe(false);
    if (!pieces.ok) expect([pieces.error.constructor.name, gist(pieces.error)]).toEqual([direct.constructor.name, gist(direct)]);
    return;
  }
  expect(pieces.ok, `fromSafetensors loaded what the reader refused: ${pieces.ok ? '' : pieces.error.message}`).toBe(true);
  if (!pieces.ok) return;
  expect([pieces.dtypes, pieces.metadata]).toEqual([direct.dtypes, direct.metadata]);
  for (const [name, t] of Object.entries(direct.tensors)) {
    const u = pieces.tensors[name]!;
    expect([u.dtype, u.shape, bits(u)]).toEqual([t.dtype, t.shape, bits(t)]);
    expect(t.toTypedArray().length).toBe(t.numel());
  }
}

const HUGE = [2 ** 53, 2 ** 64, 1e308, -1, 1.5, '8', null, 2 ** 31, 2 ** 32 + 4];
const someValue = fc.oneof(fc.integer({ min: -2, max: 200 }), fc.constantFrom(...HUGE));
const edit = fc.oneof(
  fc.record({ kind: fc.constant('offset' as const), at: fc.nat(), value: someValue }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), value: fc.nat() }),
  fc.record({ kind: fc.constant('shape' as const), at: fc.nat(), value: fc.oneof(someValue, fc.constant('[2]')) }),
  fc.record({ kind: fc.constant('dtype' as const), at: fc.nat(), value: fc.constantFrom(...CODES, 'C64', 'F8_E8M0', 'F4', '', '__proto__', 'toString', 5, null) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), value: fc.constantFrom('dtype', 'shape', 'data_offsets') }),
  fc.record({ kind: fc.constant('entry' as const), at: fc.nat(), value: fc.constantFrom(null, 3, [], 'x', {}) }),
  fc.record({ kind: fc.constant('metadata' as const), at: fc.nat(), value: fc.constantFrom({ a: 1 }, 'x', {}, null, { a: 'b', c: ['d'] }, undefined) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ kind: fc.constant('text' as const), at: fc.nat(), value: fc.string({ maxLength: 4 }) }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

/** Applies one edit to the header text (JSON edits go through the parsed object; text edits splice characters). */
function applyEdit(text: string, e: Edit): string {
  if (e.kind === 'text') {
    const at = e.at % (text.length + 1);
    return text.slice(0, at) + e.value + text.slice(at + e.value.length);
  }
  if (e.kind === 'duplicate') return text.replace(/^\{("[^"]*":\{[^}]*\})/, '{$1,$1');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return text;
  if (e.kind === 'metadata') header.__metadata__ = e.value;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  if (names.length === 0 || e.kind === 'metadata') return JSON.stringify(header);
  const name = names[e.at % names.length]!;
  const entry = header[name] as Record<string, unknown>;
  if (e.kind === 'entry') header[name] = e.value;
  else if (typeof entry !== 'object' || entry === null) return text;
  else if (e.kind === 'dtype') entry.dtype = e.value;
  else if (e.kind === 'drop') delete entry[e.value];
  else {
    const list = (key: string): unknown[] => (Array.isArray(entry[key]) ? entry[key] : (entry[key] = [])) as unknown[];
    if (e.kind === 'offset') list('data_offsets')[e.at % 2] = e.value;
    else if (e.kind === 'shape') list('shape')[e.at % 3] = e.value;
    else {
      const other = header[names[e.value % names.length]!] as Record<string, unknown> | null;
      if (typeof other === 'object' && other !== null) [entry.data_offsets, other.data_offsets] = [other.data_offsets, entry.data_offsets];
    }
  }
  return JSON.stringify(header);
}

/** Byte-level mutations: overwrite bytes (often in the length or the header), truncate, extend. */
const byteEdits = fc.record({
  flips: fc.array(fc.tuple(fc.oneof(
    { weight: 1, arbitrary: fc.nat({ max: 7 }) }, // the length
    { weight: 3, arbitrary: fc.integer({ min: 8, max: 120 }) }, // mostly the header
    { weight: 3, arbitrary: fc.nat() }, // anywhere
  ), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
  cut: fc.oneof( // keep the first `cut` bytes: often none cut, sometimes anywhere, sometimes a few off the end
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.nat() },
    { weight: 1, arbitrary: fc.integer({ min: -8, max: -1 }) },
  ),
  extend: fc.option(fc.uint8Array({ minLength: 1, maxLength: 9 })),
});

function mutateBytes(valid: Uint8Array, m: { flips: [number, number][]; cut: number | null; extend: Uint8Array | null }): Uint8Array {
  let f = valid.slice(0, m.cut === null ? valid.length : m.cut < 0 ? Math.max(0, valid.length + m.cut) : m.cut % (valid.length + 1));
  for (const [i, b] of m.flips) if (f.length > 0) f[i % f.length] = b;
  if (m.extend !== null) f = Uint8Array.from([...f, ...m.extend]);
  return f;
}

/** The declared header length: mostly the true one (null), sometimes forced (past the end, over the limit, short). */
const DECLARED = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom(2n ** 64n - 1n, 2n ** 63n, 100_000_001n), fc.bigInt({ min: 0n, max: 600n })) },
);

describe('the safetensors readers on mutated files (fuzz)', () => {
  it('byte flips, overwrites, truncations and extensions of valid files of every dtype', async () => {
    await fc.assert(fc.asyncProperty(validFile, byteEdits, fc.boolean(), async ([specs, data, fit], m, blob) => {
      const { header, data: d } = build(specs, data, fit);
      const valid = assemble(JSON.stringify(header), d);
      await bothAgree(mutateBytes(valid, m), blob);
    }), { numRuns: 300 });
  });

  it('JSON edits spliced into the header, with the declared length kept or forced', async () => {
    await fc.assert(fc.asyncProperty(validFile, fc.array(edit, { minLength: 1, maxLength: 3 }), DECLARED, async ([specs, data, fit], edits, declared) => {
      const { header, data: d } = build(specs, data, fit);
      const text = edits.reduce(applyEdit, JSON.stringify(header));
      await bothAgree(assemble(text, d, declared ?? undefined), false);
    }), { numRuns: 300 });
  });

  it('unmutated files load, with every dtype converted', async () => {
    await fc.assert(fc.asyncProperty(validFile, async ([specs, data]) => {
      const { header, data: d } = build(specs, data, true);
      const { tensors, dtypes } = fromSafetensors(assemble(JSON.stringify(header), d));
      expect(Object.keys(tensors)).toEqual(specs.map((s) => s.name));
      for (const s of specs) expect([dtypes[s.name], tensors[s.name]!.shape]).toEqual([s.code, s.shape]);
      await bothAgree(assemble(JSON.stringify(header), d), true);
    }), { numRuns: 100 });
  });
});

describe('the shard index parser and the shard readers on mutated index JSON (fuzz)', () => {
  const state = { a: tensor([1, 2]), b: tensor([3]), c: tensor([4, 5, 6], { dtype: 'int32' }), d: tensor([true]) };
  const { indexJson, shards } = toShardedSafetensors(state, { maxShardSize: 8 });
  const files = Object.keys(shards);
  const indexEdit = fc.oneof(
    fc.record({ kind: fc.constant('text' as const), at: fc.nat(), value: fc.string({ maxLength: 4 }) }),
    fc.record({ kind: fc.constant('file' as const), at: fc.nat(), value: fc.constantFrom(...files, 'missing.safetensors', '../x', '', 7, null, '..') }),
    fc.record({ kind: fc.constant('name' as const), at: fc.nat(), value: fc.constantFrom('a', 'b', 'z', '__proto__', '') }),
    fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), value: fc.constant('') }),
    fc.record({ kind: fc.constant('metadata' as const), at: fc.nat(), value: fc.constantFrom({ total_size: -1 }, { total_size: 1.5 }, [], null, 'x', {}, { total_size: 2 ** 60 }) }),
    fc.record({ kind: fc.constant('top' as const), at: fc.nat(), value: fc.constantFrom(null, [], 'x', 3, {}) }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), value: fc.constant('') }),
  );
  type IndexEdit = typeof indexEdit extends fc.Arbitrary<infer T> ? T : never;

  function applyIndexEdit(text: string, e: IndexEdit): string {
    if (e.kind === 'text') {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + e.value + text.slice(at + e.value.length);
    }
    if (e.kind === 'repeat') return text.replace(/("weight_map": \{\s*)("[^"]*": "[^"]*")/, '$1$2, $2');
    let index: Record<string, unknown>;
    try {
      index = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return text;
    }
    if (typeof index !== 'object' || index === null) return text;
    const map = index.weight_map as Record<string, unknown> | undefined;
    const names = typeof map === 'object' && map !== null ? Object.keys(map) : [];
    const name = names[e.at % Math.max(names.length, 1)];
    if (e.kind === 'metadata') index.metadata = e.value;
    else if (e.kind === 'top') index.weight_map = e.value;
    else if (name === undefined) return text;
    else if (e.kind === 'file') map![name] = e.value;
    else if (e.kind === 'drop') delete map![name];
    else {
      map![e.value] = map![name];
      delete map![name];
    }
    return JSON.stringify(index, null, 2);
  }

  it('parseSafetensorsIndex, fromShardedSafetensors and ShardedSafetensorsReader load or throw the same typed error', async () => {
    await fc.assert(fc.asyncProperty(fc.array(indexEdit, { minLength: 1, maxLength: 4 }), fc.boolean(), async (edits, asObject) => {
      const text = edits.reduce(applyIndexEdit, indexJson);
      let given: string | object = text;
      if (asObject) {
        try {
          given = JSON.parse(text) as object;
        } catch {
          given = text;
        }
      }
      const parsed = catchTyped(() => parseSafetensorsIndex(given));
      const direct = catchTyped(() => fromShardedSafetensors(given, shards));
      let pieces: NablaError | Record<string, Tensor>;
      try {
        pieces = await (await ShardedSafetensorsReader.open(given, shards)).tensors();
      } catch (e) {
        if (!(e instanceof NablaError)) throw e;
        pieces = e;
      }
      if (parsed instanceof NablaError) expect(direct).toBeInstanceOf(NablaError);
      if (direct instanceof NablaError) {
        expect(pieces, direct.message).toBeInstanceOf(NablaError);
        expect(gist(pieces as NablaError)).toBe(gist(direct));
      } else {
        expect(pieces).not.toBeInstanceOf(NablaError);
        for (const [name, t] of Object.entries(direct.tensors)) expect(bits((pieces as Record<string, Tensor>)[name]!)).toEqual(bits(t));
      }
    }), { numRuns: 300 });
  });
});
