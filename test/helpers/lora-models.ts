// The models of scripts/fixtures/lora.py, in nabla (same fields, so the same state-dict keys).
import { nn, type Tensor } from '../../src/index.js';

/** Token ids [N, T] → embedding → fc1 → tanh → fc2: logits [N, T, 3]. */
export class EmbedMLP extends nn.Module {
  emb = new nn.Embedding(10, 6);
  fc1 = new nn.Linear(6, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(this.emb.forward(x)).tanh());
  }
}

/** [N, 2, 4, 4] → conv 3×3 (padding 1) → relu → flatten → head: [N, 3]. */
export class SmallCNN extends nn.Module {
  conv = new nn.Conv2d(2, 4, 3, { padding: 1 });
  head = new nn.Linear(64, 3);
  forward(x: Tensor): Tensor {
    return this.head.forward(this.conv.forward(x).relu().flatten(1));
  }
}

/** The model of a fixture case, by name. */
export function buildLoraCase(name: string): nn.Module {
  if (name === 'embed_mlp') return new EmbedMLP();
  if (name === 'small_cnn') return new SmallCNN();
  throw new Error(`no LoRA fixture model named ${name}`);
}
