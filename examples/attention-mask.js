// Attention scores of a batch of two sequences (one padded), causal, with the padding masked out:
// one call, no masked copy of the scores. Then sampling probabilities with a temperature.
const { softmax, tensor } = require('simd-softmax');

const B = 2, H = 1, S = 4;
const scores = new Float32Array(B * H * S * S).map((_, i) => (i % 5) / 2);
// 1 = a real token: the second sequence has one padding position at the end.
const padding = new Uint8Array([1, 1, 1, 1, 1, 1, 1, 0]);
const probs = softmax({ data: scores, shape: [B, H, S, S] }, -1,
  { causal: true, mask: { data: padding, shape: [B, 1, 1, S] }, fullyMasked: 'zero' });
console.log(String(probs));

const logits = tensor([2.0, 1.0, 0.5, -1.0]);
console.log(String(softmax(logits, 0)));
console.log(String(softmax(logits, 0, { temperature: 0.5 })));
