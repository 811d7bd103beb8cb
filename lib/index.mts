// The ES module entry: re-exports the CommonJS build, so the addon loads once per process
// whichever way the package is imported.
export {
  backend, explain, getAsyncThreads, getNumThreads, setAsyncThreads, logSoftmax, logSoftmaxAsync, setNumThreads, softmax, softmaxAsync, Tensor, tensor,
} from './index.js';
export type {
  BackendInfo, Dtype, ExecutionPlan, ExplainOptions, FloatArray, KernelVariant, NestedArray, OnnxTensorLike, SoftmaxOptions,
  TensorLike, TensorOptions, WorkSplit,
} from './index.js';
