import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../src/index.js';
import { linePlot, plotCurves } from '../src/index.js';
import { escapeXml } from '../src/viz/svg.js';
import { formatTick, niceTicks } from '../src/viz/ticks.js';
import { all, byClass, parseXml, type XmlNode } from './helpers/svg.js';

const points = (polyline: XmlNode): number[][] => polyline.attrs.points!.split(' ').map((p) => p.split(',').map(Number));

describe('the test XML parser', () => {
  it('rejects what is not well-formed', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow('duplicate');
    expect(() => parseXml('<a>1 < 2</a>')).toThrow();
    expect(() => parseXml('<a>R&D</a>')).toThrow('bad text');
    expect(() => parseXml('<a x=1/>')).toThrow('malformed');
    expect(parseXml('<a x="&quot;"><b>R&amp;D</b></a>').children[0]!.text).toBe('R&D');
  });
});

describe('linePlot', () => {
  const loss = [2, 1.2, 0.8, 0.5, 0.45, 0.3];
  const svg = linePlot({
    title: 'Loss <train & "test">',
    xLabel: 'step',
    yLabel: "it's the loss",
    series: [{ name: 'train', values: loss }, { name: 'R&D <b>', values: loss.map((v) => v + 0.2), color: '#000' }],
  });
  const root = parseXml(svg);

  it('is a well-formed standalone SVG with the given size', () => {
    expect(root.name).toBe('svg');
    expect(root.attrs).toMatchObject({ xmlns: 'http://www.w3.org/2000/svg', width: '640', height: '400', viewBox: '0 0 640 400' });
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.endsWith('</svg>\n')).toBe(true);
  });

  it('draws one polyline per series, inside the plot area, colored by series', () => {
    const lines = all(root, 'polyline');
    expect(lines.length).toBe(2);
    expect(lines[0]!.attrs.stroke).toBe('#1f77b4');
    expect(lines[1]!.attrs.stroke).toBe('#000');
    const clip = all(root, 'clipPath')[0]!.children[0]!.attrs;
    const [x0, y0, w, h] = [clip.x, clip.y, clip.width, clip.height].map(Number) as [number, number, number, number];
    for (const line of lines) {
      const pts = points(line);
      expect(pts.length).toBe(6);
      for (const [x, y] of pts) {
        expect(x).toBeGreaterThanOrEqual(x0);
        expect(x).toBeLessThanOrEqual(x0 + w);
        expect(y).toBeGreaterThanOrEqual(y0);
        expect(y).toBeLessThanOrEqual(y0 + h);
      }
      // x increases with the index; a smaller loss is lower on the chart (larger SVG y)
      for (let k = 1; k < pts.length; k++) {
        expect(pts[k]![0]).toBeGreaterThan(pts[k - 1]![0]!);
        expect(pts[k]![1]).toBeGreaterThan(pts[k - 1]![1]!);
      }
    }
    expect(all(root, 'g').find((g) => g.attrs['clip-path'])!.attrs['clip-path']).toBe('url(#plot-clip)');
  });

  it('maps values to pixels linearly along nice axes with readable tick labels', () => {
    const ticks = byClass(root, 'tick').map((t) => t.text);
    expect(ticks).toEqual(['0', '1', '2', '3', '4', '5', '0.0', '0.5', '1.0', '1.5', '2.0', '2.5']);
    // y = 2 at index 0 must sit on the "2.0" grid line
    const tick20 = byClass(root, 'tick').find((t) => t.text === '2.0')!;
    const first = points(all(root, 'polyline')[0]!)[0]!;
    expect(first[1]).toBeCloseTo(Number(tick20.attrs.y) - 4, 1);
  });

  it('escapes the title, labels and legend names', () => {
    expect(all(root, 'title')[0]!.text).toBe('Loss <train & "test">');
    expect(byClass(root, 'title')[0]!.text).toBe('Loss <train & "test">');
    expect(byClass(root, 'y-label')[0]!.text).toBe("it's the loss");
    expect(byClass(root, 'x-label')[0]!.text).toBe('step');
    expect(svg).toContain('R&amp;D &lt;b&gt;');
    const legend = byClass(root, 'legend')[0]!;
    expect(all(legend, 'text').map((t) => t.text)).toEqual(['train', 'R&D <b>']);
  });

  it('leaves gaps at NaN and Infinity, dots lone points, and lists empty series only in the legend', () => {
    const doc = parseXml(linePlot({
      series: [
        { name: 'gap', values: [1, 2, NaN, 3, 4] },
        { name: 'lonely', values: [1, Infinity, 2] },
        { name: 'nan', values: [NaN, NaN] },
        { name: 'empty', values: [] },
      ],
    }));
    const series = byClass(doc, 'series');
    expect(series.map((s) => s.attrs['data-name'])).toEqual(['gap', 'lonely', 'nan', 'empty']);
    expect(all(series[0]!, 'polyline').map((p) => points(p).length)).toEqual([2, 2]);
    expect(all(series[1]!, 'polyline').length).toBe(0);
    expect(all(series[1]!, 'circle').length).toBe(2);
    expect(series[2]!.children.length + series[3]!.children.length).toBe(0);
    expect(all(byClass(doc, 'legend')[0]!, 'text').length).toBe(4);
    const numbers = all(doc, 'polyline').flatMap(points).flat();
    expect(numbers.every(Number.isFinite)).toBe(true);
  });

  it('draws axes and a "no data" note when there is nothing to plot', () => {
    const doc = parseXml(linePlot({ series: [] }));
    expect(all(doc, 'polyline').length).toBe(0);
    expect(byClass(doc, 'no-data')[0]!.text).toBe('no data');
    expect(byClass(doc, 'tick').length).toBeGreaterThan(4);
    expect(byClass(doc, 'legend').length).toBe(0);
  });

  it('uses x values and a fixed yRange (ticks inside it, lines clipped)', () => {
    const doc = parseXml(linePlot({ series: [{ name: 'a', values: [0.5, 2, -1], x: [10, 20, 30] }], yRange: [0, 1], id: 'acc' }));
    const ticks = byClass(doc, 'tick').map((t) => t.text);
    expect(ticks).toEqual(['10', '15', '20', '25', '30', '0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    expect(all(doc, 'clipPath')[0]!.attrs.id).toBe('acc-clip');
  });

  it('places the legend where it hides the fewest points', () => {
    const rising = parseXml(linePlot({ series: [{ name: 'acc', values: [0, 0.2, 0.5, 0.8, 0.9, 0.95, 1] }] }));
    const frame = all(byClass(rising, 'legend')[0]!, 'rect')[0]!;
    // the curve reaches the top right, so the legend moves to the top left
    expect(Number(frame.attrs.x)).toBeLessThan(100);
    expect(Number(frame.attrs.y)).toBeLessThan(100);
  });

  it('rejects bad options with the argument named', () => {
    expect(() => linePlot({ series: [], width: 10 })).toThrow('[linePlot] width must be a number >= 100, got 10');
    expect(() => linePlot({ series: [{ name: 'a', values: [1, 2], x: [1] }] })).toThrow('[linePlot] series[0] has 2 values but 1 x values');
    expect(() => linePlot({ series: [{ name: 'a', values: [1] }], yRange: [1, 0] })).toThrow('[linePlot] yRange must be [min, max] with finite min < max, got [1,0]');
    expect(() => linePlot({ series: [{ values: [1] } as never] })).toThrow(ArgumentError);
    expect(() => linePlot({ series: [{ name: 'a', values: ['1'] as never }] })).toThrow('[linePlot] series[0] point 0 must be numbers');
    expect(() => linePlot({ series: [], id: 'a b' })).toThrow('[linePlot] id must be letters');
  });
});

describe('plotCurves', () => {
  it('puts loss and accuracy side by side, epochs from 1, accuracy on [0, 1]', () => {
    const svg = plotCurves({
      title: 'MLP & MNIST',
      loss: { train: [0.9, 0.5, 0.3], test: [1, 0.6, 0.45] },
      accuracy: { train: [0.7, 0.85, 0.9], test: [0.6, 0.8, 0.82] },
    });
    const doc = parseXml(svg);
    expect(doc.attrs.width).toBe('960');
    const panels = byClass(doc, 'panel');
    expect(panels.map((p) => p.attrs.id)).toEqual(['loss', 'accuracy']);
    expect(panels.map((p) => byClass(p, 'title')[0]!.text)).toEqual(['loss', 'accuracy']);
    expect(panels.map((p) => all(p, 'polyline').length)).toEqual([2, 2]);
    expect(byClass(panels[1]!, 'tick').map((t) => t.text)).toEqual(['1', '2', '3', '0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    expect(all(doc, 'title')[0]!.text).toBe('MLP & MNIST');
    // the right panel is drawn in the right half
    const xs = all(panels[1]!, 'polyline').flatMap(points).map((p) => p[0]!);
    expect(Math.min(...xs)).toBeGreaterThan(480);
  });

  it('draws only the loss panel without accuracies, and an auto axis for accuracies in percent', () => {
    expect(byClass(parseXml(plotCurves({ loss: { train: [1, 0.5] } })), 'panel').length).toBe(1);
    const pct = parseXml(plotCurves({ loss: { train: [1, 0.5] }, accuracy: { train: [50, 90] } }));
    expect(byClass(byClass(pct, 'panel')[1]!, 'tick').map((t) => t.text).slice(-1)).toEqual(['90']);
    expect(() => plotCurves({ loss: { train: null as never } })).toThrow('[plotCurves] loss.train must be an array of numbers, got null');
    expect(() => plotCurves({ loss: 3 as never })).toThrow('[plotCurves] loss must be an object of named series, got 3');
  });
});

describe('ticks', () => {
  it('niceTicks covers the range at 1-2-2.5-5 steps', () => {
    expect(niceTicks(0.13, 0.92, 5)).toEqual({ min: 0, max: 1, step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(niceTicks(-0.03, 2.5, 5).values).toEqual([-0.5, 0, 0.5, 1, 1.5, 2, 2.5]);
    expect(niceTicks(0, 1e-5, 4).values).toEqual([0, 2.5e-6, 5e-6, 7.5e-6, 1e-5]);
    expect(niceTicks(3, 3, 5).values).toEqual([1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
    expect(niceTicks(0.05, 0.97, 5, false)).toEqual({ min: 0.05, max: 0.97, step: 0.2, values: [0.2, 0.4, 0.6, 0.8] });
    expect(niceTicks(1, 3, 5, true, 1).values).toEqual([1, 2, 3]);
    expect(niceTicks(0, 49, 6).values).toEqual([0, 10, 20, 30, 40, 50]);
    expect(() => niceTicks(1, 0)).toThrow('[niceTicks] needs finite min <= max, got 1 and 0');
  });

  it('formatTick writes exact, short labels', () => {
    expect(formatTick(0.30000000000000004, 0.1)).toBe('0.3');
    expect(formatTick(0.25, 0.25)).toBe('0.25');
    expect(formatTick(0, 0.5)).toBe('0.0');
    expect(formatTick(40, 10)).toBe('40');
    expect(formatTick(2500000, 500000)).toBe('2.5e+6');
    expect(formatTick(0, 500000)).toBe('0');
    expect(formatTick(7.5e-6, 2.5e-6)).toBe('7.5e-6');
  });

  it('escapeXml escapes the five XML characters', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(escapeXml('bell\u0007')).toBe('bell');
  });
});
