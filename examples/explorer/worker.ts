/**
 * The Playground's training worker: builds the data and the MLP, trains it full-batch with Adam (L2 as
 * Adam's weightDecay) and, whenever the page has drawn the previous frame, posts a new one: loss,
 * accuracies and P(class 1) on a GRID × GRID grid for the heat map. Training never waits for drawing:
 * between frames it runs as many steps as fit in TRAIN_SLICE_MS slices.
 */
import {
  F, Generator, backend, getNumThreads, manualSeed, nn, noGrad, optim, scope, setNumThreads, tensor, type Tensor,
} from 'nabla';
import { makeDataset } from './datasets.js';
import type { WorkerGlobals } from './dom.js';
import { DOMAIN, GRID, type PlaygroundConfig } from './protocol.js';

const port = globalThis as unknown as WorkerGlobals;

/** Points per set (train and test each). */
const POINTS = 200;
/** How long one run of training steps lasts before the worker looks at its messages. */
const TRAIN_SLICE_MS = 8;

/** The model, its optimiser and its data as tensors (kept alive across scopes by their owners). */
interface Session {
  model: nn.Sequential;
  optimizer: optim.Adam;
  x: Tensor;
  y: Tensor;
  testX: Tensor;
  testY: Tensor;
  step: number;
}

// A 2-16-16-1 network is far too small for threads to pay: one wasm thread, no nested workers.
setNumThreads(1);
const gridPoints = makeGrid();
let session: Session | null = null;
let running = false;
let loopActive = false;
let awaitingAck = false;
let lastFrame = { time: performance.now(), step: 0 };

/** The grid's cell centres, row 0 at the top (largest y), as a [GRID², 2] tensor. */
function makeGrid(): Tensor {
  const cells = new Float32Array(GRID * GRID * 2);
  for (let row = 0; row < GRID; row++) {
    for (let col = 0; col < GRID; col++) {
      const i = row * GRID + col;
      cells[2 * i] = -DOMAIN + (2 * DOMAIN * (col + 0.5)) / GRID;
      cells[2 * i + 1] = DOMAIN - (2 * DOMAIN * (row + 0.5)) / GRID;
    }
  }
  return tensor(cells).reshape([GRID * GRID, 2]);
}

const ACTIVATIONS = { tanh: () => new nn.Tanh(), relu: () => new nn.ReLU(), sigmoid: () => new nn.Sigmoid(), gelu: () => new nn.GELU() };

/** 2 → (width, activation) × depth → 1 logit. */
function makeModel(config: PlaygroundConfig): nn.Sequential {
  const layers: nn.Module[] = [];
  let inputs = 2;
  for (let i = 0; i < config.depth; i++) {
    layers.push(new nn.Linear(inputs, config.width), ACTIVATIONS[config.activation]());
    inputs = config.width;
  }
  layers.push(new nn.Linear(inputs, 1));
  return new nn.Sequential(...layers);
}

/** Frees the tensors of a session that is being replaced (the optimiser's state goes with the collector). */
function release(s: Session): void {
  for (const t of [s.x, s.y, s.testX, s.testY, ...s.model.parameters()]) t.dispose();
}

function configure(config: PlaygroundConfig): void {
  if (session !== null) release(session);
  manualSeed(config.seed); // the initial weights
  const generator = new Generator(config.seed);
  const train = makeDataset(config.dataset, POINTS, config.noise, generator);
  const test = makeDataset(config.dataset, POINTS, config.noise, generator);
  const model = makeModel(config);
  session = {
    model,
    optimizer: new optim.Adam(model.parameters(), { lr: config.learningRate, weightDecay: config.l2 }),
    x: tensor(train.points).reshape([POINTS, 2]),
    y: tensor(Float32Array.from(train.labels)).reshape([POINTS, 1]),
    testX: tensor(test.points).reshape([POINTS, 2]),
    testY: tensor(Float32Array.from(test.labels)).reshape([POINTS, 1]),
    step: 0,
  };
  port.postMessage({ type: 'data', train: train.points, trainLabels: train.labels, test: test.points, testLabels: test.labels, backend: `${backend().name} × ${getNumThreads()}` });
  awaitingAck = false;
  lastFrame = { time: performance.now(), step: 0 };
  postFrame(session);
}

function trainStep(s: Session): void {
  scope(() => {
    const loss = F.binaryCrossEntropyWithLogits(s.model.forward(s.x), s.y);
    s.optimizer.zeroGrad();
    loss.backward();
    s.optimizer.step();
  });
  s.step++;
}

/** The fraction of points whose logit has the sign of their label. */
function accuracy(model: nn.Sequential, x: Tensor, y: Tensor): number {
  return model.forward(x).gt(0).float().eq(y).float().mean().item();
}

/** Evaluates loss, accuracies and the grid without recording a graph, and posts them (the grid's buffer is transferred). */
function postFrame(s: Session): void {
  const now = performance.now();
  const stepsPerSecond = ((s.step - lastFrame.step) * 1000) / Math.max(now - lastFrame.time, 1);
  lastFrame = { time: now, step: s.step };
  const frame = scope(() => noGrad(() => ({
    loss: F.binaryCrossEntropyWithLogits(s.model.forward(s.x), s.y).item(),
    trainAccuracy: accuracy(s.model, s.x, s.y),
    testAccuracy: accuracy(s.model, s.testX, s.testY),
    grid: new Float32Array(s.model.forward(gridPoints).sigmoid().toTypedArray()),
  })));
  awaitingAck = true;
  port.postMessage({ type: 'frame', step: s.step, stepsPerSecond, ...frame }, [frame.grid.buffer]);
}

/** Lets queued messages (acks, settings) run: a MessageChannel round trip, without setTimeout's clamping. */
const channel = new port.MessageChannel();
const yieldToEvents = (): Promise<void> => new Promise((done) => {
  channel.port1.onmessage = () => done();
  channel.port2.postMessage(null);
});

async function trainLoop(): Promise<void> {
  if (loopActive) return;
  loopActive = true;
  try {
    while (running && session !== null) {
      const s = session;
      const start = performance.now();
      do trainStep(s); while (performance.now() - start < TRAIN_SLICE_MS);
      if (!awaitingAck) postFrame(s);
      await yieldToEvents();
    }
  } finally {
    loopActive = false;
    // paused: the steps of the last slice go out at once, not after the page's next ack, so that the count shown
    // stops where training stopped
    if (!running && session !== null && lastFrame.step !== session.step) postFrame(session);
  }
}

function report(error: unknown): void {
  running = false;
  port.postMessage({ type: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
}

port.addEventListener('message', (event) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'configure': configure(message.config); break;
      case 'tune':
        for (const group of session?.optimizer.paramGroups ?? []) {
          group.lr = message.learningRate;
          group.weightDecay = message.l2;
        }
        break;
      case 'start': running = true; trainLoop().catch(report); break;
      case 'pause': running = false; break;
      case 'step':
        if (session !== null && !running) {
          trainStep(session);
          postFrame(session);
        }
        break;
      case 'ack':
        awaitingAck = false;
        if (!running && session !== null && lastFrame.step !== session.step) postFrame(session);
        break;
    }
  } catch (error) {
    report(error);
  }
});
