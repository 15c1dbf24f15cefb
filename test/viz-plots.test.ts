import { describe, expect, it } from 'vitest';
import {
  ArgumentError, ShapeError, colormap, heatmap, histogramBins, histogramPlot, imageGrid, imshow, scatterPlot, tensor,
} from '../src/index.js';
import { all, byClass, parseXml, type XmlNode } from './helpers/svg.js';

const one = (node: XmlNode, cls: string): XmlNode => {
  const found = byClass(node, cls);
  expect(found.length, `elements of class ${cls}`).toBe(1);
  return found[0]!;
};
const num = (n: XmlNode, attr: string): number => Number(n.attrs[attr]);

const NASTY = 'a < b & "c"';

describe('colormap', () => {
  it('has the viridis, gray and coolwarm endpoints and midpoints', () => {
    expect(colormap('viridis', 0)).toBe('#440154');
    expect(colormap('viridis', 1)).toBe('#fde725');
    expect(colormap('viridis', 0.5)).toBe('#21918c');
    // halfway between the anchors at 0 (#440154) and 0.1 (#482475): (70, 18.5, 100.5) rounded
    expect(colormap('viridis', 0.05)).toBe('#461365');
    expect(colormap('gray', 0)).toBe('#000000');
    expect(colormap('gray', 0.5)).toBe('#808080');
    expect(colormap('gray', 1)).toBe('#ffffff');
    expect(colormap('coolwarm', 0)).toBe('#3b4cc0');
    expect(colormap('coolwarm', 0.5)).toBe('#dddddd');
    expect(colormap('coolwarm', 1)).toBe('#b40426');
  });

  it('clamps t, draws NaN in the missing colour and rejects unknown names', () => {
    expect(colormap('viridis', -3)).toBe('#440154');
    expect(colormap('viridis', Infinity)).toBe('#fde725');
    expect(colormap('viridis', NaN)).toBe('#ff00ff');
    expect(() => colormap('jet' as never, 0)).toThrow("[colormap] name must be one of 'viridis', 'gray', 'coolwarm', got \"jet\"");
  });
});

describe('histogramBins', () => {
  it('splits [min, max] into equal bins, half-open except the closed last one', () => {
    const h = histogramBins([1, 2, 2, 3, 10], { bins: 3 });
    expect(h.edges).toEqual([1, 4, 7, 10]);
    expect(h.counts).toEqual([4, 0, 1]);
    expect(h.density[0]).toBeCloseTo(4 / 15, 12);
    expect(h.density[2]).toBeCloseTo(1 / 15, 12);
    expect(histogramBins([0, 0.5, 1], { bins: 2 }).counts).toEqual([1, 2]);
    expect(histogramBins([4], { bins: 3, range: [1, 10] }).counts).toEqual([0, 1, 0]);
  });

  it('bins against the computed edges exactly, as NumPy does', () => {
    // edge 3 of linspace(0, 1, 11) is 3 * 0.1 = 0.30000000000000004 > 0.3, so 0.3 falls in bin 2
    // (np.histogram([0.3], bins=10, range=(0, 1)) counts it there too)
    const h = histogramBins([0.3], { bins: 10, range: [0, 1] });
    expect(h.edges[3]).toBe(0.30000000000000004);
    expect(h.counts.indexOf(1)).toBe(2);
  });

  it("estimates 'auto', 'sturges' and 'fd' widths as numpy.histogram_bin_edges", () => {
    const ten = Array.from({ length: 10 }, (_, i) => i);
    // sturges width 9 / (log2(10) + 1) = 2.08 < fd width 2 * 4.5 * 10^(-1/3) = 4.18: ceil(9 / 2.08) = 5 bins
    const auto = histogramBins(ten);
    expect(auto.edges.length).toBe(6);
    [0, 1.8, 3.6, 5.4, 7.2, 9].forEach((e, k) => expect(auto.edges[k]).toBeCloseTo(e, 12));
    expect(auto.counts).toEqual([2, 2, 2, 2, 2]);
    // fd: IQR 4.5 → width 4.177 → ceil(9 / 4.177) = 3 bins
    expect(histogramBins(ten, { bins: 'fd' }).counts).toEqual([3, 3, 4]);
    expect(histogramBins(ten, { bins: 'sturges' }).counts.length).toBe(5);
    // an outlier: IQR 1 → fd width 2 · 9^(-1/3) = 0.9615 beats sturges 100 / (log2 9 + 1) = 24 → ceil(104.004) = 105 bins
    const outlier = histogramBins([0, 0, 0, 0, 1, 1, 1, 1, 100]);
    expect(outlier.counts.length).toBe(105);
    expect([outlier.counts[0], outlier.counts[1], outlier.counts[104]]).toEqual([4, 4, 1]);
    // constant data: one bin over [x - 0.5, x + 0.5]
    expect(histogramBins([3, 3, 3])).toMatchObject({ edges: [2.5, 3.5], counts: [3] });
    expect(histogramBins([])).toMatchObject({ edges: [0, 1], counts: [0], density: [0] });
  });

  it('takes explicit edges and a range, and counts what it leaves out', () => {
    const h = histogramBins([0.5, 1, 4.9, 5, 6, -1, NaN, Infinity], { bins: [0, 1, 5] });
    expect(h.counts).toEqual([1, 3]);
    expect(h.outOfRange).toBe(2);
    expect(h.nonFinite).toBe(2);
    // density integrates to one over the counted values
    expect(h.density[0]! * 1 + h.density[1]! * 4).toBeCloseTo(1, 12);
    expect(histogramBins([1, 2, 3, 9], { bins: 2, range: [0, 4] })).toMatchObject({ edges: [0, 2, 4], counts: [1, 2], outOfRange: 1 });
    expect(histogramBins(tensor([1, 2, 3, 4]), { bins: 2 }).counts).toEqual([2, 2]);
  });

  it('rejects bad bins and ranges by name', () => {
    expect(() => histogramBins([1], { bins: 0 })).toThrow('[histogramBins] bins must be an integer in [1, 100000], got 0');
    expect(() => histogramBins([1], { bins: 'doane' as never })).toThrow("[histogramBins] bins must be a positive integer, 'auto', 'sturges', 'fd' or an array of edges");
    expect(() => histogramBins([1], { bins: [0, 2, 1] })).toThrow('[histogramBins] bins edges must be finite and strictly increasing, got [0,2,1]');
    expect(() => histogramBins([1], { range: [1, 1] })).toThrow('[histogramBins] range must be [lo, hi] with finite lo < hi, got [1,1]');
    expect(() => histogramBins([1, '2'] as never)).toThrow('[histogramBins] values[1] must be a number, got "2"');
    expect(() => histogramBins(null as never)).toThrow(ArgumentError);
  });
});

describe('histogramPlot', () => {
  const svg = histogramPlot([1, 2, 2, 3, 10, NaN], { bins: 3, title: NASTY, xLabel: 'value' });
  const doc = parseXml(svg);

  it('draws one bar per bin with heights proportional to the counts', () => {
    expect(doc.attrs).toMatchObject({ width: '640', height: '400' });
    const bars = all(one(doc, 'bars'), 'rect');
    expect(bars.length).toBe(3);
    expect(bars.map((b) => all(b, 'title')[0]!.text)).toEqual(['[1, 4): 4', '[4, 7): 0', '[7, 10]: 1']);
    const heights = bars.map((b) => num(b, 'height'));
    expect(heights[1]).toBe(0);
    expect(heights[0]! / heights[2]!).toBeCloseTo(4, 1);
    // equal widths, touching, left to right; all bars stand on the same baseline
    expect(num(bars[1]!, 'x')).toBeCloseTo(num(bars[0]!, 'x') + num(bars[0]!, 'width'), 1);
    expect(num(bars[1]!, 'width')).toBeCloseTo(num(bars[0]!, 'width'), 1);
    const baselines = bars.map((b) => num(b, 'y') + num(b, 'height'));
    expect(Math.max(...baselines) - Math.min(...baselines)).toBeLessThan(0.02);
    expect(bars[0]!.attrs.fill).toBe('#1f77b4');
  });

  it('labels the axes, escapes the title and notes the NaN it left out', () => {
    expect(all(doc, 'title')[0]!.text).toBe(NASTY);
    expect(one(doc, 'title').text).toBe(NASTY);
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(one(doc, 'y-label').text).toBe('count');
    expect(one(doc, 'x-label').text).toBe('value');
    expect(one(doc, 'note').text).toBe('not shown: 1 NaN/Inf');
    const ticks = byClass(doc, 'tick').map((t) => t.text);
    expect(ticks).toContain('0');
    expect(ticks).toContain('4');
  });

  it('draws densities when asked', () => {
    const d = parseXml(histogramPlot([0, 0, 1], { bins: 2, density: true }));
    expect(one(d, 'y-label').text).toBe('density');
    expect(all(one(d, 'bars'), 'title').map((t) => t.text)).toEqual(['[0, 0.5): 2 (density 1.333)', '[0.5, 1]: 1 (density 0.6667)']);
    expect(() => histogramPlot([1], { width: 50 })).toThrow('[histogramPlot] width must be a number >= 100, got 50');
    expect(() => histogramPlot([1], { bins: -1 })).toThrow('[histogramPlot] bins must be an integer');
  });
});

describe('scatterPlot', () => {
  const x = [0, 1, 2, 3, NaN];
  const y = [0, 1, 0, 1, 5];
  const labels = [0, 1, 1, 0, 1];

  it('draws one circle per finite point, coloured by class, with a legend', () => {
    const doc = parseXml(scatterPlot({ x, y, labels, classNames: ['cat', 'R&D <dog>'], title: NASTY }));
    const circles = all(one(doc, 'points'), 'circle');
    expect(circles.length).toBe(4);
    expect(circles.map((c) => c.attrs.fill)).toEqual(['#1f77b4', '#ff7f0e', '#ff7f0e', '#1f77b4']);
    // x and y map monotonically to pixels (y upwards)
    expect(num(circles[1]!, 'cx')).toBeGreaterThan(num(circles[0]!, 'cx'));
    expect(num(circles[1]!, 'cy')).toBeLessThan(num(circles[0]!, 'cy'));
    const legend = one(doc, 'legend');
    expect(all(legend, 'text').map((t) => t.text)).toEqual(['cat', 'R&D <dog>']);
    expect(all(legend, 'circle').map((c) => c.attrs.fill)).toEqual(['#1f77b4', '#ff7f0e']);
    expect(one(doc, 'note').text).toBe('not shown: 1 NaN/Inf points');
    expect(all(doc, 'title')[0]!.text).toBe(NASTY);
  });

  it('draws the boundary grid under the points, row 0 at the bottom', () => {
    // 2 rows × 3 cols of P(class 1): NaN is drawn magenta
    const grid = [0, 0.5, 1, 0.25, NaN, 0.75];
    const doc = parseXml(scatterPlot({ x, y, labels, boundary: { grid, rows: 2, cols: 3, xRange: [-1, 4], yRange: [-1, 2] } }));
    const cells = all(one(doc, 'boundary'), 'rect');
    expect(cells.length).toBe(6);
    // class 0's colour lightened (0.6 of the way from white), white at 0.5, class 1's lightened
    expect(cells.map((c) => c.attrs.fill)).toEqual(['#79add2', '#ffffff', '#ffb26e', '#bcd6e9', '#ff00ff', '#ffd9b7']);
    expect(num(cells[3]!, 'y')).toBeLessThan(num(cells[0]!, 'y'));
    expect(num(cells[1]!, 'x')).toBeGreaterThan(num(cells[0]!, 'x'));
    // the cells tile the plot area exactly (the axes take the boundary's ranges)
    const clip = all(all(doc, 'clipPath')[0]!, 'rect')[0]!;
    expect(num(cells[0]!, 'x')).toBeCloseTo(num(clip, 'x'), 1);
    expect(num(cells[2]!, 'x') + num(cells[2]!, 'width')).toBeCloseTo(num(clip, 'x') + num(clip, 'width'), 1);
    expect(num(cells[0]!, 'y') + num(cells[0]!, 'height')).toBeCloseTo(num(clip, 'y') + num(clip, 'height'), 1);
    // the boundary comes before (under) the points
    const order = doc.children.map((c) => c.attrs.class);
    expect(order.indexOf('boundary')).toBeLessThan(order.indexOf('points'));
  });

  it('colours cells by the argmax of class scores', () => {
    const grid = [0.1, 0.9, 0.0, /**/ 5, 1, 2, /**/ 0, 1, 7, /**/ 0, NaN, 1];
    const doc = parseXml(scatterPlot({ x: [0], y: [0], boundary: { grid, rows: 2, cols: 2, classes: 3, xRange: [0, 1], yRange: [0, 1] } }));
    const fills = all(one(doc, 'boundary'), 'rect').map((c) => c.attrs.fill);
    // class k's palette colour 35% of the way from white
    expect(fills).toEqual(['#ffd2ab', '#b1cfe5', '#b5deb5', '#ff00ff']);
    expect(byClass(doc, 'legend').length).toBe(0);
  });

  it('accepts Tensors', () => {
    const doc = parseXml(scatterPlot({ x: tensor([1, 2, 3], { requiresGrad: true }), y: tensor([3, 2, 1]), labels: tensor([0, 2, 2], { dtype: 'int32' }) }));
    expect(all(one(doc, 'points'), 'circle').map((c) => c.attrs.fill)).toEqual(['#1f77b4', '#2ca02c', '#2ca02c']);
  });

  it('rejects mismatched lengths and bad labels or grids with the shapes named', () => {
    expect(() => scatterPlot({ x: [1, 2], y: [1] })).toThrow(ShapeError);
    expect(() => scatterPlot({ x: [1, 2], y: [1] })).toThrow('[scatterPlot] x has 2 values but y has 1');
    expect(() => scatterPlot({ x: [1], y: [1], labels: [0, 1] })).toThrow('[scatterPlot] labels has 2 values but x has 1');
    expect(() => scatterPlot({ x: [1], y: [1], labels: [1.5] })).toThrow('[scatterPlot] labels[0] must be a non-negative integer class id, got 1.5');
    const boundary = { grid: [0, 1, 0], rows: 2, cols: 2, xRange: [0, 1], yRange: [0, 1] } as const;
    expect(() => scatterPlot({ x: [1], y: [1], boundary })).toThrow('[scatterPlot] boundary.grid has 3 values, expected rows × cols = 2 × 2 = 4');
    expect(() => scatterPlot({ x: [1], y: [1], boundary: { ...boundary, classes: 2 } }))
      .toThrow('[scatterPlot] boundary.grid has 3 values, expected rows × cols × classes = 2 × 2 × 2 = 8');
    expect(() => scatterPlot({ x: [1], y: [1], boundary: { ...boundary, grid: [0, 1, 2, 0] } }))
      .toThrow('[scatterPlot] boundary.grid values must be probabilities in [0, 1] (or pass boundary.classes for class scores), got 2 at row 1, col 0');
    expect(() => scatterPlot({ x: [1], y: [1], boundary: { ...boundary, grid: [0, 0, 0, 0], xRange: [1, 0] } }))
      .toThrow('[scatterPlot] boundary.xRange must be [lo, hi] with finite lo < hi, got [1,0]');
    expect(() => scatterPlot({ x: [1], y: [1], id: 'a b' })).toThrow('[scatterPlot] id must be letters');
  });
});

describe('heatmap', () => {
  const confusion = [[5, 1, 0], [2, 7, NaN]];
  const svg = heatmap(confusion, { annotate: true, rowLabels: ['cat', 'dog'], colLabels: ['a', 'b', 'c'], title: NASTY, xLabel: 'predicted', yLabel: 'true' });
  const doc = parseXml(svg);

  it('colours cells by value, viridis from min to max, NaN as missing', () => {
    const cells = all(one(doc, 'cells'), 'rect');
    expect(cells.length).toBe(6);
    expect(cells[2]!.attrs.fill).toBe('#440154'); // 0, the min
    expect(cells[4]!.attrs.fill).toBe('#fde725'); // 7, the max
    expect(cells[0]!.attrs.fill).toBe(colormap('viridis', 5 / 7));
    expect(cells[5]!.attrs).toMatchObject({ fill: '#ff00ff', class: 'missing' });
    expect(byClass(doc, 'missing').length).toBe(1);
    // row-major, row 0 on top
    expect(num(cells[1]!, 'x')).toBeGreaterThan(num(cells[0]!, 'x'));
    expect(num(cells[3]!, 'y')).toBeGreaterThan(num(cells[0]!, 'y'));
    expect(num(cells[3]!, 'x')).toBe(num(cells[0]!, 'x'));
  });

  it('writes values in readable colours, labels and a colour bar', () => {
    const values = all(one(doc, 'values'), 'text');
    expect(values.map((v) => v.text)).toEqual(['5', '1', '0', '2', '7', 'NaN']);
    expect(values[2]!.attrs.fill).toBe('#ffffff'); // on dark purple
    expect(values[4]!.attrs.fill).toBe('#000000'); // on yellow
    expect(byClass(doc, 'row-label').map((t) => t.text)).toEqual(['cat', 'dog']);
    expect(byClass(doc, 'col-label').map((t) => t.text)).toEqual(['a', 'b', 'c']);
    expect(one(doc, 'x-label').text).toBe('predicted');
    expect(one(doc, 'y-label').text).toBe('true');
    expect(one(doc, 'title').text).toBe(NASTY);
    const bar = one(doc, 'colorbar');
    const stops = all(bar, 'stop');
    expect(stops[0]!.attrs['stop-color']).toBe('#440154');
    expect(stops[stops.length - 1]!.attrs['stop-color']).toBe('#fde725');
    expect(all(bar, 'rect')[0]!.attrs.fill).toBe('url(#heatmap-colorbar)');
    expect(all(bar, 'linearGradient')[0]!.attrs.id).toBe('heatmap-colorbar');
    expect(byClass(bar, 'tick').map((t) => t.text)).toEqual(['0', '2', '4', '6']);
  });

  it('takes { data, rows, cols } and 2-d Tensors, vmin/vmax and other colormaps', () => {
    const flat = parseXml(heatmap({ data: new Float32Array([0, 1, 2, 3]), rows: 2, cols: 2 }, { colormap: 'gray', vmin: 0, vmax: 2 }));
    expect(all(one(flat, 'cells'), 'rect').map((c) => c.attrs.fill)).toEqual(['#000000', '#808080', '#ffffff', '#ffffff']);
    const t = parseXml(heatmap(tensor([[-1, 0, 1]]), { colormap: 'coolwarm', colorbar: false }));
    expect(all(one(t, 'cells'), 'rect').map((c) => c.attrs.fill)).toEqual(['#3b4cc0', '#dddddd', '#b40426']);
    expect(byClass(t, 'colorbar').length).toBe(0);
    // constant data: everything maps to the low end, as matplotlib's Normalize
    expect(all(one(parseXml(heatmap([[2, 2]])), 'cells'), 'rect').map((c) => c.attrs.fill)).toEqual(['#440154', '#440154']);
  });

  it('imshow is heatmap without a colour bar', () => {
    const doc = parseXml(imshow(tensor([[0, 1], [1, 0]]), { cellSize: 4 }));
    expect(byClass(doc, 'colorbar').length).toBe(0);
    const cells = all(one(doc, 'cells'), 'rect');
    expect(cells.map((c) => c.attrs.width)).toEqual(['4', '4', '4', '4']);
    expect(byClass(parseXml(imshow([[0, 1]], { colorbar: true })), 'colorbar').length).toBe(1);
    expect(() => imshow([[1, 2], [3]])).toThrow('[imshow] matrix row 1 has 1 values but row 0 has 2');
  });

  it('rejects bad shapes and options with the function, argument and sizes named', () => {
    expect(() => heatmap({ data: [1, 2, 3], rows: 2, cols: 2 })).toThrow(ShapeError);
    expect(() => heatmap({ data: [1, 2, 3], rows: 2, cols: 2 })).toThrow('[heatmap] matrix.data has 3 values, expected rows × cols = 2 × 2 = 4');
    expect(() => heatmap(tensor([1, 2, 3]))).toThrow('[heatmap] a Tensor matrix must be 2-d, got shape [3]');
    expect(() => heatmap([])).toThrow('[heatmap] matrix has no rows');
    expect(() => heatmap([[1, 2]], { rowLabels: ['a', 'b'] })).toThrow('[heatmap] rowLabels has 2 labels but the matrix has 1 rows');
    expect(() => heatmap([[1, 2]], { colormap: 'jet' as never })).toThrow("[heatmap] colormap must be one of 'viridis', 'gray', 'coolwarm', got \"jet\"");
    expect(() => heatmap([[1, 2]], { vmin: 3, vmax: 1 })).toThrow('[heatmap] vmin must be <= vmax, got vmin=3 vmax=1');
    expect(() => heatmap([[1, 2]], { vmin: NaN })).toThrow('[heatmap] vmin must be a finite number, got NaN');
    expect(() => heatmap('x' as never)).toThrow(ArgumentError);
  });
});

describe('imageGrid', () => {
  // two 2 × 3 images: a ramp and a constant one
  const data = [0, 1, 2, 3, 4, 5, /**/ 7, 7, 7, 7, 7, 7];

  it('draws each image as runs of equal colours, normalized per image', () => {
    const doc = parseXml(imageGrid({ data, count: 2, height: 2, width: 3 }, { scale: 10, titles: ['pred 3 / true 5', NASTY] }));
    const images = byClass(doc, 'image');
    expect(images.length).toBe(2);
    const ramp = all(images[0]!, 'rect');
    expect(ramp.length).toBe(6);
    expect(ramp[0]!.attrs).toMatchObject({ fill: '#000000', width: '10', height: '10' });
    expect(ramp[5]!.attrs.fill).toBe('#ffffff');
    expect(ramp[1]!.attrs.fill).toBe(colormap('gray', 0.2));
    // the constant image: one run per row, each 3 pixels wide, at the low end
    const flat = all(images[1]!, 'rect');
    expect(flat.map((r) => [r.attrs.width, r.attrs.fill])).toEqual([['30', '#000000'], ['30', '#000000']]);
    expect(num(flat[0]!, 'x')).toBeGreaterThan(num(ramp[2]!, 'x'));
    expect(byClass(doc, 'image-title').map((t) => t.text)).toEqual(['pred 3 / true 5', NASTY]);
  });

  it("normalizes over all images or a fixed range, and lays out `columns` per row", () => {
    const all2 = parseXml(imageGrid({ data, count: 2, height: 2, width: 3 }, { normalize: 'all', columns: 1 }));
    const [a, b] = byClass(all2, 'image');
    expect(all(a!, 'rect')[0]!.attrs.fill).toBe('#000000');
    expect(all(b!, 'rect')[0]!.attrs.fill).toBe('#ffffff'); // 7 is the max of both
    expect(num(all(b!, 'rect')[0]!, 'y')).toBeGreaterThan(num(all(a!, 'rect')[5]!, 'y')); // one per row
    const fixed = parseXml(imageGrid({ data: [0, 0.5, 2, NaN], count: 1, height: 2, width: 2 }, { normalize: [0, 1], colormap: 'viridis' }));
    expect(all(fixed, 'rect').slice(1).map((r) => r.attrs.fill)).toEqual(['#440154', '#21918c', '#fde725', '#ff00ff']);
  });

  it('accepts NCHW and NHW Tensors', () => {
    const nchw = tensor(Array.from({ length: 3 * 4 * 4 }, (_, i) => i % 2)).reshape([3, 1, 4, 4]);
    expect(byClass(parseXml(imageGrid(nchw)), 'image').length).toBe(3);
    expect(byClass(parseXml(imageGrid(tensor([[1, 2], [3, 4]]))), 'image').length).toBe(1);
    expect(byClass(parseXml(imageGrid({ data: [], count: 0, height: 28, width: 28 })), 'no-data')[0]!.text).toBe('no images');
  });

  it('rejects bad shapes and options', () => {
    expect(() => imageGrid({ data: [1, 2, 3], count: 1, height: 2, width: 2 }))
      .toThrow('[imageGrid] images.data has 3 values, expected count × height × width = 1 × 2 × 2 = 4');
    expect(() => imageGrid(tensor([[[[1]], [[2]]]]))).toThrow('[imageGrid] images must have shape [N, 1, H, W], [N, H, W] or [H, W] (one channel), got [1,2,1,1]');
    expect(() => imageGrid({ data: [1], count: 1, height: 1, width: 1 }, { titles: ['a', 'b'] })).toThrow('[imageGrid] titles has 2 entries but there are 1 images');
    expect(() => imageGrid({ data: [1], count: 1, height: 1, width: 1 }, { normalize: 'none' as never })).toThrow("[imageGrid] normalize must be 'each', 'all' or [lo, hi]");
    expect(() => imageGrid({ data: [1], count: 1, height: 1, width: 1 }, { scale: 0 })).toThrow('[imageGrid] scale must be an integer in [1, 100], got 0');
  });
});
