/**
 * Tensor.toString, as PyTorch prints: 4 decimals (scientific notation when the largest magnitude
 * is >= 1e8, the smallest non-zero one < 1e-4, or their ratio > 1000), right-aligned columns,
 * one row per line with blank lines between matrices, `...` when there are more than 1000
 * elements, and `dtype=` / `gradFn=<op>` / `requiresGrad=true` suffixes.
 */
import { describe, expect, it } from 'vitest';
import { arange, full, noGrad, ones, tensor, zeros } from '../src/index.js';

describe('toString: basics', () => {
  it('a float32 row vector that requires grad', () => {
    expect(tensor([[1, 2]], { requiresGrad: true }).toString()).toBe('tensor([[1.0000, 2.0000]], requiresGrad=true)');
  });

  it('0-d tensors', () => {
    expect(tensor(3.5).toString()).toBe('tensor(3.5000)');
    expect(tensor(-2).toString()).toBe('tensor(-2.0000)');
    expect(tensor(7, { dtype: 'int32' }).toString()).toBe('tensor(7, dtype=int32)');
    expect(tensor(1.5, { dtype: 'float64' }).toString()).toBe('tensor(1.5000, dtype=float64)');
    expect(tensor(true).toString()).toBe('tensor(true)');
    expect(tensor(0, { requiresGrad: true }).toString()).toBe('tensor(0.0000, requiresGrad=true)');
  });

  it('1-d vectors, with 4 decimals', () => {
    expect(tensor([1, 2]).toString()).toBe('tensor([1.0000, 2.0000])');
    expect(tensor([0.5, 0.25, 0.125]).toString()).toBe('tensor([0.5000, 0.2500, 0.1250])');
    expect(zeros([2]).toString()).toBe('tensor([0.0000, 0.0000])');
    expect(tensor([1 / 3]).toString()).toBe('tensor([0.3333])');
    expect(tensor([2 / 3]).toString()).toBe('tensor([0.6667])');
  });

  it('String() and template literals use the same format', () => {
    const x = tensor([1, 2]);
    expect(String(x)).toBe('tensor([1.0000, 2.0000])');
    expect(`${x}`).toBe('tensor([1.0000, 2.0000])');
  });
});

describe('toString: alignment', () => {
  it('a negative number widens every column', () => {
    expect(tensor([1, -2]).toString()).toBe('tensor([ 1.0000, -2.0000])');
    expect(tensor([-1, 2]).toString()).toBe('tensor([-1.0000,  2.0000])');
  });

  it('columns align to the widest element across rows', () => {
    expect(tensor([[1, 100], [-5, 2]]).toString()).toBe(
      'tensor([[  1.0000, 100.0000],\n' +
      '        [ -5.0000,   2.0000]])',
    );
    expect(tensor([1, 1000]).toString()).toBe('tensor([   1.0000, 1000.0000])'); // ratio exactly 1000: still fixed
  });
});

describe('toString: multi-line layout', () => {
  it('2-d: one row per line, indented under the first bracket', () => {
    expect(tensor([[1, 2, 3], [4, 5, 6]]).toString()).toBe(
      'tensor([[1.0000, 2.0000, 3.0000],\n' +
      '        [4.0000, 5.0000, 6.0000]])',
    );
  });

  it('3-d: a blank line between matrices', () => {
    expect(arange(12).reshape(2, 2, 3).toString()).toBe(
      'tensor([[[ 0.0000,  1.0000,  2.0000],\n' +
      '         [ 3.0000,  4.0000,  5.0000]],\n' +
      '\n' +
      '        [[ 6.0000,  7.0000,  8.0000],\n' +
      '         [ 9.0000, 10.0000, 11.0000]]])',
    );
  });

  it('4-d: two blank lines between 3-d blocks, one between matrices', () => {
    expect(arange(16).reshape(2, 2, 2, 2).toString()).toBe(
      'tensor([[[[ 0.0000,  1.0000],\n' +
      '          [ 2.0000,  3.0000]],\n' +
      '\n' +
      '         [[ 4.0000,  5.0000],\n' +
      '          [ 6.0000,  7.0000]]],\n' +
      '\n' +
      '\n' +
      '        [[[ 8.0000,  9.0000],\n' +
      '          [10.0000, 11.0000]],\n' +
      '\n' +
      '         [[12.0000, 13.0000],\n' +
      '          [14.0000, 15.0000]]]])',
    );
  });

  it('a column vector and a single-row matrix', () => {
    expect(tensor([[1], [2], [3]]).toString()).toBe(
      'tensor([[1.0000],\n' +
      '        [2.0000],\n' +
      '        [3.0000]])',
    );
    expect(ones([1, 3]).toString()).toBe('tensor([[1.0000, 1.0000, 1.0000]])');
  });

  it('a non-contiguous view prints its logical layout', () => {
    expect(arange(6).reshape(2, 3).t().toString()).toBe(
      'tensor([[0.0000, 3.0000],\n' +
      '        [1.0000, 4.0000],\n' +
      '        [2.0000, 5.0000]])',
    );
    expect(tensor([[1], [2]]).expand(2, 2).toString()).toBe(
      'tensor([[1.0000, 1.0000],\n' +
      '        [2.0000, 2.0000]])',
    );
  });
});

describe('toString: scientific notation', () => {
  it('a magnitude >= 1e8', () => {
    expect(tensor([1e8, 1]).toString()).toBe('tensor([1.0000e+08, 1.0000e+00])');
    expect(tensor([12345678912]).toString()).toBe('tensor([1.2346e+10])');
  });

  it('just under 1e8 stays fixed', () => {
    expect(tensor([5e7, 2e7]).toString()).toBe('tensor([50000000.0000, 20000000.0000])');
  });

  it('a non-zero magnitude < 1e-4', () => {
    expect(tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(tensor([0.00012]).toString()).toBe('tensor([0.0001])'); // 1.2e-4 is not below 1e-4
  });

  it('zeros do not count as the smallest magnitude', () => {
    expect(tensor([0, 1e-5]).toString()).toBe('tensor([0.0000e+00, 1.0000e-05])');
    expect(tensor([0, 0.5]).toString()).toBe('tensor([0.0000, 0.5000])');
  });

  it('a ratio of largest to smallest magnitude above 1000', () => {
    expect(tensor([1, 1001]).toString()).toBe('tensor([1.0000e+00, 1.0010e+03])');
    expect(tensor([0.5, 1000]).toString()).toBe('tensor([5.0000e-01, 1.0000e+03])');
  });

  it('negative numbers and mixed exponents align', () => {
    expect(tensor([-1e-5, 2e10]).toString()).toBe('tensor([-1.0000e-05,  2.0000e+10])');
    expect(tensor([[1e-6, -3], [2, 4]]).toString()).toBe(
      'tensor([[ 1.0000e-06, -3.0000e+00],\n' +
      '        [ 2.0000e+00,  4.0000e+00]])',
    );
  });

  it('three-digit exponents (float64)', () => {
    expect(tensor([1e300, 1], { dtype: 'float64' }).toString()).toBe('tensor([1.0000e+300,  1.0000e+00], dtype=float64)');
    expect(tensor([1e-300], { dtype: 'float64' }).toString()).toBe('tensor([1.0000e-300], dtype=float64)');
  });

  it('mantissas are rounded to 4 decimals', () => {
    expect(tensor([123456789], { dtype: 'float64' }).toString()).toBe('tensor([1.2346e+08], dtype=float64)');
    expect(tensor([-0.000099999], { dtype: 'float64' }).toString()).toBe('tensor([-9.9999e-05], dtype=float64)');
  });
});

describe('toString: nan and inf', () => {
  it('are written nan/inf/-inf and padded to the column width', () => {
    expect(tensor([NaN, Infinity, -Infinity, 1]).toString()).toBe('tensor([   nan,    inf,   -inf, 1.0000])');
  });

  it('do not decide the format (only finite values do)', () => {
    expect(tensor([NaN]).toString()).toBe('tensor([nan])');
    expect(tensor([Infinity, -Infinity]).toString()).toBe('tensor([ inf, -inf])');
    expect(tensor([1e10, Infinity]).toString()).toBe('tensor([1.0000e+10,        inf])');
    expect(tensor([NaN, 1e-6]).toString()).toBe('tensor([       nan, 1.0000e-06])');
  });

  it('in a 0-d tensor', () => {
    expect(tensor(NaN).toString()).toBe('tensor(nan)');
    expect(tensor(-Infinity, { dtype: 'float64' }).toString()).toBe('tensor(-inf, dtype=float64)');
  });
});

describe('toString: dtypes', () => {
  it('int32 prints integers, right-aligned, with dtype=int32', () => {
    expect(tensor([1, -20, 300], { dtype: 'int32' }).toString()).toBe('tensor([  1, -20, 300], dtype=int32)');
    expect(tensor([[-1, 10], [100, 5]], { dtype: 'int32' }).toString()).toBe(
      'tensor([[ -1,  10],\n' +
      '        [100,   5]], dtype=int32)',
    );
    expect(arange(3, undefined, 1, { dtype: 'int32' }).toString()).toBe('tensor([0, 1, 2], dtype=int32)');
  });

  it('large int32 values never switch to scientific notation', () => {
    expect(tensor([2147483647, 1], { dtype: 'int32' }).toString()).toBe('tensor([2147483647,          1], dtype=int32)');
  });

  it('float64 prints like float32 plus dtype=float64', () => {
    expect(tensor([1.5, -2], { dtype: 'float64' }).toString()).toBe('tensor([ 1.5000, -2.0000], dtype=float64)');
  });

  it('bool prints true/false, aligned, without a dtype suffix', () => {
    expect(tensor([true, false]).toString()).toBe('tensor([ true, false])');
    expect(tensor([[true, false], [false, true]]).toString()).toBe(
      'tensor([[ true, false],\n' +
      '        [false,  true]])',
    );
    expect(tensor([true, true]).toString()).toBe('tensor([true, true])');
    expect(tensor([1, 2]).gt(1).toString()).toBe('tensor([false,  true])');
  });
});

describe('toString: autograd suffixes', () => {
  it('gradFn=<op> for non-leaves (instead of requiresGrad=true)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(x.mul(2).toString()).toBe('tensor([2.0000, 4.0000], gradFn=<mul>)');
    expect(x.add(1).toString()).toBe('tensor([2.0000, 3.0000], gradFn=<add>)');
    expect(x.exp().log().toString()).toBe('tensor([1.0000, 2.0000], gradFn=<log>)');
    expect(x.sum().toString()).toBe('tensor(3.0000, gradFn=<sum>)');
    expect(x.reshape(2, 1).toString()).toBe(
      'tensor([[1.0000],\n' +
      '        [2.0000]], gradFn=<reshape>)',
    );
  });

  it('dtype comes before gradFn and requiresGrad', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    expect(x.toString()).toBe('tensor([1.0000, 2.0000], dtype=float64, requiresGrad=true)');
    expect(x.mul(2).toString()).toBe('tensor([2.0000, 4.0000], dtype=float64, gradFn=<mul>)');
  });

  it('no suffix for detached tensors, results under noGrad, and int results of differentiable inputs', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(x.detach().toString()).toBe('tensor([1.0000, 2.0000])');
    expect(noGrad(() => x.mul(2)).toString()).toBe('tensor([2.0000, 4.0000])');
    expect(x.argmax().toString()).toBe('tensor(1, dtype=int32)');
    expect(x.gt(1).toString()).toBe('tensor([false,  true])');
  });
});

describe('toString: summarisation of more than 1000 elements', () => {
  it('1000 elements are printed in full', () => {
    const s = arange(1000).toString();
    expect(s).not.toContain('...');
    expect(s.split(', ')).toHaveLength(1000);
    expect(s.startsWith('tensor([  0.0000,   1.0000,')).toBe(true);
    expect(s.endsWith(' 998.0000, 999.0000])')).toBe(true);
  });

  it('1001 elements: the first and last three, width from the shown elements', () => {
    expect(arange(1001).toString()).toBe('tensor([   0.0000,    1.0000,    2.0000, ...,  998.0000,  999.0000, 1000.0000])');
  });

  it('int32 and bool are summarised the same way', () => {
    expect(arange(2000, undefined, 1, { dtype: 'int32' }).toString()).toBe('tensor([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)');
    expect(full([1500], true).toString()).toBe('tensor([true, true, true, ..., true, true, true])');
  });

  it('2-d: long rows and many rows are both cut, with ..., on a line of its own', () => {
    expect(zeros([2, 501]).toString()).toBe(
      'tensor([[0.0000, 0.0000, 0.0000, ..., 0.0000, 0.0000, 0.0000],\n' +
      '        [0.0000, 0.0000, 0.0000, ..., 0.0000, 0.0000, 0.0000]])',
    );
    expect(ones([501, 2], { dtype: 'int32' }).toString()).toBe(
      'tensor([[1, 1],\n' +
      '        [1, 1],\n' +
      '        [1, 1],\n' +
      '        ...,\n' +
      '        [1, 1],\n' +
      '        [1, 1],\n' +
      '        [1, 1]], dtype=int32)',
    );
  });

  it('2-d with both dims cut; the format follows the shown elements only', () => {
    // shown: 0..2, 47..49 in the first rows ... 1997..1999 in the last: ratio > 1000 → scientific
    const s = arange(2000).reshape(40, 50).toString();
    expect(s.split('\n')).toEqual([
      'tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00, ..., 4.7000e+01, 4.8000e+01, 4.9000e+01],',
      '        [5.0000e+01, 5.1000e+01, 5.2000e+01, ..., 9.7000e+01, 9.8000e+01, 9.9000e+01],',
      '        [1.0000e+02, 1.0100e+02, 1.0200e+02, ..., 1.4700e+02, 1.4800e+02, 1.4900e+02],',
      '        ...,',
      '        [1.8500e+03, 1.8510e+03, 1.8520e+03, ..., 1.8970e+03, 1.8980e+03, 1.8990e+03],',
      '        [1.9000e+03, 1.9010e+03, 1.9020e+03, ..., 1.9470e+03, 1.9480e+03, 1.9490e+03],',
      '        [1.9500e+03, 1.9510e+03, 1.9520e+03, ..., 1.9970e+03, 1.9980e+03, 1.9990e+03]])',
    ]);
  });

  it('the hidden middle does not decide the format', () => {
    // a huge value hidden in the middle of 2000 ones does not force scientific notation
    const x = ones([2000]);
    noGrad(() => x.narrow(0, 1000, 1).fill_(1e12));
    expect(x.toString()).toBe('tensor([1.0000, 1.0000, 1.0000, ..., 1.0000, 1.0000, 1.0000])');
  });

  it('3-d: a cut outer dim keeps the blank lines around ...', () => {
    const s = zeros([8, 1, 130]).toString();
    const lines = s.split('\n');
    const row = '[0.0000, 0.0000, 0.0000, ..., 0.0000, 0.0000, 0.0000]';
    expect(lines).toEqual([
      `tensor([[${row}],`, '', `        [${row}],`, '', `        [${row}],`, '',
      '        ...,', '',
      `        [${row}],`, '', `        [${row}],`, '', `        [${row}]])`,
    ]);
  });
});

describe('toString: empty tensors', () => {
  it('1-d empty prints [] and keeps suffixes', () => {
    expect(zeros([0]).toString()).toBe('tensor([])');
    expect(tensor([]).toString()).toBe('tensor([])');
    expect(zeros([0], { dtype: 'int32' }).toString()).toBe('tensor([], dtype=int32)');
    expect(zeros([0], { requiresGrad: true }).toString()).toBe('tensor([], requiresGrad=true)');
  });

  it('n-d empty prints its size', () => {
    expect(zeros([2, 0]).toString()).toBe('tensor([], size=[2, 0])');
    expect(zeros([0, 3], { dtype: 'int32' }).toString()).toBe('tensor([], size=[0, 3], dtype=int32)');
    expect(zeros([1, 0, 2], { dtype: 'float64' }).toString()).toBe('tensor([], size=[1, 0, 2], dtype=float64)');
    expect(tensor([[], []]).toString()).toBe('tensor([], size=[2, 0])');
  });
});
