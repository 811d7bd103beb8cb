// Shapes: element counts, printing, and the {outer, dimSize, inner} view around a dim.

/** The number of elements of a shape (1 for a 0-d shape); may exceed 2^53 only as an approximation. */
export function numelOf(shape: readonly number[]): number {
  let numel = 1;
  for (const size of shape) numel *= size;
  return numel;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The {outer, dimSize, inner} view of a shape around dim (0-d: all ones). */
export function splitAroundDim(shape: readonly number[], dim: number): [outer: number, dimSize: number, inner: number] {
  if (shape.length === 0) return [1, 1, 1];
  let outer = 1;
  for (let d = 0; d < dim; d++) outer *= shape[d];
  let inner = 1;
  for (let d = dim + 1; d < shape.length; d++) inner *= shape[d];
  return [outer, shape[dim], inner];
}

/** Row-major strides (in elements) of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}
