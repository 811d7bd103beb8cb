// The ES module entry: re-exports the CommonJS build, so the addon loads once per process
// whichever way the package is imported.
export {
  backend, explain, getAsyncThreads, getNumThreads, setAsyncThreads, logSoftmax, logSoftmaxAsync, setNumThreads, softmax, softmaxAsync, Tensor, tensor,
} from './index.js';
export type {
  BackendInfo, CausalOption, Dtype, ExecutionPlan, ExplainOptions, Float16Array, FloatArray, Isa, KernelVariant, MaskLike,
  NestedArray, OnnxTensorLike, SoftmaxOptions, SourceDtype, TensorLike, TensorOptions, WorkSplit,
} from './index.js';
