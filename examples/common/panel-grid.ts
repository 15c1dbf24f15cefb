/**
 * Several SVG documents (heat maps, plots) composed into one: the attention figures of the gpt and
 * g2p examples.
 */

/** SVG documents laid out in a grid (each column as wide as its widest, each row as tall as its tallest), under a title, as one SVG document. */
export function panelGrid(rows: string[][], title: string): string {
  const size = (svg: string): [number, number] => {
    const m = /^<svg [^>]*width="([\d.]+)" height="([\d.]+)"/.exec(svg);
    if (m === null) throw new Error('panelGrid: not an SVG document with a width and height');
    return [Number(m[1]), Number(m[2])];
  };
  const columns: number[] = [];
  for (const row of rows) row.forEach((svg, c) => { columns[c] = Math.max(columns[c] ?? 0, size(svg)[0]); });
  const width = Math.max(title.length * 9 + 24, columns.reduce((a, b) => a + b, 0));
  const panels: string[] = [];
  let y = 40;
  for (const row of rows) {
    let [x, height] = [0, 0];
    row.forEach((svg, c) => {
      panels.push(svg.trimEnd().replace('<svg ', `<svg x="${x}" y="${y}" `)); // nested documents keep their own coordinates
      x += columns[c]!;
      height = Math.max(height, size(svg)[1]);
    });
    y += height;
  }
  const escaped = title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">`,
    `<rect x="0" y="0" width="${width}" height="${y}" fill="white"/>`,
    `<text x="${width / 2}" y="26" text-anchor="middle" font-family="sans-serif" font-size="16" font-weight="bold">${escaped}</text>`,
    ...panels,
    '</svg>\n',
  ].join('\n');
}
