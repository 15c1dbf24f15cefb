/**
 * The four ways the digits example adapts a network to the digits 5–9: each takes the model (fresh
 * or pretrained on 0–4), gives it a new 5-way head, decides what trains and at which learning rate,
 * and returns the optimiser.
 */
import { nn, optim } from 'nabla';
import { LeNet } from '../mnist/models.js';

export const METHODS = ['scratch', 'head', 'full', 'lora'] as const;
export type Method = (typeof METHODS)[number];

export const DESCRIPTIONS: Record<Method, string> = {
  scratch: '(a) from scratch',
  head: '(b) new classifier, frozen convolutions',
  full: '(c) full fine-tuning, backbone lr ÷ 10',
  lora: '(d) LoRA r=4 on conv1/conv2/fc1 + new head',
};

/** What a method sets up: the model to train, its optimiser, and (for LoRA) the adapter handle. */
export interface Setup {
  model: LeNet;
  optimizer: optim.Optimizer;
  lora: nn.LoraModel | null;
  /** Batch-norm layers that must stay in evaluation mode while training (a frozen backbone's statistics). */
  frozenNorms: nn.Module[];
}

/**
 * Builds the model and optimiser of `method`. `pretrained` is the 0–4 network's state (ignored from
 * scratch); `lr` is the head's learning rate (and the whole model's from scratch).
 */
export function setUp(method: Method, pretrained: Record<string, import('nabla').Tensor>, lr: number): Setup {
  const model = new LeNet();
  model.fc2 = new nn.Linear(128, 5); // digits 5–9 as classes 0–4
  if (method === 'scratch') return { model, optimizer: new optim.Adam(model.parameters(), { lr }), lora: null, frozenNorms: [] };

  // every method but scratch starts from the 0–4 network: its convolutions (the backbone) and, for LoRA,
  // its fc1; the classifier (fc1 → fc2) is new for the head and full methods
  const fresh = { fc1: model.fc1, fc2: model.fc2 };
  model.fc2 = new nn.Linear(128, 5);
  model.loadStateDict(pretrained);
  model.fc2 = fresh.fc2;
  if (method !== 'lora') model.fc1 = fresh.fc1;
  const classifier = [...model.fc1.parameters(), ...model.fc2.parameters()];
  const backbone = model.parameters().filter((p) => !classifier.includes(p));
  if (method === 'head') {
    for (const p of backbone) p.requiresGrad_(false);
    return { model, optimizer: new optim.Adam(classifier, { lr }), lora: null, frozenNorms: [model.bn1, model.bn2] };
  }
  if (method === 'full') {
    // parameter groups: the backbone moves at a tenth of the classifier's rate
    const optimizer = new optim.Adam([{ params: backbone, lr: lr / 10 }, { params: classifier }], { lr });
    return { model, optimizer, lora: null, frozenNorms: [] };
  }
  const head = model.fc2;
  const lora = nn.applyLora(model, { targetModules: ['conv1', 'conv2', 'fc1'], r: 4, alpha: 8 });
  head.requiresGrad_(true); // applyLora froze everything but the adapters; the new head trains too
  const optimizer = new optim.Adam([{ params: lora.trainableParameters() }, { params: head.parameters() }], { lr });
  return { model, optimizer, lora, frozenNorms: [model.bn1, model.bn2] };
}
