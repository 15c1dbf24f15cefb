/**
 * The few ONNX messages an exported model needs, as plain objects, and their protobuf encoding
 * (field numbers from onnx.proto): ModelProto, OperatorSetIdProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto, TypeProto.Tensor and TensorShapeProto.
 */
import type { DType, TypedArray } from '../../base/dtype.js';
import { ProtoWriter } from './proto.js';

/** ONNX element types (TensorProto.DataType) used here; int64 only for shapes and indices the exporter makes. */
export type OnnxType = DType | 'int64';

/**
 * TensorProto.DataType codes (also Cast's `to`).
 * @example
 * ONNX_TYPE_CODE.float32; // 1
 */
export const ONNX_TYPE_CODE: Readonly<Record<OnnxType, number>> = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 };

/** An attribute value, tagged with its AttributeProto type. */
export type Attribute =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'tensor'; value: TensorMessage };

const ATTRIBUTE_TYPE: Record<Attribute['type'], number> = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 };

/** A NodeProto. */
export interface NodeMessage {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: Readonly<Record<string, Attribute>>;
}

/** A TensorProto with its data as a typed array (written as little-endian raw_data). */
export interface TensorMessage {
  name: string;
  type: OnnxType;
  dims: readonly number[];
  data: TypedArray | BigInt64Array;
}

/** A ValueInfoProto of a tensor: each dim a size or a symbolic name (dim_param). */
export interface ValueInfoMessage {
  name: string;
  type: OnnxType;
  dims: readonly (number | string)[];
}

/** A GraphProto. */
export interface GraphMessage {
  name: string;
  nodes: readonly NodeMessage[];
  initializers: readonly TensorMessage[];
  inputs: readonly ValueInfoMessage[];
  outputs: readonly ValueInfoMessage[];
}

/** A ModelProto with one opset import (the default domain). */
export interface ModelMessage {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graph: GraphMessage;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The tensor's elements as little-endian bytes (bool as one byte each). */
function rawBytes(data: TypedArray | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += size) for (let b = 0; b < size; b++) out[i + b] = bytes[i + size - 1 - b]!;
  return out;
}

function writeTensor(w: ProtoWriter, t: TensorMessage): void {
  for (const d of t.dims) w.varint(1, d);
  w.varint(2, ONNX_TYPE_CODE[t.type]);
  w.string(8, t.name);
  w.bytes(9, rawBytes(t.data));
}

function writeAttribute(w: ProtoWriter, name: string, a: Attribute): void {
  w.string(1, name);
  w.varint(20, ATTRIBUTE_TYPE[a.type]);
  switch (a.type) {
    case 'float': w.float(2, a.value); break;
    case 'int': w.varint(3, a.value); break;
    case 'string': w.string(4, a.value); break;
    case 'tensor': w.message(5, (m) => writeTensor(m, a.value)); break;
    case 'floats': for (const v of a.value) w.float(7, v); break;
    case 'ints': for (const v of a.value) w.varint(8, v); break;
    case 'strings': for (const v of a.value) w.string(9, v); break;
  }
}

function writeNode(w: ProtoWriter, n: NodeMessage): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes)) w.message(5, (m) => writeAttribute(m, name, a));
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoMessage): void {
  w.string(1, v.name);
  w.message(2, (type) => type.message(1, (tensor) => {
    tensor.varint(1, ONNX_TYPE_CODE[v.type]);
    tensor.message(2, (shape) => {
      for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.varint(1, d) : dim.string(2, d)));
    });
  }));
}

function writeGraph(w: ProtoWriter, g: GraphMessage): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

/**
 * The protobuf bytes of a ModelProto.
 * @example
 * const bytes = encodeModel({ irVersion: 8, opsetVersion: 17, producerName: 'nabla', producerVersion: '0.1.0', graph });
 */
export function encodeModel(model: ModelMessage): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, model.irVersion);
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  w.message(7, (m) => writeGraph(m, model.graph));
  w.message(8, (m) => {
    m.string(1, '');
    m.varint(2, model.opsetVersion);
  });
  return w.finish();
}
