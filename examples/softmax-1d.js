// A 1-D softmax, printed the way PyTorch prints it.
const { tensor, softmax } = require('simd-softmax');

console.log(softmax(tensor([1.0, 2.0, 3.0]), 0).toString());
