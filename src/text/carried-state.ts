/**
 * Memory of a decoding loop: what the steps created lives exactly as long as the carried state reaches it.
 */
import { reachableStorage, type Storage } from '../core/storage.js';

/**
 * The storage that the steps of one decoding call (`generate`, the searches) created and the carried state still reaches;
 * the rest of it is released as soon as a new state replaces the old one (storage made before the
 * call, such as parameters, is never touched).
 * @example
 * const carried = new CarriedState();
 * carried.replace(state, created);
 */
export class CarriedState {
  private live = new Set<Storage>();

  /**
   * Takes the storage a step created; releases what the new state no longer reaches.
   * @example
   * carried.replace(nextState, created);
   */
  replace(state: unknown, created: readonly Storage[]): void {
    for (const s of created) if (!s.disposed) this.live.add(s);
    const reached = reachableStorage(state);
    for (const s of this.live) {
      if (!reached.has(s)) {
        s.release();
        this.live.delete(s);
      }
    }
  }

  /**
   * Releases everything still held (the call is done).
   * @example
   * carried.releaseAll();
   */
  releaseAll(): void {
    for (const s of this.live) s.release();
    this.live.clear();
  }
}
