/**
 * Random-access byte sources that a safetensors file is read from in pieces, duck-typed so that the
 * library bundles for browsers (no Node import): bytes in memory, a Node `fs/promises` FileHandle, a
 * Blob or File, or any `{ size, read(position, length) }`.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';

/** Any random-access source: `read` resolves to the `length` bytes at `position`. */
export interface ByteSource {
  size: number;
  read(position: number, length: number): Promise<Uint8Array>;
}

/** What SafetensorsReader uses of a Node `fs/promises` FileHandle (`await open(path)`). */
export interface FileHandleLike {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number | bigint }>;
}

/** What SafetensorsReader uses of a Blob or File (browsers, Node 18+). */
export interface BlobLike {
  size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** Where a safetensors file is read from. */
export type SafetensorsSource = Uint8Array | ByteSource | FileHandleLike | BlobLike;

const has = (x: object, key: string, type: string): boolean => typeof (x as Record<string, unknown>)[key] === type;

/**
 * The source as a `ByteSource` (read it with `readExactly`).
 * @example
 * const source = await byteSource(await open('model.safetensors'), 'SafetensorsReader.open');
 */
export async function byteSource(source: SafetensorsSource, op: string): Promise<ByteSource> {
  let size: unknown;
  let read: (position: number, length: number) => Promise<Uint8Array>;
  if (source instanceof Uint8Array) {
    size = source.length;
    read = async (position, length) => source.subarray(position, position + length);
  } else if (typeof source === 'object' && source !== null && has(source, 'stat', 'function') && has(source, 'read', 'function')) {
    const handle = source as FileHandleLike;
    size = Number((await handle.stat()).size);
    read = (position, length) => readHandle(handle, position, length);
  } else if (typeof source === 'object' && source !== null && has(source, 'slice', 'function')) {
    const blob = source as BlobLike;
    size = blob.size;
    read = async (position, length) => new Uint8Array(await blob.slice(position, position + length).arrayBuffer());
  } else if (typeof source === 'object' && source !== null && has(source, 'read', 'function')) {
    const plain = source as ByteSource;
    size = plain.size;
    read = (position, length) => plain.read(position, length);
  } else {
    throw new ArgumentError(`[${op}] expected a source: bytes (Uint8Array), a FileHandle, a Blob or { size, read(position, length) }; got ${fmt(source)}`);
  }
  check(Number.isSafeInteger(size) && (size as number) >= 0, ArgumentError, () => `[${op}] the source's size must be a whole number of bytes, got ${fmt(size)}`);
  return { size: size as number, read };
}

/** A FileHandle read of `length` bytes at `position`, looping over partial reads. */
async function readHandle(handle: FileHandleLike, position: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (!(bytesRead > 0)) break; // the end of the file: readExactly names the short read
    done += bytesRead;
  }
  return out.subarray(0, done);
}

/**
 * Exactly `length` bytes at `position`: a short read (a file truncated or changed since it was opened)
 * throws an ArgumentError naming `op` and the byte range.
 * @example
 * const prefix = await readExactly(source, 0, 8, 'SafetensorsReader.open');
 */
export async function readExactly(source: ByteSource, position: number, length: number, op: string): Promise<Uint8Array> {
  const bytes = await source.read(position, length);
  check(bytes instanceof Uint8Array && bytes.length === length, ArgumentError,
    () => `[${op}] reading bytes [${position}, ${position + length}) of the file gave ${bytes instanceof Uint8Array ? `${bytes.length} bytes` : fmt(bytes)}: was it truncated or changed since it was opened?`);
  return bytes;
}
