/**
 * The Model tab's worker (built as model-worker.js): loads a safetensors file of examples/mnist (the LeNet
 * CNN, or the MLP), describes it (nn.summary on a [1, 1, 28, 28] input, weight histograms, conv1's
 * filters, as SVG text from nabla's viz) and classifies 28 × 28 digits. nabla runs here, off the page's
 * thread (its wasm kernels compile synchronously, which a page's main thread may refuse).
 */
import { MNIST_STATS, backend, fromSafetensors, histogramPlot, imageGrid, nn, noGrad, scope, setNumThreads, tensor, zeros } from 'nabla';
import { LeNet, MLP } from '../../mnist/models.js';
import type { FromModelWorker, ToModelWorker } from './protocol.js';

interface ModelWorkerGlobals {
  postMessage(message: FromModelWorker): void;
  addEventListener(type: 'message', listener: (event: { data: ToModelWorker }) => void): void;
}
const port = globalThis as unknown as ModelWorkerGlobals;

setNumThreads(1);
let model: nn.Module | null = null;

/** The examples/mnist model these weights are for, built with their sizes. */
function build(tensors: Record<string, { shape: readonly number[] }>): nn.Module {
  const conv1 = tensors['conv1.weight'];
  if (conv1 !== undefined) return new LeNet(conv1.shape[0]);
  if (tensors['layers.1.weight'] !== undefined) return new MLP();
  throw new Error(`not a model of examples/mnist (no conv1.weight or layers.1.weight among ${Object.keys(tensors).slice(0, 6).join(', ')}, …)`);
}

function load(name: string, bytes: ArrayBuffer): FromModelWorker {
  const { tensors, metadata } = fromSafetensors(new Uint8Array(bytes));
  const next = build(tensors);
  next.loadStateDict(tensors);
  next.eval();
  for (const t of Object.values(tensors)) t.dispose();
  for (const p of model?.parameters() ?? []) p.dispose();
  model = next;
  const summary = nn.summary(next, zeros([1, 1, 28, 28]));
  const weights = next.namedParameters().filter(([n, p]) => n.endsWith('weight') && p.shape.length >= 2);
  const histograms = weights.map(([n, p]) => ({
    name: n,
    svg: histogramPlot(p, { title: `${n} ${JSON.stringify(p.shape)}`, xLabel: 'weight', bins: 40, width: 300, height: 200 }),
  }));
  const [firstName, first] = weights[0]!;
  const filters = first.shape.length === 4
    ? imageGrid(first, { normalize: 'each', colormap: 'coolwarm', scale: 10, columns: 8, title: `${firstName}: ${first.shape[0]} filters ${first.shape[2]}×${first.shape[3]}` })
    : imageGrid(first.narrow(0, 0, 32).reshape([32, 28, 28]), { normalize: 'each', colormap: 'coolwarm', scale: 2, columns: 8, title: `${firstName}: first 32 rows as 28×28` });
  return {
    type: 'loaded', name, metadata, backend: backend().name, histograms, filters, totalParams: summary.totalParams,
    rows: summary.rows.map((r) => ({ name: r.name, type: r.type, outputShape: r.outputShape, params: r.params })),
  };
}

function predict(id: number, pixels: Float32Array): FromModelWorker {
  if (model === null) throw new Error('no model loaded');
  const m = model;
  const normalized = pixels.map((v) => (v - MNIST_STATS.mean) / MNIST_STATS.std);
  const probabilities = scope(() => noGrad(() => m.forward(tensor(normalized).reshape([1, 1, 28, 28])).softmax(1).toArray() as number[][]));
  return { type: 'prediction', id, probabilities: probabilities[0]! };
}

port.addEventListener('message', (event) => {
  const message = event.data;
  try {
    port.postMessage(message.type === 'load' ? load(message.name, message.bytes) : predict(message.id, message.pixels));
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
