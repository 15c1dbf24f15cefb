/**
 * The kernels are built to import a shared memory (`--sharedMemory`: threads need one), and a module
 * that declares a shared memory import cannot link to a plain one. Where the runtime has no shared
 * memory (a page that is not cross-origin isolated) the same binary is used with that one declaration
 * changed: the memory import's limits flag from "min, max, shared" (0x03) to "min, max" (0x01), same
 * length, nothing else touched. Valid since the kernels use no atomic wait/notify (the threads
 * coordinate in JS, threads.ts).
 */
import { BackendError } from '../../base/errors.js';

/** Reads an unsigned LEB128 at `at`; returns [value, the offset after it]. */
function uleb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = bytes[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

/** Skips a name (length, then UTF-8 bytes). */
function skipName(bytes: Uint8Array, at: number): number {
  const [length, start] = uleb(bytes, at);
  return start + length;
}

/** Skips limits (flag, min, max if the flag says so). */
function skipLimits(bytes: Uint8Array, at: number): number {
  const flag = bytes[at]!;
  let next = uleb(bytes, at + 1)[1];
  if (flag & 1) next = uleb(bytes, next)[1];
  return next;
}

/**
 * A copy of the wasm binary `bytes` whose memory import is not shared (see the file's comment);
 * throws a BackendError when the binary has no shared memory import.
 * @example
 * new WebAssembly.Module(unshareMemoryImport(bytes)); // links to new WebAssembly.Memory({ initial: 16 })
 */
export function unshareMemoryImport(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let at = 8; // magic and version
  while (at < out.length) {
    const id = out[at]!;
    const [size, body] = uleb(out, at + 1);
    if (id === 2) {
      let [count, p] = uleb(out, body);
      for (; count > 0; count--) {
        p = skipName(out, skipName(out, p));
        const kind = out[p++]!;
        if (kind === 2 && out[p] === 0x03) {
          out[p] = 0x01;
          return out;
        }
        if (kind === 0 || kind === 4) p = uleb(out, kind === 4 ? p + 1 : p)[1]; // function type / tag
        else if (kind === 1) p = skipLimits(out, p + 1); // table: reference type, limits
        else if (kind === 2) p = skipLimits(out, p);
        else p += 2; // global: value type, mutability
      }
    }
    at = body + size;
  }
  throw new BackendError('[wasm] the kernels binary has no shared memory import to unshare');
}
