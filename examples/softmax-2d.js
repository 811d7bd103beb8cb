// The example of torch.nn.functional.softmax's documentation: softmax over the rows of a matrix.
const { tensor, softmax } = require('simd-softmax');

const probs = softmax(tensor([[2.0, 1.0, 0.1], [1.0, 3.0, 0.2]]), 1);
console.log(String(probs));
console.log(String(probs.sum(1)));
