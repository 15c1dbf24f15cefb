/** A custom op shared by the tests: y = x³ with a hand-written backward (3x²·g) that reads what forward saved. */
import { customOp } from '../../src/index.js';

export const cube = customOp({
  name: 'cube',
  forward(ctx, x) {
    ctx.saveForBackward(x!);
    return x!.mul(x!).mul(x!);
  },
  backward(ctx, g) {
    const [x] = ctx.savedTensors;
    return g.mul(x!.square()).mul(3);
  },
});
