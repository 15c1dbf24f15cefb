/**
 * Canvas drawing for the Playground: the heat map of P(class 1) under the points, and the loss and
 * accuracy curves. Canvas rather than nabla's SVG `scatterPlot`: building that SVG string alone for
 * 60 × 60 cells and 200 points takes about 25 ms in Node, before the browser parses it, which leaves
 * no room for 30 updates a second; the canvas frame takes a millisecond or two (the page shows it).
 */
import type { Canvas, Context2d, ImageDataLike, PageGlobals } from './dom.js';
import { DOMAIN, GRID } from './protocol.js';

const page = globalThis as unknown as PageGlobals;

/** Class 0 (orange) and class 1 (blue), as RGB. */
const CLASS_RGB: readonly [number, number, number][] = [[245, 147, 34], [8, 119, 189]];
const CLASS_CSS = CLASS_RGB.map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`);

/** A canvas sized for the device's pixel ratio, drawing in CSS pixels. */
export function context2d(canvas: Canvas): Context2d {
  const ratio = page.devicePixelRatio || 1;
  const width = canvas.width;
  const height = canvas.height;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('this browser gives no 2d canvas context');
  ctx.scale(ratio, ratio);
  return ctx;
}

/** Draws the GRID × GRID probabilities on a GRID-pixel image, scaled up smoothly by drawImage. */
export class BoundaryView {
  private readonly cells: Canvas = page.document.createElement('canvas');
  private readonly cellsCtx: Context2d;
  private readonly image: ImageDataLike;

  constructor(private readonly ctx: Context2d, private readonly size: number) {
    this.cells.width = GRID;
    this.cells.height = GRID;
    const cellsCtx = this.cells.getContext('2d');
    if (cellsCtx === null) throw new Error('this browser gives no 2d canvas context');
    this.cellsCtx = cellsCtx;
    this.image = cellsCtx.createImageData(GRID, GRID);
  }

  /** The heat map (null: blank), then the points: `points` row-major n × 2, hollow when `hollow`. */
  draw(grid: Float32Array | null, sets: { points: Float32Array; labels: Uint8Array; hollow: boolean }[]): void {
    const { ctx, size } = this;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    if (grid !== null) {
      this.paintCells(grid);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.cells, 0, 0, size, size);
    }
    for (const set of sets) this.drawPoints(set.points, set.labels, set.hollow);
    ctx.strokeStyle = '#999';
    ctx.strokeRect(0.5, 0.5, size - 1, size - 1);
  }

  /** Each cell: the colour of its likelier class, faded to white where p is near 0.5. */
  private paintCells(grid: Float32Array): void {
    const pixels = this.image.data;
    for (let i = 0; i < GRID * GRID; i++) {
      const p = grid[i]!;
      const [r, g, b] = CLASS_RGB[p >= 0.5 ? 1 : 0]!;
      const strength = Math.min(1, Math.abs(p - 0.5) * 2) * 0.55; // at most 55% colour: the points stay visible
      pixels[4 * i] = 255 + (r - 255) * strength;
      pixels[4 * i + 1] = 255 + (g - 255) * strength;
      pixels[4 * i + 2] = 255 + (b - 255) * strength;
      pixels[4 * i + 3] = 255;
    }
    this.cellsCtx.putImageData(this.image, 0, 0);
  }

  private drawPoints(points: Float32Array, labels: Uint8Array, hollow: boolean): void {
    const { ctx, size } = this;
    const toPixel = (u: number): number => ((u + DOMAIN) / (2 * DOMAIN)) * size;
    ctx.lineWidth = hollow ? 1.5 : 1;
    for (let i = 0; i < labels.length; i++) {
      const colour = CLASS_CSS[labels[i]!]!;
      ctx.beginPath();
      ctx.arc(toPixel(points[2 * i]!), size - toPixel(points[2 * i + 1]!), 3.5, 0, 2 * Math.PI);
      if (hollow) {
        ctx.strokeStyle = colour;
      } else {
        ctx.fillStyle = colour;
        ctx.fill();
        ctx.strokeStyle = '#fff';
      }
      ctx.stroke();
    }
  }
}

/** One curve of a CurveView: its values (one per recorded step) and colour. */
export interface Curve {
  label: string;
  colour: string;
  values: readonly number[];
}

/** A small line chart: curves over the recorded steps, y from `yMin` to `yMax` (null: the data's max). */
export function drawCurves(
  ctx: Context2d, width: number, height: number,
  steps: readonly number[], curves: readonly Curve[], yMin: number, yMax: number | null,
): void {
  const left = 40;
  const bottom = height - 18;
  const top = 8;
  const right = width - 8;
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#666';
  ctx.strokeStyle = '#ccc';
  ctx.lineWidth = 1;
  ctx.strokeRect(left + 0.5, top + 0.5, right - left, bottom - top);
  const maxValue = yMax ?? Math.max(1e-6, ...curves.flatMap((c) => c.values.filter(Number.isFinite)));
  const lastStep = steps.length > 0 ? Math.max(1, steps[steps.length - 1]!) : 1;
  ctx.fillText(format(maxValue), 2, top + 10);
  ctx.fillText(format(yMin), 2, bottom);
  ctx.fillText('step', left, height - 4);
  ctx.fillText(String(lastStep), right - ctx.measureText(String(lastStep)).width, height - 4);
  const x = (step: number): number => left + ((right - left) * step) / lastStep;
  const y = (v: number): number => bottom - ((bottom - top) * (Math.min(Math.max(v, yMin), maxValue) - yMin)) / (maxValue - yMin);
  // the legend sits in the axis row, between 'step' and the last step
  let legendX = left + ctx.measureText('step').width + 16;
  for (const curve of curves) {
    ctx.strokeStyle = curve.colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    curve.values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(steps[i]!), y(v)) : ctx.lineTo(x(steps[i]!), y(v))));
    ctx.stroke();
    ctx.fillStyle = curve.colour;
    ctx.fillText(curve.label, legendX, height - 4);
    legendX += ctx.measureText(curve.label).width + 12;
  }
}

function format(v: number): string {
  return v >= 100 || v === 0 ? v.toFixed(0) : v.toPrecision(2);
}
