/**
 * The encoder–decoder Transformer that spells words as phonemes: letter and phoneme embeddings plus
 * learned positions, `nn.Transformer` (batch first), and a linear head over the phonemes.
 */
import { arange, nn, type Tensor } from 'nabla';
import { PAD } from './data.js';

/** The model's sizes. */
export interface G2PConfig {
  letters: number;
  phonemes: number;
  dModel: number;
  heads: number;
  encoderLayers: number;
  decoderLayers: number;
  feedForward: number;
  dropout: number;
  /** Pre-norm layers (`normFirst`). */
  normFirst: boolean;
  /** The longest spelling or pronunciation (+ stop mark) the learned positions cover. */
  maxLength: number;
}

/** The encoder's output for a batch of words: what the decoder attends to. */
export interface Memory {
  /** [N, S, dModel]. */
  memory: Tensor;
  /** [N, S]: true marks padding (PyTorch's convention). */
  padding: Tensor;
}

/**
 * Letters in, phonemes out.
 * @example
 * const model = new G2PTransformer({ letters: 28, phonemes: 72, dModel: 128, heads: 4, encoderLayers: 3,
 *   decoderLayers: 3, feedForward: 512, dropout: 0.1, normFirst: true, maxLength: 48 });
 * const logits = model.forward(src, tgtIn); // [N, T, 72]
 */
export class G2PTransformer extends nn.Module {
  srcEmbed: nn.Embedding;
  tgtEmbed: nn.Embedding;
  srcPos: nn.Embedding;
  tgtPos: nn.Embedding;
  transformer: nn.Transformer;
  head: nn.Linear;
  dropout: nn.Dropout;

  constructor(readonly config: G2PConfig) {
    super();
    const c = config;
    this.srcEmbed = new nn.Embedding(c.letters, c.dModel, { paddingIdx: PAD });
    this.tgtEmbed = new nn.Embedding(c.phonemes, c.dModel, { paddingIdx: PAD });
    this.srcPos = new nn.Embedding(c.maxLength, c.dModel);
    this.tgtPos = new nn.Embedding(c.maxLength, c.dModel);
    this.transformer = new nn.Transformer({
      dModel: c.dModel, nhead: c.heads, numEncoderLayers: c.encoderLayers, numDecoderLayers: c.decoderLayers,
      dimFeedforward: c.feedForward, dropout: c.dropout, batchFirst: true, normFirst: c.normFirst,
    });
    this.head = new nn.Linear(c.dModel, c.phonemes);
    this.dropout = new nn.Dropout(c.dropout);
  }

  /** Encodes letter ids [N, S] (PAD-padded). */
  encode(src: Tensor): Memory {
    const padding = src.eq(PAD);
    const s = src.shape[1]!;
    const x = this.dropout.forward(this.srcEmbed.forward(src).add(this.srcPos.forward(arange(0, s, 1, { dtype: 'int32' }))));
    const encoder = this.transformer.encoder as nn.TransformerEncoder;
    return { memory: encoder.forward(x, { srcKeyPaddingMask: padding }), padding };
  }

  /**
   * Phoneme logits [N, T, V] for decoder inputs [N, T] (`<s>` then the phonemes so far). Causal
   * self-attention; target padding needs no mask, since it only follows a word's phonemes and the
   * loss ignores its outputs. With a cache (incremental decoding), `tgt` holds only the new
   * positions, which continue the cached ones.
   */
  decode(tgt: Tensor, { memory, padding }: Memory, cache?: nn.KVCache): Tensor {
    const x = this.embedTarget(tgt, cache?.length ?? 0);
    const decoder = this.transformer.decoder as nn.TransformerDecoder;
    return this.head.forward(decoder.forward(x, memory, { tgtIsCausal: true, memoryKeyPaddingMask: padding, cache: cache ?? null }));
  }

  /** Teacher-forced logits [N, T, V] for letters [N, S] and decoder inputs [N, T]. */
  forward(src: Tensor, tgtIn: Tensor): Tensor {
    return this.decode(tgtIn, this.encode(src));
  }

  /**
   * The last decoder layer's cross-attention weights [N, heads, T, S] for letters [N, S] and decoder
   * inputs [N, T]: row i is the query that predicts phoneme i. The decoder runs as in `decode` up to
   * that attention, which is then asked for its weights (`needWeights`). For plots.
   * @example
   * const weights = noGrad(() => model.crossAttentionWeights(src, tgtIn)); // [N, 4, T, S]
   */
  crossAttentionWeights(src: Tensor, tgtIn: Tensor): Tensor {
    const { memory, padding } = this.encode(src);
    const layers = [...(this.transformer.decoder as nn.TransformerDecoder).layers] as nn.TransformerDecoderLayer[];
    const last = layers.pop()!;
    let x = this.embedTarget(tgtIn, 0);
    for (const layer of layers) x = layer.forward(x, memory, { tgtIsCausal: true, memoryKeyPaddingMask: padding });
    // the last layer's self-attention block (pre- or post-norm), then the query of its cross-attention
    const selfAttention = (h: Tensor): Tensor => last.dropout1.forward(last.selfAttn.forward(h, h, h, { needWeights: false, isCausal: true })[0]);
    const query = last.normFirst ? last.norm2.forward(x.add(selfAttention(last.norm1.forward(x)))) : last.norm1.forward(x.add(selfAttention(x)));
    return last.multiheadAttn.forward(query, memory, memory, { keyPaddingMask: padding, needWeights: true, averageAttnWeights: false })[1]!;
  }

  /** Phoneme plus position embeddings [N, T, dModel] of ids [N, T] at positions past, past + 1, … */
  private embedTarget(tgt: Tensor, past: number): Tensor {
    const t = tgt.shape[1]!;
    return this.dropout.forward(this.tgtEmbed.forward(tgt).add(this.tgtPos.forward(arange(past, past + t, 1, { dtype: 'int32' }))));
  }
}
