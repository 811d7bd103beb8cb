// Compiled by `npm test` under --strict against the built declarations (dist/): onnxruntime's Tensor
// type goes in as it is (its data union includes string[]; strings are refused at run time), and
// the dtype names type-check. Never run.
import { Tensor as OrtTensor } from 'onnxruntime-common';

import {
  backend, type Dtype, explain, type Isa, logSoftmax, logSoftmaxAsync, softmax, softmaxAsync, Tensor, tensor,
} from '../../dist/index.js';

declare const logits: OrtTensor;

const probabilities: Tensor = softmax(logits, -1);
const logProbabilities: Tensor = logSoftmax(logits, -1, { dtype: 'float32' });
const later: Promise<Tensor> = softmaxAsync(logits, 1);
const laterLog: Promise<Tensor> = logSoftmaxAsync(logits, 1, { dtype: 'bfloat16' });
const dtype: Dtype = probabilities.dtype;
explain(logits, -1, { op: 'logSoftmax' });

// Half-precision inputs and outputs.
softmax({ data: new Uint16Array(6), shape: [2, 3], dtype: 'bfloat16' }, -1, { out: new Uint16Array(6) });
softmax(tensor([1, 2, 3], { dtype: 'float16' }), 0);

// @ts-expect-error: not a dtype softmax computes in
softmax(logits, -1, { dtype: 'int8' });

// Options: an onnxruntime bool tensor as the mask, causal, temperature, fully masked slices.
declare const padding: OrtTensor;
softmax(logits, -1, { mask: padding, causal: { diagonal: 3 }, temperature: 0.7, fullyMasked: 'zero' });
softmaxAsync(logits, -1, { mask: { data: new Uint8Array(4), shape: [1, 4] }, causal: true });
// @ts-expect-error: 'nan' or 'zero'
softmax(logits, -1, { fullyMasked: 'zeros' });
// @ts-expect-error: a boolean or {diagonal}
softmax(logits, -1, { causal: 1 });

export { dtype, later, laterLog, logProbabilities };

// The kernel set is one of five names.
const isa: Isa = backend().isa;
const isas: Isa[] = backend().availableIsas;
// @ts-expect-error: not a kernel set
const notIsa: Isa = 'sse2';

// new Tensor takes data, shape and dtype; lib/'s internal fourth parameter is not in the declarations.
new Tensor(new Float32Array(2), [2], 'float32');
// @ts-expect-error: no fourth parameter
new Tensor(new Float32Array(2), [2], 'float32', Symbol('trusted'));

// The ES module entry declares the same types.
import type { CausalOption, Isa as EsmIsa, MaskLike, SourceDtype } from '../../dist/index.mjs';
const causal: CausalOption = { diagonal: 2 };
const mask: MaskLike = new Uint8Array(4);
const esmIsa: EsmIsa = 'neon';
const source: SourceDtype = 'int8';
softmax(logits, -1, { causal, mask });
