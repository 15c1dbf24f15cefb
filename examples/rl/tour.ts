/**
 * The README's "Reinforcement learning" code (test/readme.test.ts checks that the two are the same and
 * that it runs): one CartPole episode with a random policy network, a vector environment, a distribution.
 */
import { distributions, manualSeed, nn, noGrad, rl, scope, tensor } from 'nabla';

manualSeed(0);
const env = new rl.RecordEpisodeStatistics(rl.make('CartPole-v1'));   // Env<Float32Array, number>
const policy = new nn.Sequential(new nn.Linear(4, 64), new nn.Tanh(), new nn.Linear(64, 2));

let [obs] = env.reset({ seed: 42 });            // Float32Array [x, ẋ, θ, θ̇]
for (let done = false; !done;) {
  const action = noGrad(() => scope(() => {
    const logits = policy.forward(tensor(obs, { shape: [1, 4] }));
    return new distributions.Categorical({ logits }).sample().item();   // 0 or 1
  }));
  const [next, reward, terminated, truncated, info] = env.step(action);
  obs = next;
  done = terminated || truncated;
  if (done) console.log(info.episode);            // { r: return, l: length, t: seconds }
}

const envs = rl.makeVec('Pendulum-v1', 8, { autoresetMode: 'same-step' });   // 8 copies, auto-reset
const [batch] = envs.reset({ seed: 1 });                                      // 8 × 3 observations
const normal = new distributions.Independent(new distributions.Normal(tensor([0, 0]), tensor([1, 1])), 1);
const x = normal.rsample([4]);                                                 // [4, 2], differentiable
console.log(batch.length, normal.logProb(x).shape, String(envs.singleActionSpace));
