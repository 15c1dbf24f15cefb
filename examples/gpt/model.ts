/**
 * A GPT (decoder-only Transformer) over characters: token and learned position embeddings, pre-LN
 * blocks x + Attn(LN(x)), x + MLP(LN(x)) with causal fused attention and a GELU MLP, a final
 * LayerNorm and a linear head. Decoding reuses past keys and values through `nn.KVCache`.
 */
import { F, arange, nn, type Tensor } from 'nabla';

/** The model's sizes. */
export interface GPTConfig {
  vocab: number;
  context: number;
  layers: number;
  dModel: number;
  heads: number;
  mlp: number;
}

class CausalSelfAttention extends nn.Module {
  qkv: nn.Linear;
  proj: nn.Linear;

  constructor(readonly dModel: number, readonly heads: number) {
    super();
    this.qkv = new nn.Linear(dModel, 3 * dModel);
    this.proj = new nn.Linear(dModel, dModel);
  }

  /** x [B, T, D]; with a cache layer, the new positions attend to every cached one too. */
  forward(x: Tensor, cache?: nn.KVCacheLayer): Tensor {
    const [b, t] = x.shape as [number, number, number];
    let [q, k, v] = this.split(x);
    const past = cache?.length ?? 0;
    if (cache !== undefined) [k, v] = cache.append(k.contiguous(), v.contiguous());
    // new positions p0 + i see keys j ≤ p0 + i: causal when nothing is cached, everything for one new token
    let y: Tensor;
    if (past === 0) y = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    else if (t === 1) y = F.scaledDotProductAttention(q, k, v);
    else y = F.scaledDotProductAttention(q, k, v, { attnMask: arange(past + t).unsqueeze(0).le(arange(t).add(past).unsqueeze(1)) });
    return this.proj.forward(y.transpose(1, 2).reshape(b, t, this.dModel));
  }

  /**
   * The attention weights [B, H, T, T] that forward's fused attention uses for x [B, T, D] (no cache),
   * computed explicitly: softmax(q·kᵀ/√hd + causal mask), row i = query position i. For plots.
   */
  attentionWeights(x: Tensor): Tensor {
    const t = x.shape[1]!;
    const [q, k] = this.split(x);
    const scores = q.matmul(k.transpose(2, 3)).mul(1 / Math.sqrt(this.dModel / this.heads));
    // query i sees keys j ≤ i
    return scores.maskedFill(arange(t).unsqueeze(0).gt(arange(t).unsqueeze(1)), -Infinity).softmax(-1);
  }

  /** q, k and v [B, H, T, hd] of x [B, T, D]: views of [B, T, 3, H, hd] (no copies: the attention kernels read strides). */
  private split(x: Tensor): [Tensor, Tensor, Tensor] {
    const [b, t] = x.shape as [number, number, number];
    const qkv = this.qkv.forward(x).reshape(b, t, 3, this.heads, this.dModel / this.heads).permute(2, 0, 3, 1, 4);
    return [qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2)];
  }
}

class Block extends nn.Module {
  ln1: nn.LayerNorm;
  attn: CausalSelfAttention;
  ln2: nn.LayerNorm;
  fc: nn.Linear;
  out: nn.Linear;

  constructor(c: GPTConfig) {
    super();
    this.ln1 = new nn.LayerNorm(c.dModel);
    this.attn = new CausalSelfAttention(c.dModel, c.heads);
    this.ln2 = new nn.LayerNorm(c.dModel);
    this.fc = new nn.Linear(c.dModel, c.mlp);
    this.out = new nn.Linear(c.mlp, c.dModel);
  }

  forward(x: Tensor, cache?: nn.KVCacheLayer): Tensor {
    const h = x.add(this.attn.forward(this.ln1.forward(x), cache));
    return h.add(this.out.forward(F.gelu(this.fc.forward(this.ln2.forward(h)))));
  }
}

/**
 * The character GPT.
 * @example
 * const model = new GPT({ vocab: 89, context: 128, layers: 4, dModel: 128, heads: 4, mlp: 512 });
 * const logits = model.forward(ids); // [B, T, vocab]
 */
export class GPT extends nn.Module {
  tok: nn.Embedding;
  pos: nn.Embedding;
  blocks: nn.ModuleList;
  lnF: nn.LayerNorm;
  head: nn.Linear;

  constructor(readonly config: GPTConfig) {
    super();
    this.tok = new nn.Embedding(config.vocab, config.dModel);
    this.pos = new nn.Embedding(config.context, config.dModel);
    this.blocks = new nn.ModuleList(Array.from({ length: config.layers }, () => new Block(config)));
    this.lnF = new nn.LayerNorm(config.dModel);
    this.head = new nn.Linear(config.dModel, config.vocab);
  }

  /** Logits [B, T, vocab] for token ids [B, T]; with a cache, the ids continue the cached positions. */
  forward(ids: Tensor, cache?: nn.KVCache): Tensor {
    let x = this.embed(ids, cache?.length ?? 0);
    let i = 0;
    for (const block of this.blocks) x = (block as Block).forward(x, cache?.layer(i++));
    return this.head.forward(this.lnF.forward(x));
  }

  /**
   * Every block's attention weights [B, H, T, T] for token ids [B, T] (from position 0, no cache).
   * @example
   * const [first] = noGrad(() => model.attentionWeights(ids)); // first block: [B, heads, T, T]
   */
  attentionWeights(ids: Tensor): Tensor[] {
    let x = this.embed(ids, 0);
    const weights: Tensor[] = [];
    for (const module of this.blocks) {
      const block = module as Block;
      weights.push(block.attn.attentionWeights(block.ln1.forward(x)));
      x = block.forward(x);
    }
    return weights;
  }

  /** Token plus position embeddings [B, T, D] of ids [B, T] at positions past, past + 1, … */
  private embed(ids: Tensor, past: number): Tensor {
    const t = ids.shape[1]!;
    return this.tok.forward(ids).add(this.pos.forward(arange(past, past + t, 1, { dtype: 'int32' })));
  }
}
