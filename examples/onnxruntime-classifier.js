// A classifier head run by onnxruntime-node, its logits turned into class probabilities by
// softmax: the ort output tensor goes straight in. The model (logits = x W + b: 4 features, 3
// classes) is built here as ONNX protobuf bytes, so the example needs no model file. Needs
// onnxruntime-node:
//   ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node
const { softmax } = require('simd-softmax');

let ort;
try {
  ort = require('onnxruntime-node');
} catch {
  console.log('onnxruntime-node is not installed: ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node');
  process.exit(0);
}

const CLASSES = ['cat', 'dog', 'bird'];

// Protobuf: varints, integer fields (wire type 0) and length-delimited fields (wire type 2).
const varint = (n) => (n < 128 ? [n] : [(n & 127) | 128, ...varint(n >>> 7)]);
const int = (field, value) => [...varint(field * 8), ...varint(value)];
const bytes = (field, content) => [...varint(field * 8 + 2), ...varint(content.length), ...content];
const text = (field, value) => bytes(field, [...Buffer.from(value)]);
const FLOAT = 1;

// ValueInfoProto of a float tensor of this shape (a string dim is symbolic: any batch size).
const tensorInfo = (name, shape) => [...text(1, name), ...bytes(2, bytes(1, [...int(1, FLOAT),
  ...bytes(2, shape.flatMap((d) => bytes(1, typeof d === 'string' ? text(2, d) : int(1, d))))]))];
// TensorProto: an initializer holding float32 values.
const initializer = (name, dims, values) =>
  [...dims.flatMap((d) => int(1, d)), ...int(2, FLOAT), ...text(8, name), ...bytes(9, [...Buffer.from(Float32Array.from(values).buffer)])];
const node = (op, inputs, output) => [...inputs.flatMap((i) => text(1, i)), ...text(2, output), ...text(4, op)];

// logits = MatMul(x, W) + b.
function classifierModel(weights, bias) {
  const graph = [...bytes(1, node('MatMul', ['x', 'W'], 'xW')), ...bytes(1, node('Add', ['xW', 'b'], 'logits')),
    ...text(2, 'head'), ...bytes(5, initializer('W', [4, 3], weights)), ...bytes(5, initializer('b', [3], bias)),
    ...bytes(11, tensorInfo('x', ['batch', 4])), ...bytes(12, tensorInfo('logits', ['batch', 3]))];
  return Uint8Array.from([...int(1, 8), ...bytes(7, graph), ...bytes(8, [...text(1, ''), ...int(2, 13)])]);
}

async function main() {
  const weights = [1.5, -0.5, 0.2, -1.0, 2.0, 0.3, 0.4, 0.1, 1.8, -0.2, 0.6, -0.9];
  const session = await ort.InferenceSession.create(classifierModel(weights, [0.1, -0.1, 0.0]));
  const features = new ort.Tensor('float32', Float32Array.of(2, 0.5, 0.1, 0.3, 0.2, 1.9, 0.4, -0.5, 0.3, 0.2, 2.2, 0.8), [3, 4]);
  const { logits } = await session.run({ x: features });
  const probs = softmax(logits, -1);
  console.log(String(probs));
  for (let row = 0; row < probs.shape[0]; row++) {
    const p = Array.from(probs.data.subarray(row * 3, row * 3 + 3));
    const best = p.indexOf(Math.max(...p));
    console.log(`sample ${row}: ${CLASSES[best]} (${p[best].toFixed(4)})`);
  }
}

main();
