// An onnxruntime-node model with a float16 output, its tensor passed straight to softmax.
// The model (float32 logits cast to float16, as a half-precision head returns them) is built here
// as ONNX protobuf bytes, so the example needs no model file. Needs onnxruntime-node:
//   ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node
const { softmax } = require('simd-softmax');

let ort;
try {
  ort = require('onnxruntime-node');
} catch {
  console.log('onnxruntime-node is not installed: ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node');
  process.exit(0);
}

// Protobuf: varints, integer fields (wire type 0) and length-delimited fields (wire type 2).
const varint = (n) => (n < 128 ? [n] : [(n & 127) | 128, ...varint(n >>> 7)]);
const int = (field, value) => [...varint(field * 8), ...varint(value)];
const bytes = (field, content) => [...varint(field * 8 + 2), ...varint(content.length), ...content];
const text = (field, value) => bytes(field, [...Buffer.from(value)]);
const FLOAT = 1;
const FLOAT16 = 10;

// ValueInfoProto of a tensor of this element type and shape.
const tensorInfo = (name, elementType, shape) =>
  [...text(1, name), ...bytes(2, bytes(1, [...int(1, elementType), ...bytes(2, shape.flatMap((d) => bytes(1, int(1, d))))]))];

// y = Cast(x, to = FLOAT16): a graph whose output is float16, like a half-precision model's logits.
function float16LogitsModel(shape) {
  const to = [...text(1, 'to'), ...int(20, 2), ...int(3, FLOAT16)];
  const cast = [...text(1, 'x'), ...text(2, 'logits'), ...text(4, 'Cast'), ...bytes(5, to)];
  const graph = [...bytes(1, cast), ...text(2, 'head'), ...bytes(11, tensorInfo('x', FLOAT, shape)),
    ...bytes(12, tensorInfo('logits', FLOAT16, shape))];
  return Uint8Array.from([...int(1, 8), ...bytes(7, graph), ...bytes(8, [...text(1, ''), ...int(2, 13)])]);
}

async function main() {
  const session = await ort.InferenceSession.create(float16LogitsModel([2, 3]));
  const x = new ort.Tensor('float32', Float32Array.of(-10, 4, 8, 1, 2, 3), [2, 3]);
  const { logits } = await session.run({ x });
  console.log(`logits: type ${logits.type}, data ${logits.data.constructor.name}, dims [${logits.dims}]`);
  const probs = softmax(logits, -1);
  console.log(String(probs));
  console.log(String(probs.sum(-1)));
}

main();
