/**
 * A strict XML well-formedness checker for the SVG the viz functions write, and lookups in the
 * tree it returns.
 */

/** A parsed XML element. */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string): string => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]!);

/**
 * A tiny, strict XML parser: one root element, balanced tags, double-quoted attributes without
 * raw < or &, no duplicate attributes, text without raw < or stray &. Throws on anything else.
 * @example
 * parseXml('<a x="1"><b>R&amp;D</b></a>').children[0]!.text; // 'R&D'
 */
export function parseXml(xml: string): XmlNode {
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>/y;
  const attr = /([A-Za-z_:][\w:.-]*)="([^"<]*)"/g;
  const checkText = (s: string, where: number): void => {
    if (s.includes('<') || /&(?!(amp|lt|gt|quot|apos);)/.test(s)) throw new Error(`bad text or entity near offset ${where}: ${JSON.stringify(s.slice(0, 40))}`);
  };
  const stack: XmlNode[] = [];
  let root: XmlNode | null = null;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    checkText(text, i);
    if (stack.length > 0) stack[stack.length - 1]!.text += decode(text);
    else if (text.trim() !== '') throw new Error(`text outside the root at ${i}`);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    if (!m) throw new Error(`malformed tag at ${lt}: ${xml.slice(lt, lt + 60)}`);
    const [whole, closing, name, attrText, selfClosing] = m;
    i = lt + whole.length;
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}> at ${lt}`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const [, k, v] of attrText!.matchAll(attr)) {
      if (k! in attrs) throw new Error(`duplicate attribute ${k} on <${name}>`);
      checkText(v!, lt);
      attrs[k!] = decode(v!);
    }
    const node: XmlNode = { name: name!, attrs, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
    else if (root) throw new Error('a second root element');
    else root = node;
    if (!selfClosing) stack.push(node);
  }
  if (stack.length > 0 || !root) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  return root;
}

/** `node` and its descendants that satisfy `pred`, in document order. */
export const findAll = (node: XmlNode, pred: (n: XmlNode) => boolean): XmlNode[] =>
  [...(pred(node) ? [node] : []), ...node.children.flatMap((c) => findAll(c, pred))];

/** `node` and its descendants named `name` (e.g. 'rect'), in document order. */
export const all = (node: XmlNode, name: string): XmlNode[] => findAll(node, (n) => n.name === name);

/** `node` and its descendants whose class attribute is exactly `cls`, in document order. */
export const byClass = (node: XmlNode, cls: string): XmlNode[] => findAll(node, (n) => n.attrs.class === cls);
