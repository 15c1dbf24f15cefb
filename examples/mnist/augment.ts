/**
 * Data augmentation for MNIST: every image shifted by its own random offset of up to ±2 pixels.
 */
import { tensor, type Generator, type Tensor } from 'nabla';

const SIDE = 28;

/**
 * Shifts each image of `x` [N, 1, 28, 28] by a random (dy, dx) in [−max, max]², filling with the
 * background value (the image's minimum, i.e. 0 before normalisation), via one gather.
 */
export function randomShift(x: Tensor, generator: Generator, max = 2): Tensor {
  const n = x.shape[0]!;
  const side = SIDE + 2 * max;
  const background = x.min().item();
  const padded = x.pad([max, max, max, max], background).reshape(n, 1, side * side);
  const index = new Int32Array(n * SIDE * SIDE);
  for (let i = 0; i < n; i++) {
    const dy = generator.randint(0, 2 * max + 1);
    const dx = generator.randint(0, 2 * max + 1);
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < SIDE; c++) index[(i * SIDE + r) * SIDE + c] = (r + dy) * side + (c + dx);
    }
  }
  return padded.gather(2, tensor(index, { shape: [n, 1, SIDE * SIDE] })).reshape(n, 1, SIDE, SIDE);
}
