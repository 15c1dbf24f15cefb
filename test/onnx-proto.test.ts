/**
 * The protobuf that toOnnx writes, read back at the wire level by a small decoder written here:
 * known values have their known encodings (varints, negative int64 varints, length-delimited
 * strings and messages, little-endian raw data) under onnx.proto's field numbers.
 */
import { describe, expect, it } from 'vitest';
import { manualSeed, nn, randn, toOnnx } from '../src/index.js';

/** One decoded field: varints as bigint, length-delimited fields as bytes, 32-bit fields as a float. */
interface Field {
  field: number;
  wire: number;
  value: bigint | Uint8Array | number;
}

function readVarint(bytes: Uint8Array, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    const b = bytes[at++]!;
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) return [value, at];
  }
}

/** Decodes one message's fields (throws on a wire type ONNX does not use or on a truncated message). */
function decode(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < bytes.length) {
    const [tag, next] = readVarint(bytes, at);
    at = next;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, end] = readVarint(bytes, at);
      out.push({ field, wire, value: v });
      at = end;
    } else if (wire === 2) {
      const [len, start] = readVarint(bytes, at);
      const end = start + Number(len);
      expect(end).toBeLessThanOrEqual(bytes.length);
      out.push({ field, wire, value: bytes.subarray(start, end) });
      at = end;
    } else if (wire === 5) {
      out.push({ field, wire, value: new DataView(bytes.buffer, bytes.byteOffset + at, 4).getFloat32(0, true) });
      at += 4;
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
  return out;
}

const text = (b: Field['value']): string => new TextDecoder().decode(b as Uint8Array);
const all = (fields: Field[], n: number): Field[] => fields.filter((f) => f.field === n);
const one = (fields: Field[], n: number): Field => {
  const found = all(fields, n);
  expect(found, `field ${n}`).toHaveLength(1);
  return found[0]!;
};
const str = (fields: Field[], n: number): string => text(one(fields, n).value);
/** An int64 varint as a signed number (two's complement above 2⁶³). */
const int = (fields: Field[], n: number): number => {
  const v = one(fields, n).value as bigint;
  return Number(v >= 1n << 63n ? v - (1n << 64n) : v);
};

describe('toOnnx: the protobuf, at the wire level', () => {
  manualSeed(5);
  const model = new nn.Sequential(new nn.Linear(300, 2), new nn.LayerNorm(2));
  const bytes = toOnnx(model, [randn([4, 300])], { inputNames: ['x'], outputNames: ['y'], dynamicAxes: { x: { 0: 'batch' }, y: { 0: 'batch' } } });
  const modelFields = decode(bytes);
  const graph = decode(one(modelFields, 7).value as Uint8Array);

  it('starts with ir_version 8 (field 1, varint) and the producer (fields 2 and 3, length-delimited)', () => {
    const producer = [...new TextEncoder().encode('nabla')];
    expect([...bytes.subarray(0, 4 + producer.length)]).toEqual([0x08, 0x08, 0x12, 0x05, ...producer]);
    expect(int(modelFields, 1)).toBe(8);
    expect(str(modelFields, 2)).toBe('nabla');
  });

  it('imports the default-domain opset 17 (ModelProto field 8: OperatorSetIdProto { domain 1: "", version 2: 17 })', () => {
    const opset = one(modelFields, 8).value as Uint8Array;
    expect([...opset]).toEqual([0x0a, 0x00, 0x10, 0x11]);
    // the message is length-delimited: tag 0x42 (field 8, wire 2), length 4
    const at = bytes.length - 6;
    expect([...bytes.subarray(at)]).toEqual([0x42, 0x04, 0x0a, 0x00, 0x10, 0x11]);
  });

  it('writes initializers (GraphProto field 5) under their state-dict names, with dims and little-endian raw_data', () => {
    const inits = all(graph, 5).map((f) => decode(f.value as Uint8Array));
    const byName = new Map(inits.map((t) => [str(t, 8), t]));
    expect([...byName.keys()].filter((n) => !n.startsWith('onnx::'))).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    const weight = byName.get('0.weight')!;
    expect(all(weight, 1).map((f) => Number(f.value))).toEqual([2, 300]);
    expect(int(weight, 2)).toBe(1); // FLOAT
    const raw = one(weight, 9).value as Uint8Array;
    expect(raw.length).toBe(2400);
    // a 2400-byte field has a two-byte length varint: 2400 = 0x60 + 0x12·128 → 0xe0 0x12
    const encodedLength = [0x4a, 0xe0, 0x12];
    const at = bytes.findIndex((_, i) => encodedLength.every((b, k) => bytes[i + k] === b));
    expect(at).toBeGreaterThan(0);
    const expected = model.stateDict()['0.weight']!.toTypedArray() as Float32Array;
    expect(new Float32Array(raw.slice().buffer)).toEqual(expected);
  });

  it('describes the inputs and outputs (fields 11, 12) with dim_param for the dynamic axes', () => {
    const [input] = all(graph, 11).map((f) => decode(f.value as Uint8Array));
    expect(str(input!, 1)).toBe('x');
    const tensorType = decode(one(decode(one(input!, 2).value as Uint8Array), 1).value as Uint8Array);
    expect(int(tensorType, 1)).toBe(1);
    const dims = all(decode(one(tensorType, 2).value as Uint8Array), 1).map((f) => decode(f.value as Uint8Array));
    expect(dims.map((d) => (all(d, 2).length > 0 ? str(d, 2) : int(d, 1)))).toEqual(['batch', 300]);
    const [output] = all(graph, 12).map((f) => decode(f.value as Uint8Array));
    expect(str(output!, 1)).toBe('y');
  });

  it('writes nodes (field 1) with op_type, inputs, outputs and typed attributes; a negative int is a 10-byte varint', () => {
    const nodes = all(graph, 1).map((f) => decode(f.value as Uint8Array));
    const ops = nodes.map((n) => str(n, 4));
    expect(ops).toEqual(['Transpose', 'MatMul', 'Add', 'LayerNormalization', 'Identity']);
    const ln = nodes[3]!;
    expect(all(ln, 1).map((f) => text(f.value))).toContain('1.weight');
    const attrs = new Map(all(ln, 5).map((f) => decode(f.value as Uint8Array)).map((a) => [str(a, 1), a]));
    const axis = attrs.get('axis')!;
    expect(int(axis, 20)).toBe(2); // AttributeProto.INT
    expect(int(axis, 3)).toBe(-1);
    const epsilon = attrs.get('epsilon')!;
    expect(int(epsilon, 20)).toBe(1); // AttributeProto.FLOAT
    expect(one(epsilon, 2).value).toBeCloseTo(1e-5, 10);
    const encodedAxis = [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    expect(bytes.some((_, i) => encodedAxis.every((b, k) => bytes[i + k] === b))).toBe(true);
    const transpose = decode(all(nodes[0]!, 5)[0]!.value as Uint8Array);
    expect(str(transpose, 1)).toBe('perm');
    expect(all(transpose, 8).map((f) => Number(f.value))).toEqual([1, 0]);
  });
});
