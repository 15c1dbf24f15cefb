/**
 * Reinforcement learning, as Gymnasium: environments (`make`, CartPole-v1, Acrobot-v1, MountainCar-v0,
 * Pendulum-v1), spaces, wrappers and a synchronous vector environment.
 */
export { Env, type Info, type StepResult, type ResetArgs, type EnvSpec } from './env.js';
export { Space, Discrete, Box, type BoxDType, type BoxValue } from './spaces.js';
export { Wrapper, TimeLimit, RecordEpisodeStatistics, NormalizeObservation, RunningMeanStd, type EpisodeStatistics } from './wrappers.js';
export { SyncVectorEnv, type AutoresetMode, type BatchedObservation, type VectorStepResult } from './vector.js';
export { make, makeVec, register, registeredEnvs, type EnvEntry, type MakeOptions, type MakeVecOptions } from './registry.js';
export { CartPoleEnv, type CartPoleOptions } from './envs/cartpole.js';
export { AcrobotEnv } from './envs/acrobot.js';
export { MountainCarEnv, type MountainCarOptions } from './envs/mountain-car.js';
export { PendulumEnv, type PendulumOptions } from './envs/pendulum.js';
