import { describe, expect, it } from 'vitest';
import { ArgumentError, fromSafetensors, nn, randn, tensor, toSafetensors, type Tensor } from '../src/index.js';

const bits = (t: Tensor): Buffer => Buffer.from(t.toTypedArray().buffer, t.toTypedArray().byteOffset, t.toTypedArray().byteLength);

describe('safetensors', () => {
  it('round-trips every dtype bit-exactly, with metadata, in the documented layout', () => {
    const state = {
      w: randn([3, 4]),
      d: tensor([Math.PI, -0, Number.MIN_VALUE], { dtype: 'float64' }),
      i: tensor([1, -2, 2 ** 31 - 1], { dtype: 'int32' }),
      b: tensor([true, false, true]),
      scalar: tensor(2.5),
      empty: randn([0, 3]),
    };
    const bytes = toSafetensors(state, { epochs: '3' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header.w).toEqual({ dtype: 'F32', shape: [3, 4], data_offsets: [0, 48] });
    expect(header.d.dtype).toBe('F64');
    expect(header.b).toEqual({ dtype: 'BOOL', shape: [3], data_offsets: [84, 87] });
    const { tensors, metadata, dtypes } = fromSafetensors(bytes);
    expect(metadata).toEqual({ epochs: '3' });
    expect(dtypes).toEqual({ w: 'F32', d: 'F64', i: 'I32', b: 'BOOL', scalar: 'F32', empty: 'F32' });
    for (const [name, t] of Object.entries(state)) {
      expect(tensors[name]!.dtype).toBe(t.dtype);
      expect(tensors[name]!.shape).toEqual(t.shape);
      expect(bits(tensors[name]!).equals(bits(t))).toBe(true);
    }
    expect(Object.is((tensors.d!.toArray() as number[])[1], -0)).toBe(true);
  });

  it('saves a non-contiguous view as its logical elements', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]).t();
    expect(fromSafetensors(toSafetensors({ t })).tensors.t!.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  it('a model state dict loads back into a fresh model bit-exactly', () => {
    const make = (): nn.Module => new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.BatchNorm2d(4), new nn.Flatten(), new nn.Linear(4 * 26 * 26, 10));
    const a = make();
    a.forward(randn([2, 1, 28, 28])); // moves the batch-norm running statistics
    const b = make();
    b.loadStateDict(fromSafetensors(toSafetensors(a.stateDict())).tensors);
    for (const [name, t] of Object.entries(a.stateDict())) expect(bits(b.stateDict()[name]!).equals(bits(t))).toBe(true);
  });

  it('rejects malformed input with clear errors', () => {
    expect(() => fromSafetensors(new Uint8Array(4))).toThrow('[fromSafetensors] expected the bytes of a safetensors file (at least 8 bytes)');
    const bad = toSafetensors({ x: tensor([1, 2]) });
    new DataView(bad.buffer).setBigUint64(0, 10_000n, true);
    expect(() => fromSafetensors(bad)).toThrow(ArgumentError);
    const header = new TextEncoder().encode('{"x":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}');
    const c64 = new Uint8Array(8 + header.length + 8);
    new DataView(c64.buffer).setBigUint64(0, BigInt(header.length), true);
    c64.set(header, 8);
    expect(() => fromSafetensors(c64)).toThrow('[fromSafetensors] "x" has dtype "C64", which nabla does not read (it reads F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)');
    expect(() => toSafetensors({ x: [1, 2] as unknown as Tensor })).toThrow('[toSafetensors] "x" must be a Tensor');
  });
});
