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
    const headDim = this.dModel / this.heads;
    // [B, T, 3, H, hd] → three [B, H, T, hd] views (no copies: the attention kernels read strides)
    const qkv = this.qkv.forward(x).reshape(b, t, 3, this.heads, headDim).permute(2, 0, 3, 1, 4);
    let [q, k, v] = [qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2)] as [Tensor, Tensor, Tensor];
    const past = cache?.length ?? 0;
    if (cache !== undefined) [k, v] = cache.append(k.contiguous(), v.contiguous());
    // new positions p0 + i see keys j ≤ p0 + i: causal when nothing is cached, everything for one new token
    let y: Tensor;
    if (past === 0) y = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    else if (t === 1) y = F.scaledDotProductAttention(q, k, v);
    else y = F.scaledDotProductAttention(q, k, v, { attnMask: arange(past + t).unsqueeze(0).le(arange(t).add(past).unsqueeze(1)) });
    return this.proj.forward(y.transpose(1, 2).reshape(b, t, this.dModel));
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
    const past = cache?.length ?? 0;
    const t = ids.shape[1]!;
    let x = this.tok.forward(ids).add(this.pos.forward(arange(past, past + t, 1, { dtype: 'int32' })));
    let i = 0;
    for (const block of this.blocks) x = (block as Block).forward(x, cache?.layer(i++));
    return this.head.forward(this.lnF.forward(x));
  }
}
