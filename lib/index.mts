// The ES module entry: re-exports the CommonJS build, so the addon loads once per process
// whichever way the package is imported.
export {
  backend, getNumThreads, logSoftmax, logSoftmaxAsync, setNumThreads, softmax, softmaxAsync, Tensor, tensor,
} from './index.js';
export type {
  BackendInfo, Dtype, FloatArray, NestedArray, SoftmaxOptions, TensorLike, TensorOptions,
} from './index.js';
