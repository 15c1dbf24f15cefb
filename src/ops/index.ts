/**
 * The public ops, by family. Each family file holds its primitives (forward and vjp side by
 * side) and the validated functions users call.
 */
export * from './elementwise.js';
export * from './reduce.js';
export * from './linalg.js';
export * from './view.js';
export * from './copy.js';
export * from './indexing.js';
export * from './scan.js';
export * from './window.js';
export * from './inplace.js';
export { dimArg, sizesArg, sameShapeOf, onesLikeRaw, isContiguousView, numberArg } from './util.js';
