// A one-node ONNX model (Softmax or LogSoftmax over one axis, opset 13), written as protobuf bytes
// by hand, so the bench needs no ONNX tooling to measure onnxruntime-node.
'use strict';

/** Protobuf varint bytes of a non-negative integer. */
function varint(value) {
  const bytes = [];
  let rest = BigInt(value);
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return bytes;
}

// Protobuf fields: an integer (wire type 0) and a length-delimited message or string (wire type 2).
const integerField = (field, value) => [...varint(field * 8), ...varint(value)];
const messageField = (field, bytes) => [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
const stringField = (field, text) => messageField(field, [...Buffer.from(text, 'utf8')]);

// TensorProto.DataType values, and AttributeProto.AttributeType.INT.
const ELEMENT_TYPES = { float32: 1, float64: 11 };
const ATTRIBUTE_INT = 2;

/** ValueInfoProto {name, type: TypeProto {tensor_type: {elem_type, shape: {dim: [{dim_value}]}}}}. */
function valueInfo(name, dtype, shape) {
  const dims = shape.flatMap((size) => messageField(1, integerField(1, size)));
  const tensorType = [...integerField(1, ELEMENT_TYPES[dtype]), ...messageField(2, dims)];
  return [...stringField(1, name), ...messageField(2, messageField(1, tensorType))];
}

/**
 * ModelProto bytes of y = op(x, axis) for x of this dtype and shape; op is 'Softmax' or
 * 'LogSoftmax', axis a non-negative dim.
 */
function softmaxModel(op, axis, dtype, shape) {
  // NodeProto {input, output, op_type, attribute: AttributeProto {name, type, i}}.
  const attribute = [...stringField(1, 'axis'), ...integerField(20, ATTRIBUTE_INT), ...integerField(3, axis)];
  const node = [...stringField(1, 'x'), ...stringField(2, 'y'), ...stringField(4, op), ...messageField(5, attribute)];
  // GraphProto {node, name, input, output}.
  const graph = [...messageField(1, node), ...stringField(2, 'softmax'), ...messageField(11, valueInfo('x', dtype, shape)),
    ...messageField(12, valueInfo('y', dtype, shape))];
  // ModelProto {ir_version 8, graph, opset_import: {domain '', version 13}}.
  const opset = [...stringField(1, ''), ...integerField(2, 13)];
  return Uint8Array.from([...integerField(1, 8), ...messageField(7, graph), ...messageField(8, opset)]);
}

module.exports = { softmaxModel };
