/**
 * Visual tools: SVG line charts and a text progress bar.
 */
export { linePlot, plotCurves, type Series, type LinePlotOptions, type CurvesOptions } from './svg-plot.js';
export { niceTicks, formatTick, type Ticks } from './ticks.js';
export { escapeXml } from './svg.js';
export {
  ProgressBar, formatMetric, formatDuration,
  type ProgressBarOptions, type ProgressStream, type ProgressMetrics,
} from './progress.js';
