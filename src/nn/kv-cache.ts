/**
 * A key-value cache for autoregressive decoding: each attention layer keeps the keys and values of
 * the positions it has seen, so that a new token attends to them without recomputing them.
 */
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import type { Tensor } from '../core/tensor.js';
import { cat } from '../ops/copy.js';

/**
 * One layer's cached keys and values, [B, heads, T, headDim] each (any layout with time at dim −2).
 * @example
 * const layer = new nn.KVCacheLayer();
 * const [keys, values] = layer.append(k, v); // all positions so far
 */
export class KVCacheLayer {
  key: Tensor | null = null;
  value: Tensor | null = null;
  /** A decoder layer's cross-attention cache: the memory's keys and values, projected once (see `MultiheadAttention`'s `memoryCache`). */
  memory: KVCacheLayer | null = null;

  /**
   * Appends the new positions' keys and values (time at dim −2) and returns all of them so far.
   * @example
   * const [keys, values] = cache.layer(0).append(k, v); // k, v: [B, H, 1, D] for one new token
   */
  append(key: Tensor, value: Tensor): [Tensor, Tensor] {
    if (this.key === null || this.value === null) {
      this.key = key;
      this.value = value;
    } else {
      const same = (a: Tensor, b: Tensor): boolean => showShape(a.shape.slice(0, -2)) === showShape(b.shape.slice(0, -2)) && a.shape.at(-1) === b.shape.at(-1);
      check(same(this.key, key) && same(this.value, value), ShapeError,
        () => `[KVCache.append] new keys ${showShape(key.shape)} and values ${showShape(value.shape)} do not continue the cached ${showShape(this.key!.shape)} and ${showShape(this.value!.shape)}`);
      this.key = cat([this.key, key], -2);
      this.value = cat([this.value, value], -2);
    }
    return [this.key, this.value];
  }

  /** Positions cached (0 when empty). */
  get length(): number {
    return this.key === null ? 0 : this.key.shape[this.key.ndim - 2]!;
  }

  /**
   * Keeps rows `index` (int32 [B']) of the batch dim 0, here and in the memory cache.
   * @example
   * layer.reorder(tensor([1, 1], { dtype: 'int32' }));
   */
  reorder(index: Tensor): void {
    if (this.key !== null) this.key = this.key.indexSelect(0, index);
    if (this.value !== null) this.value = this.value.indexSelect(0, index);
    this.memory?.reorder(index);
  }
}

/**
 * The caches of every attention layer of a decoder, passed along the decoding steps (e.g. as the
 * state of `text.generate`). `reorder` follows beam search: it picks, for every new beam, the cache
 * rows of the beam it continues.
 * @example
 * const cache = new nn.KVCache();
 * const [k, v] = cache.layer(0).append(newKeys, newValues);
 */
export class KVCache {
  readonly layers: KVCacheLayer[] = [];

  /**
   * The cache of layer `index` (created empty on first use).
   * @example
   * cache.layer(2).length;
   */
  layer(index: number): KVCacheLayer {
    check(Number.isSafeInteger(index) && index >= 0, ArgumentError, () => `[KVCache.layer] index must be an integer >= 0, got ${fmt(index)}`);
    while (this.layers.length <= index) this.layers.push(new KVCacheLayer());
    return this.layers[index]!;
  }

  /** Positions cached by the first layer. */
  get length(): number {
    return this.layers[0]?.length ?? 0;
  }

  /**
   * Keeps, in every layer, rows `index` (int32 [B']) of the batch dim 0: after a beam-search step,
   * beam b′ continues beam index[b′].
   * @example
   * cache.reorder(tensor([0, 0, 2], { dtype: 'int32' }));
   */
  reorder(index: Tensor): void {
    check(index.dtype === 'int32' && index.ndim === 1, ArgumentError, () => `[KVCache.reorder] index must be a 1-d int32 tensor, got ${index.dtype} ${showShape(index.shape)}`);
    for (const l of this.layers) l.reorder(index);
  }
}
