/**
 * Visual tools: SVG line charts and a text progress bar.
 */
export { linePlot, plotCurves, type Series, type LinePlotOptions, type CurvesOptions } from './svg-plot.js';
export {
  ProgressBar,
  type ProgressBarOptions, type ProgressStream, type ProgressMetrics,
} from './progress.js';
