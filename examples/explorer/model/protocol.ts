/** Messages between the Model tab (view.ts) and its worker (worker.ts, built as model-worker.js). */

/** Page → worker: load safetensors bytes (a LeNet of examples/mnist), or classify one 28×28 image. */
export type ToModelWorker =
  | { type: 'load'; name: string; bytes: ArrayBuffer }
  | { type: 'predict'; id: number; pixels: Float32Array };

/** One row of nn.summary on a [1, 1, 28, 28] input. */
export interface LayerRow {
  name: string;
  type: string;
  outputShape: number[] | null;
  params: number;
}

/** Worker → page. */
export type FromModelWorker =
  | {
    type: 'loaded';
    name: string;
    metadata: Record<string, string>;
    rows: LayerRow[];
    totalParams: number;
    /** Each layer's weight histogram (SVG text, from nabla's histogramPlot), by parameter name. */
    histograms: { name: string; svg: string }[];
    /** conv1's filters as an image grid (SVG text, from nabla's imageGrid). */
    filters: string;
    backend: string;
  }
  | { type: 'prediction'; id: number; probabilities: number[] }
  | { type: 'error'; message: string };
