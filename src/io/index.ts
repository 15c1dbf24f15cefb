/**
 * Saving and loading: safetensors bytes for state dicts.
 */
export { toSafetensors, fromSafetensors, type SafetensorsContent, type SafetensorsWriteOptions } from './safetensors.js';
export { type FloatFormat } from './safetensors-dtypes.js';
export { type ByteSource, type FileHandleLike, type BlobLike, type SafetensorsSource } from './safetensors-source.js';
export { SafetensorsReader, type SafetensorsTensorInfo, type SafetensorsReaderOptions } from './safetensors-reader.js';
export { parseSafetensorsIndex, type SafetensorsIndex } from './safetensors-index.js';
export {
  fromShardedSafetensors, toShardedSafetensors, ShardedSafetensorsReader,
  type ShardedSafetensorsContent, type ShardSources, type ShardOptions, type ShardedSafetensors,
} from './safetensors-sharded.js';
export { toOnnx, type OnnxExportOptions } from './onnx/export.js';
export { OnnxExportError } from './onnx/graph.js';
