// The Float16Array paths, on a runtime that has Float16Array (Node 24 and later, Bun, Deno): run by
// scripts/test-float16array.js. Plain assertions, so that it needs no test framework.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');

const { logSoftmax, softmax, softmaxAsync, Tensor, tensor } = require(path.join(__dirname, '..', '..'));

assert.equal(typeof Float16Array, 'function', 'this runtime has no Float16Array');
let checks = 0;
const check = (fn) => { fn(); checks++; };

const x = Float16Array.of(1, 2, 3, -1, 0, 5);
const bits = new Uint16Array(x.buffer);

// A Float16Array is a float16 input; the result holds a Float16Array, equal to the bits' result.
check(() => {
  const result = softmax({ data: x, shape: [2, 3] }, 1);
  assert.equal(result.dtype, 'float16');
  assert.ok(result.data instanceof Float16Array);
  const fromBits = softmax({ data: bits, shape: [2, 3], dtype: 'float16' }, 1);
  assert.ok(fromBits.data instanceof Float16Array);
  assert.deepEqual(Array.from(result.data), Array.from(fromBits.data));
  assert.equal(String(softmax(Float16Array.of(1, 2, 3), 0)), 'tensor([0.0900, 0.2448, 0.6650], dtype=torch.float16)');
});

// onnxruntime on runtimes with Float16Array may hand one over; a Float16Array tagged bfloat16 is refused.
check(() => {
  const result = logSoftmax({ type: 'float16', dims: [2, 3], data: x }, -1);
  assert.equal(result.dtype, 'float16');
  assert.throws(() => softmax({ data: x, shape: [6], dtype: 'bfloat16' }, 0),
    { name: 'TypeError', message: /input.dtype is 'bfloat16', which is held in a Uint16Array, but input.data is a Float16Array/ });
});

// out: a Float16Array or a Uint16Array; in place on the Float16Array itself.
check(() => {
  const out = new Float16Array(6);
  const result = softmax(x, 0, { out });
  assert.equal(result.data, out);
  const inPlace = Float16Array.from(x);
  softmax(inPlace, 0, { out: inPlace });
  assert.deepEqual(Array.from(inPlace), Array.from(out));
  const outBits = new Uint16Array(6);
  softmax(x, 0, { out: outBits });
  assert.deepEqual(Array.from(new Float16Array(outBits.buffer)), Array.from(out));
  assert.throws(() => softmax({ data: bits, shape: [6], dtype: 'bfloat16' }, 0, { out: new Float16Array(6) }), TypeError);
});

// tensor() keeps a Float16Array's dtype; Tensor wraps one; options.dtype casts to and from float16.
check(() => {
  assert.equal(tensor(x).dtype, 'float16');
  assert.equal(new Tensor(x, [2, 3]).dtype, 'float16');
  const widened = softmax(x, 0, { dtype: 'float32' });
  assert.ok(widened.data instanceof Float32Array);
  const narrowed = softmax(Float32Array.of(1, 2, 3), 0, { dtype: 'float16' });
  assert.ok(narrowed.data instanceof Float16Array);
  assert.deepEqual(Array.from(narrowed.data), [Math.f16round(0.09003057317038046), Math.f16round(0.24472847105479764), Math.f16round(0.6652409557748219)]);
});

// Large enough to skip staging and run on the pool, sync and async alike.
const big = new Float16Array(1 << 18).map((_, i) => Math.sin(i) * 8);
softmaxAsync(big, 0).then((asyncResult) => {
  const syncResult = softmax(big, 0);
  assert.ok(asyncResult.data instanceof Float16Array);
  assert.deepEqual(Array.from(asyncResult.data), Array.from(syncResult.data));
  checks++;
  console.log(`test:float16array: ${checks} checks passed on Node ${process.versions.node}`);
});
