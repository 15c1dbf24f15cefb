/**
 * ONNX export of the recurrent layers (as ONNX's RNN, LSTM and GRU ops, gates reordered) and the
 * cells (traced), checked in ONNX Runtime against nabla's outputs and final states, with dynamic
 * batch and sequence axes run at other sizes than the example's.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { manualSeed, nn, randint, randn, toOnnx, type Tensor } from '../src/index.js';
import { checkExport } from './onnx-helpers.js';

type Recurrent = nn.RNN | nn.LSTM | nn.GRU;

const TOL = 2e-5;

/** Exports `layer` with x [T, B, I] (or [B, T, I]) dynamic in T and B and checks it at three sizes. */
async function checkRecurrent(layer: Recurrent, withState: boolean): Promise<void> {
  const { batchFirst, inputSize, hiddenSize } = layer;
  const layers = layer.numLayers * layer.numDirections;
  const input = (t: number, b: number): Tensor => randn(batchFirst ? [b, t, inputSize] : [t, b, inputSize]);
  const lstm = layer instanceof nn.LSTM;
  const args = (t: number, b: number): unknown[] => {
    if (!withState) return [input(t, b)];
    const h0 = randn([layers, b, hiddenSize]);
    return [input(t, b), lstm ? [h0, randn([layers, b, hiddenSize])] : h0];
  };
  const flat = (a: unknown[]): Tensor[] => a.flat() as Tensor[];
  const [seqAxis, batchAxis] = batchFirst ? [1, 0] : [0, 1];
  const inputNames = ['x', ...(withState ? (lstm ? ['h0', 'c0'] : ['h0']) : [])];
  const outputNames = ['y', 'hN', ...(lstm ? ['cN'] : [])];
  const dynamicAxes: Record<string, Record<number, string>> = { x: { [seqAxis]: 'steps', [batchAxis]: 'batch' }, y: { [seqAxis]: 'steps', [batchAxis]: 'batch' } };
  for (const name of [...inputNames.slice(1), ...outputNames.slice(1)]) dynamicAxes[name] = { 1: 'batch' };
  const model = new Spread(layer, lstm && withState);
  await checkExport(model, flat(args(4, 2)), { inputNames, outputNames, dynamicAxes, alsoWith: [flat(args(7, 3)), flat(args(1, 5))], tol: TOL });
}

/** Passes an LSTM's state as two arguments (each Tensor argument is one graph input). */
class Spread extends nn.Module {
  constructor(readonly inner: Recurrent, private readonly pair: boolean) {
    super();
  }

  forward(x: Tensor, h?: Tensor, c?: Tensor): unknown {
    const state = this.pair ? [h!, c!] : h;
    return (this.inner.forward as (x: Tensor, s?: unknown) => unknown)(x, state);
  }
}

beforeEach(() => manualSeed(99));

describe('toOnnx: RNN, LSTM, GRU as ONNX ops, in ONNX Runtime', () => {
  const cases: [string, () => Recurrent][] = [
    ['RNN (tanh)', () => new nn.RNN(3, 5)],
    ['RNN (relu), 2 layers, bidirectional', () => new nn.RNN(3, 5, { nonlinearity: 'relu', numLayers: 2, bidirectional: true })],
    ['LSTM', () => new nn.LSTM(3, 5)],
    ['LSTM, batchFirst', () => new nn.LSTM(3, 5, { batchFirst: true })],
    ['LSTM, 2 layers, bidirectional, batchFirst', () => new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true })],
    ['LSTM without biases, 2 layers', () => new nn.LSTM(3, 4, { numLayers: 2, bias: false })],
    ['GRU', () => new nn.GRU(3, 5)],
    ['GRU, 2 layers, bidirectional', () => new nn.GRU(3, 4, { numLayers: 2, bidirectional: true })],
    ['GRU, batchFirst, bidirectional', () => new nn.GRU(3, 4, { batchFirst: true, bidirectional: true })],
  ];
  for (const [name, make] of cases) {
    it(`${name}: from zeros and from given states`, async () => {
      await checkRecurrent(make(), false);
      await checkRecurrent(make(), true);
    });
  }

  it('an unbatched [T, I] input (fixed shape)', async () => {
    await checkExport(new nn.LSTM(3, 4, { numLayers: 2 }), [randn([5, 3])], { tol: TOL });
    await checkExport(new nn.GRU(3, 4, { bidirectional: true }), [randn([5, 3])], { tol: TOL });
  });

  it('keeps the state-dict names: the weights are initializers named weight_ih_l0, …', () => {
    const lstm = new nn.LSTM(3, 4, { bidirectional: true });
    const text = new TextDecoder('latin1').decode(toOnnx(lstm, [randn([2, 2, 3])]));
    for (const key of Object.keys(lstm.stateDict())) expect(text).toContain(key);
    expect(text).toContain('LSTM');
  });

  it('an LSTM classifier (Embedding → LSTM → last hidden state → Linear), batch and length dynamic', async () => {
    class Classifier extends nn.Module {
      emb = new nn.Embedding(20, 6);
      lstm = new nn.LSTM(6, 8, { batchFirst: true, numLayers: 2 });
      head = new nn.Linear(8, 3);
      forward(ids: Tensor): Tensor {
        const [, [h]] = this.lstm.forward(this.emb.forward(ids));
        return this.head.forward(h.select(0, -1)).logSoftmax(-1);
      }
    }
    const ids = (b: number, t: number): Tensor => randint(0, 20, [b, t], { dtype: 'int32' });
    await checkExport(new Classifier(), [ids(2, 6)], {
      inputNames: ['ids'], outputNames: ['logp'], dynamicAxes: { ids: { 0: 'batch', 1: 'steps' }, logp: { 0: 'batch' } },
      alsoWith: [[ids(4, 9)], [ids(3, 2)]], tol: TOL,
    });
  });

  it('the cells (traced): RNNCell, LSTMCell and GRUCell with a given state', async () => {
    class Cells extends nn.Module {
      rnn = new nn.RNNCell(3, 4);
      lstm = new nn.LSTMCell(3, 4);
      gru = new nn.GRUCell(3, 4);
      forward(x: Tensor, h: Tensor, c: Tensor): Tensor[] {
        return [this.rnn.forward(x, h), ...this.lstm.forward(x, [h, c]), this.gru.forward(x, h)];
      }
    }
    const args = (b: number): Tensor[] => [randn([b, 3]), randn([b, 4]), randn([b, 4])];
    const dynamicAxes = { x: { 0: 'b' }, h: { 0: 'b' }, c: { 0: 'b' } };
    await checkExport(new Cells(), args(2), { inputNames: ['x', 'h', 'c'], dynamicAxes, alsoWith: [args(5)], tol: TOL });
  });

  it('a PackedSequence input is refused', () => {
    const lstm = new nn.LSTM(3, 4);
    class Packed extends nn.Module {
      lstm = lstm;
      forward(x: Tensor): Tensor {
        return (this.lstm.forward(nn.packPaddedSequence(x, [3, 2])) as unknown as [{ data: Tensor }])[0].data;
      }
    }
    expect(() => toOnnx(new Packed(), [randn([3, 2, 3])])).toThrow(/PackedSequence input cannot be exported/);
  });
});
