/**
 * Tiny helpers to write SVG as text: escaping, elements with attributes, rounded coordinates.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escapes text for XML content and attribute values (& < > " ').
 * @example
 * escapeXml('loss < 1 & "ok"'); // 'loss &lt; 1 &amp; &quot;ok&quot;'
 */
export function escapeXml(text: string): string {
  // drop the control characters XML 1.0 does not allow (tab, newline and carriage return are allowed)
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Attribute values: numbers are written rounded to 2 decimals. */
export type Attributes = Record<string, string | number | undefined>;

/**
 * One SVG element as text: self-closing without `content`, else `<name …>content</name>`.
 * `content` is inserted as is (escape text with `escapeXml` first).
 * @example
 * element('circle', { cx: 1, cy: 2, r: 3 }); // '<circle cx="1" cy="2" r="3"/>'
 */
export function element(name: string, attributes: Attributes, content?: string): string {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? round(v) : escapeXml(v!)}"`)
    .join('');
  return content === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`;
}

/**
 * A coordinate rounded to 2 decimals, without trailing zeros.
 * @example
 * round(1.005); // '1'
 */
export function round(x: number): string {
  const r = Math.round(x * 100) / 100;
  return String(r === 0 ? 0 : r);
}
