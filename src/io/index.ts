/**
 * Saving and loading: safetensors bytes for state dicts.
 */
export { toSafetensors, fromSafetensors, type SafetensorsContent } from './safetensors.js';
