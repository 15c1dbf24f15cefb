/**
 * fromSafetensors checks files against the format (huggingface/safetensors: a u64 header length, a
 * JSON object header, byte ranges that tile the data section exactly) and throws a typed error naming
 * the tensor; a fuzz test mutates valid files and asserts that each one loads or throws a NablaError.
 * Also: loadStateDict explains the `{ tensors, metadata }` mistake.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, DTypeError, NablaError, ShapeError, fromSafetensors, nn, tensor, toSafetensors, type Tensor,
} from '../src/index.js';
import { expectError } from './helpers/expect.js';

/** A safetensors file from a header (object or raw text) and data bytes; `declared` overrides the header length. */
function file(header: object | string, data: ArrayLike<number> = [], declared?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(Array.from(data), 8 + text.length);
  return out;
}

const f32 = (shape: number[], begin: number, end: number): object => ({ dtype: 'F32', shape, data_offsets: [begin, end] });
const bytes = (n: number): number[] => Array.from({ length: n }, (_, i) => i % 7);
const load = (f: Uint8Array) => () => fromSafetensors(f);

describe('fromSafetensors rejects files that break the format', () => {
  it('overlapping, gapped, trailing and reversed byte ranges', () => {
    expectError(load(file({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, bytes(12))), ArgumentError,
      '[fromSafetensors] "b" (bytes [4, 12)) overlaps "a" (bytes [0, 8))');
    expectError(load(file({ a: f32([2], 0, 8), b: f32([2], 0, 8) }, bytes(8))), ArgumentError,
      '[fromSafetensors] "b" (bytes [0, 8)) overlaps "a" (bytes [0, 8))');
    expectError(load(file({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, bytes(12))), ArgumentError,
      '[fromSafetensors] bytes [4, 8) before "b" belong to no tensor: the byte ranges must tile the data section');
    expectError(load(file({ a: f32([1], 4, 8) }, bytes(8))), ArgumentError,
      '[fromSafetensors] bytes [0, 4) before "a" belong to no tensor: the byte ranges must tile the data section');
    expectError(load(file({ a: f32([1], 0, 4) }, bytes(8))), ArgumentError,
      '[fromSafetensors] bytes [4, 8) after "a" belong to no tensor: the byte ranges must tile the data section');
    expectError(load(file({}, bytes(4))), ArgumentError,
      '[fromSafetensors] bytes [0, 4) of the data belong to no tensor: the byte ranges must tile the data section');
    expectError(load(file({ a: f32([1], 8, 4) }, bytes(8))), ArgumentError,
      '[fromSafetensors] "a" has data_offsets [8,4]: expected [begin, end] with 0 <= begin <= end');
    expectError(load(file({ a: f32([4], 0, 16) }, bytes(8))), ArgumentError,
      '[fromSafetensors] "a" has byte range [0, 16), past the end of the 8 data bytes');
    expectError(load(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, bytes(4))), ArgumentError,
      '[fromSafetensors] "a" has data_offsets [0]: expected [begin, end] with 0 <= begin <= end');
  });

  it('accepts ranges listed in any header order, and empty tensors anywhere (as PyTorch writes them)', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    const { tensors } = fromSafetensors(file({ b: f32([2], 4, 12), e: f32([0, 2], 4, 4), a: f32([1], 0, 4) }, data));
    expect(tensors.a!.toArray()).toEqual([1]);
    expect(tensors.b!.toArray()).toEqual([2, 3]);
    expect(tensors.e!.shape).toEqual([0, 2]);
  });

  it('a header past the end, bad UTF-8, not JSON, not an object', () => {
    expectError(load(file({ a: f32([1], 0, 4) }, bytes(4), 10_000n)), ArgumentError,
      '[fromSafetensors] the header length 10000 runs past the end of the 66 bytes given');
    expectError(load(file('{}', [], 2n ** 64n - 1n)), ArgumentError,
      '[fromSafetensors] the header length 18446744073709551615 runs past the end of the 10 bytes given');
    const badUtf8 = file('{"a":1}');
    badUtf8[10] = 0xff;
    expectError(load(badUtf8), ArgumentError, '[fromSafetensors] the header is not valid UTF-8');
    expectError(load(file('{"a": {"dtype": "F32",')), ArgumentError, /^\[fromSafetensors\] the header is not valid JSON: /);
    expectError(load(file('[1, 2]')), ArgumentError, '[fromSafetensors] the header must be a JSON object starting with "{", got "[1, 2]"');
    expectError(load(file(' {}')), ArgumentError, '[fromSafetensors] the header must be a JSON object starting with "{", got " {}"');
    expectError(load(file('')), ArgumentError, '[fromSafetensors] the header must be a JSON object starting with "{", got ""');
    expectError(load(file({ a: null })), ArgumentError,
      '[fromSafetensors] "a" has a malformed header entry: expected { dtype, shape, data_offsets }, got null');
    expectError(load(file({ __metadata__: { epochs: 3 } })), ArgumentError, '[fromSafetensors] __metadata__ must be an object of strings, got Object');
  });

  it('an unknown dtype (DTypeError), a shape that is not a size or does not match the byte range (ShapeError)', () => {
    expectError(load(file({ x: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, bytes(8))), DTypeError,
      '[fromSafetensors] "x" has dtype "C64", which nabla does not read (it reads F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)');
    expectError(load(file({ x: { dtype: 'toString', shape: [1], data_offsets: [0, 4] } }, bytes(4))), DTypeError,
      '[fromSafetensors] "x" has dtype "toString", which nabla does not read (it reads F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)');
    expectError(load(file({ x: { shape: [1], data_offsets: [0, 4] } }, bytes(4))), DTypeError,
      '[fromSafetensors] "x" has dtype undefined, which nabla does not read (it reads F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)');
    expectError(load(file({ x: f32([3], 0, 8) }, bytes(8))), ShapeError,
      '[fromSafetensors] "x" (F32 [3]) needs 12 bytes, but its byte range [0, 8) holds 8');
    expectError(load(file({ x: f32([2, -1], 0, 8) }, bytes(8))), ShapeError,
      '[fromSafetensors] "x" has shape [2,-1]: expected a list of non-negative integers');
    expectError(load(file({ x: { dtype: 'I32', shape: '2', data_offsets: [0, 8] } }, bytes(8))), ShapeError,
      '[fromSafetensors] "x" has shape "2": expected a list of non-negative integers');
    expectError(load(file({ x: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, [1, 0, 2])), DTypeError,
      '[fromSafetensors] "x" is BOOL [3], and its element 2 is 2, not 0 or 1');
  });

  it('a name that appears twice (JSON.parse would keep the last silently)', () => {
    const dup = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expectError(load(file(dup, bytes(8))), ArgumentError, '[fromSafetensors] "w" appears more than once in the header');
    const escaped = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "\\u0077" : {"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expectError(load(file(escaped, bytes(8))), ArgumentError, '[fromSafetensors] "w" appears more than once in the header');
    // a key repeated inside an entry or the metadata is refused too (JSON.parse would keep the last)
    const inner = '{"w":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}';
    expectError(load(file(inner, bytes(4))), ArgumentError, '[fromSafetensors] "dtype" appears more than once in the header\'s "w"');
    const meta = '{"__metadata__":{"a":"1","a":"2"}}';
    expectError(load(file(meta)), ArgumentError, '[fromSafetensors] "a" appears more than once in the header\'s "__metadata__"');
    // the same key inside different entries, or as a string value, is not a repeat
    const nested = { a: f32([1], 0, 4), b: f32([1], 4, 8), __metadata__: { a: 'b', dtype: 'shape' } };
    expect(Object.keys(fromSafetensors(file(nested, bytes(8))).tensors)).toEqual(['a', 'b']);
  });

  it('a tensor named __proto__ is an ordinary name', () => {
    const { tensors } = fromSafetensors(file('{"__proto__":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}', [7, 0, 0, 0]));
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    // and toSafetensors writes it as a name (an assignment would have set the header's prototype)
    const back = fromSafetensors(toSafetensors(tensors)).tensors;
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(back.__proto__!.toArray()).toEqual([7]); // eslint-disable-line no-proto
  });

  it('toSafetensors pads the header to 8-byte alignment in bytes, also for non-ASCII names', () => {
    for (const name of ['w', 'é', 'poids_€', '重み']) {
      const f = toSafetensors({ [name]: tensor([1, 2]) });
      const n = Number(new DataView(f.buffer).getBigUint64(0, true));
      expect((8 + n) % 8, name).toBe(0);
      expect(fromSafetensors(f).tensors[name]!.toArray()).toEqual([1, 2]);
    }
  });
});

describe('fromSafetensors on mutated files (fuzz)', () => {
  const dtypes = ['float32', 'float64', 'int32', 'bool'] as const;
  const stateArb = fc.uniqueArray(
    fc.record({
      name: fc.constantFrom('w', 'b', 'fc.weight', 'x', 'running_mean', '__proto__', 'é'),
      shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      dtype: fc.constantFrom(...dtypes),
    }),
    { selector: (t) => t.name, minLength: 1, maxLength: 4 },
  );
  const toState = (specs: { name: string; shape: number[]; dtype: (typeof dtypes)[number] }[]): Record<string, Tensor> =>
    Object.fromEntries(specs.map(({ name, shape, dtype }) => {
      const n = shape.reduce((p, s) => p * s, 1);
      const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? i % 2 : i * 1.5 - 2));
      return [name, tensor(values, { dtype }).reshape(shape)];
    }));

  /** Loads or throws a NablaError: anything else (TypeError, RangeError, a hang) fails the property. */
  function loadsOrThrowsTyped(f: Uint8Array): void {
    let content: ReturnType<typeof fromSafetensors>;
    try {
      content = fromSafetensors(f);
    } catch (e) {
      if (!(e instanceof NablaError)) throw e;
      expect(e.message).toMatch(/^\[fromSafetensors\] /);
      return;
    }
    for (const t of Object.values(content.tensors)) expect(t.toTypedArray().length).toBe(t.numel());
    for (const v of Object.values(content.metadata)) expect(typeof v).toBe('string');
  }

  it('random byte flips and truncations', () => {
    fc.assert(fc.property(stateArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat()),
      (specs, flips, cut) => {
        const valid = toSafetensors(toState(specs), { note: 'x' });
        const f = valid.slice(0, cut === null ? valid.length : cut % (valid.length + 1));
        for (const [i, b] of flips) if (f.length > 0) f[i % f.length] = b;
        loadsOrThrowsTyped(f);
      }), { numRuns: 400 });
  });

  it('header edits: numbers, dtypes, shapes, keys and text', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('offset' as const), which: fc.nat(), value: fc.integer({ min: -3, max: 200 }) }),
      fc.record({ kind: fc.constant('shape' as const), which: fc.nat(), value: fc.oneof(fc.integer({ min: -2, max: 9 }), fc.constant(1.5), fc.constant('2')) }),
      fc.record({ kind: fc.constant('dtype' as const), which: fc.nat(), value: fc.constantFrom('F16', 'BF16', 'U8', 'I64', 'C64', 'f32', '', 'constructor') }),
      fc.record({ kind: fc.constant('drop' as const), which: fc.nat(), value: fc.constantFrom('dtype', 'shape', 'data_offsets') }),
      fc.record({ kind: fc.constant('text' as const), which: fc.nat(), value: fc.string({ maxLength: 3 }) }),
      fc.record({ kind: fc.constant('duplicate' as const), which: fc.nat(), value: fc.constant('') }),
    );
    fc.assert(fc.property(stateArb, fc.array(edit, { minLength: 1, maxLength: 3 }), fc.boolean(), (specs, edits, keepLength) => {
      const valid = toSafetensors(toState(specs));
      const n = Number(new DataView(valid.buffer).getBigUint64(0, true));
      let text = new TextDecoder().decode(valid.subarray(8, 8 + n)).trimEnd();
      const data = valid.subarray(8 + n);
      for (const e of edits) {
        const header = JSON.parse(text) as Record<string, Record<string, unknown>>;
        const names = Object.keys(header);
        if (names.length === 0) break;
        const entry = header[names[e.which % names.length]!];
        if (typeof entry !== 'object' || entry === null) break;
        const list = (key: string): unknown[] => (Array.isArray(entry[key]) ? entry[key] : (entry[key] = [])) as unknown[];
        if (e.kind === 'offset') list('data_offsets')[e.which % 2] = e.value;
        else if (e.kind === 'shape') list('shape')[e.which % 3] = e.value;
        else if (e.kind === 'dtype') entry.dtype = e.value;
        else if (e.kind === 'drop') delete entry[e.value];
        if (e.kind !== 'text' && e.kind !== 'duplicate') text = JSON.stringify(header);
        else if (e.kind === 'duplicate') text = text.replace(/^\{("[^"]*":\{[^}]*\})/, '{$1,$1');
        else {
          const at = e.which % (text.length + 1);
          text = text.slice(0, at) + e.value + text.slice(at + e.value.length);
        }
        if (!text.startsWith('{') || !isJson(text)) break;
      }
      const f = file(text, data, keepLength ? undefined : BigInt(n));
      loadsOrThrowsTyped(f);
    }), { numRuns: 400 });
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('loadStateDict given what fromSafetensors returns', () => {
  it('says to pass .tensors instead of the { tensors, metadata } pair', () => {
    const model = new nn.Linear(2, 1);
    const content = fromSafetensors(toSafetensors(model.stateDict()));
    expectError(() => model.loadStateDict(content as never), ArgumentError,
      '[loadStateDict] got { tensors, metadata } (what fromSafetensors returns); pass its .tensors: model.loadStateDict(fromSafetensors(bytes).tensors)');
    expect(model.loadStateDict(content.tensors)).toEqual({ missingKeys: [], unexpectedKeys: [] });
  });
});
