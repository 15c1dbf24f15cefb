/**
 * A minimal protocol-buffers writer: the four wire types ONNX messages need (varint, 64-bit,
 * length-delimited, 32-bit), written into one growing byte buffer. Nested messages are written into
 * a writer of their own and then length-prefixed into their parent.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

/**
 * Appends protobuf fields to a byte buffer; `finish()` returns the bytes.
 * @example
 * const w = new ProtoWriter();
 * w.varint(1, 150);
 * w.finish(); // Uint8Array [0x08, 0x96, 0x01]
 */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /** A raw varint: non-negative numbers in base 128; negative ones as 64-bit two's complement (10 bytes). */
  private rawVarint(value: number | bigint): void {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n;
    if (v < 0x80n) {
      this.byte(Number(v));
      return;
    }
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.rawVarint((field << 3) | wire);
  }

  /** An int32/int64/enum/bool field (varint; negatives as 64-bit two's complement, as protobuf's int64). */
  varint(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(value);
  }

  /** A float field (32-bit little-endian). */
  float(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat32(this.len, value, true);
    this.len += 4;
  }

  /** A bytes field (length-delimited). */
  bytes(field: number, data: Uint8Array): void {
    this.tag(field, WIRE_LENGTH);
    this.rawVarint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** A string field (UTF-8, length-delimited). */
  string(field: number, value: string): void {
    this.bytes(field, utf8.encode(value));
  }

  /** An embedded message field, written by `write` into a writer of its own. */
  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  /** The bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
