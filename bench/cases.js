// The standard benchmark cases (float32 and dim -1 unless noted). A half-precision case names its
// float32 twin: the bench times both side by side, and the widen-compute-narrow path a Node user takes.
'use strict';

const CASES = [
  { name: 'tiny', shape: [1, 10], dim: -1, dtype: 'float32' },
  { name: 'cls', shape: [64, 1000], dim: -1, dtype: 'float32' },
  { name: 'vocab', shape: [8, 32000], dim: -1, dtype: 'float32' },
  { name: 'gpt2', shape: [32, 50257], dim: -1, dtype: 'float32' },
  { name: 'attn', shape: [1, 12, 512, 512], dim: -1, dtype: 'float32' },
  { name: 'big', shape: [4096, 4096], dim: -1, dtype: 'float32' },
  { name: 'dim0', shape: [4096, 1024], dim: 0, dtype: 'float32' },
  { name: 'mid', shape: [16, 1000, 64], dim: 1, dtype: 'float32' },
  { name: 'f64-cls', shape: [64, 1000], dim: -1, dtype: 'float64' },
  { name: 'f64-big', shape: [2048, 4096], dim: -1, dtype: 'float64' },
  { name: 'row256k', shape: [1, 256000], dim: -1, dtype: 'float32' },
  // Half precision, each beside its float32 twin (the same shape) in the same rounds.
  { name: 'gpt2-f16', shape: [32, 50257], dim: -1, dtype: 'float16', twin: 'gpt2' },
  { name: 'gpt2-bf16', shape: [32, 50257], dim: -1, dtype: 'bfloat16', twin: 'gpt2' },
  { name: 'big-bf16', shape: [4096, 4096], dim: -1, dtype: 'bfloat16', twin: 'big' },
  { name: 'vocab-f16', shape: [8, 32000], dim: -1, dtype: 'float16', twin: 'vocab' },
  // Options (mask, causal, temperature; see bench/options.js), each beside our plain softmax on the
  // same shape and what a Node user does today (the options applied to a copy in JS, then our softmax).
  { name: 'attn-causal', shape: [1, 12, 512, 512], dim: -1, dtype: 'float32', options: 'causal' },
  { name: 'attn-padmask', shape: [8, 12, 128, 128], dim: -1, dtype: 'float32', options: 'padmask' },
  { name: 'vocab-temp', shape: [8, 32000], dim: -1, dtype: 'float32', options: 'temperature' },
];

const QUICK_CASES = ['tiny', 'cls', 'vocab', 'big', 'dim0', 'mid', 'f64-cls', 'row256k', 'vocab-f16', 'big-bf16', 'attn-causal',
  'attn-padmask', 'vocab-temp'];

module.exports = { CASES, QUICK_CASES };
