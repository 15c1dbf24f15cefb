/**
 * Visual tools: SVG line charts, scatter plots, histograms, heat maps and image grids, and a text progress bar.
 */
export { linePlot, plotCurves, type Series, type LinePlotOptions, type CurvesOptions } from './svg-plot.js';
export { scatterPlot, type ScatterOptions, type ScatterBoundary } from './svg-scatter.js';
export { histogramPlot, type HistogramPlotOptions } from './svg-hist.js';
export { histogramBins, type Histogram, type HistogramBinsOptions, type BinsSpec } from './histogram.js';
export { heatmap, imshow, type HeatmapOptions, type MatrixInput } from './svg-heatmap.js';
export { imageGrid, type ImageGridOptions, type ImageStack } from './svg-image-grid.js';
export { colormap, type ColormapName } from './colormap.js';
export type { NumericData } from './svg-frame.js';
export {
  ProgressBar,
  type ProgressBarOptions, type ProgressStream, type ProgressMetrics,
} from './progress.js';
export { graphOf, type Graph, type GraphNode, type GraphEdge, type GraphGrad, type GraphOptions, type ValueLike } from './graph.js';
export { toDot, type GraphDotOptions } from './graph-dot.js';
export { graphToSvg, type GraphSvgOptions } from './graph-svg.js';
