/**
 * The two MNIST models of the main job: a LeNet-style CNN and an MLP.
 */
import { F, nn, type Tensor } from 'nabla';

/**
 * conv 3×3 (1→c) + BN + ReLU + max-pool 2 → conv 3×3 (c→2c) + BN + ReLU + max-pool 2 →
 * linear (2c·7·7 → 128) + ReLU + dropout → linear (128 → 10).
 */
export class LeNet extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  fc1: nn.Linear;
  dropout = new nn.Dropout(0.25);
  fc2 = new nn.Linear(128, 10);

  constructor(readonly channels = 16) {
    super();
    this.conv1 = new nn.Conv2d(1, channels, 3, { padding: 1 });
    this.bn1 = new nn.BatchNorm2d(channels);
    this.conv2 = new nn.Conv2d(channels, 2 * channels, 3, { padding: 1 });
    this.bn2 = new nn.BatchNorm2d(2 * channels);
    this.fc1 = new nn.Linear(2 * channels * 7 * 7, 128);
  }

  forward(x: Tensor): Tensor {
    let h = F.maxPool2d(this.bn1.forward(this.conv1.forward(x)).relu(), 2);
    h = F.maxPool2d(this.bn2.forward(this.conv2.forward(h)).relu(), 2);
    return this.fc2.forward(this.dropout.forward(this.fc1.forward(h.flatten(1)).relu()));
  }
}

/** 784 → 256 → 128 → 10 with ReLU and dropout, on flattened images. */
export class MLP extends nn.Module {
  layers = new nn.Sequential(
    new nn.Flatten(),
    new nn.Linear(784, 256),
    new nn.ReLU(),
    new nn.Dropout(0.2),
    new nn.Linear(256, 128),
    new nn.ReLU(),
    new nn.Linear(128, 10),
  );

  forward(x: Tensor): Tensor {
    return this.layers.forward(x);
  }
}
