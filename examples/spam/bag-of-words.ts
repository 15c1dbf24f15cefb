/**
 * The baseline of the spam filter: logistic regression on a bag of words of the whole raw message
 * (headers and body as they are, every word: more than the recurrent model reads). The vocabulary
 * is the words in at least two training messages; each message is the set of its vocabulary words,
 * weighted 1/√n (n distinct words: unit-length rows), scored by a learned weight per word plus a
 * bias; Adam (lr 0.05) with a small L2 penalty, 30 epochs of batches of 256.
 */
import { F, Generator, nn, optim, scope, tensor, zeros, type Tensor } from 'nabla';

/**
 * A linear model over the distinct words of each message: an embedding of size 1 is a weight per word.
 * @example
 * const bow = new BagOfWords(docs, train); bow.forward([0, 1, 2]); // logits [3]
 */
export class BagOfWords extends nn.Module {
  weights: nn.Embedding;
  bias = new nn.Parameter(tensor([0]));
  private readonly _sets: number[][];

  constructor(docs: readonly string[][], train: readonly number[]) {
    super();
    const messagesWith = new Map<string, number>();
    for (const i of train) for (const w of new Set(docs[i]!)) messagesWith.set(w, (messagesWith.get(w) ?? 0) + 1);
    const vocabulary = new Map([...messagesWith].filter(([, n]) => n >= 2).map(([w], k) => [w, k + 1])); // 0: padding
    this.weights = new nn.Embedding(vocabulary.size + 1, 1, { paddingIdx: 0 });
    nn.init.zeros_(this.weights.weight);
    this._sets = docs.map((d) => [...new Set(d.map((w) => vocabulary.get(w) ?? 0))].filter((k) => k > 0).sort((a, b) => a - b));
  }

  /** Logits of the messages `rows`: each message's word weights gathered and summed into its row (no padding). */
  forward(rows: number[]): Tensor {
    const total = rows.reduce((n, i) => n + this._sets[i]!.length, 0);
    const ids = new Int32Array(total);
    const owner = new Int32Array(total); // the batch row of each gathered word
    let at = 0;
    rows.forEach((i, r) => {
      ids.set(this._sets[i]!, at);
      owner.fill(r, at, at + this._sets[i]!.length);
      at += this._sets[i]!.length;
    });
    const scale = tensor(rows.map((i) => 1 / Math.sqrt(Math.max(1, this._sets[i]!.length))));
    const picked = this.weights.weight.squeeze(1).indexSelect(0, tensor(ids)); // [total]
    return zeros([rows.length]).indexAdd(0, tensor(owner), picked).mul(scale).add(this.bias);
  }
}

/**
 * Trains the baseline on the messages `train` (labels `isSpam`).
 * @example
 * trainBagOfWords(bow, train, isSpam, new Generator(0));
 */
export function trainBagOfWords(bow: BagOfWords, train: readonly number[], isSpam: readonly boolean[], generator: Generator): void {
  const optimizer = new optim.Adam(bow.parameters(), { lr: 0.05 });
  for (let epoch = 0; epoch < 30; epoch++) {
    const order = [...train];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(generator.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let s = 0; s < order.length; s += 256) {
      scope(() => {
        const rows = order.slice(s, s + 256);
        const y = tensor(rows.map((i) => (isSpam[i] ? 1 : 0)));
        const loss = F.binaryCrossEntropyWithLogits(bow.forward(rows), y).add(bow.weights.weight.square().sum().mul(1e-5));
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
      });
    }
  }
}
