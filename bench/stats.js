// Small helpers the bench and its onnxruntime peer share.
'use strict';

/** The median of a list of numbers. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The {outer, dimSize, inner} view of a shape around dim (negative dims count from the end). */
function splitAroundDim(shape, dim) {
  const d = (dim + shape.length) % shape.length;
  const outer = shape.slice(0, d).reduce((a, b) => a * b, 1);
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
  return [outer, shape[d], inner];
}

module.exports = { median, splitAroundDim };
