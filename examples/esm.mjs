// The same through the ES module entry point, with log-softmax, out= and a float64 cast.
import { logSoftmax, softmax, tensor } from 'simd-softmax';

const logits = tensor([[2.0, 1.0, 0.1], [1.0, 3.0, 0.2]]);
const out = new Float64Array(6);
console.log(String(softmax(logits, 1, { dtype: 'float64', out })));
console.log(String(logSoftmax(logits, -1)));
