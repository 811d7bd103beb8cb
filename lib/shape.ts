// Shapes and dims: checked once here, with torch's wording where torch has one.
import { describe, rangeError, typeError } from './errors.js';

/** A copy of `shape` after checking that every entry is a non-negative safe integer. */
export function checkShape(fn: string, name: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) {
    throw typeError(fn, `expected ${name} to be an array of non-negative integers, but got ${describe(shape)}`);
  }
  const result = new Array<number>(shape.length);
  for (let d = 0; d < shape.length; d++) {
    const size: unknown = shape[d];
    if (typeof size !== 'number' || !Number.isInteger(size)) {
      throw typeError(fn, `expected ${name}[${d}] to be a non-negative integer, but got ${describe(size)}`);
    }
    if (size < 0 || size > Number.MAX_SAFE_INTEGER) {
      throw rangeError(fn, `expected ${name}[${d}] to be a non-negative integer, but got ${size}`);
    }
    result[d] = size;
  }
  return result;
}

/** The number of elements of a shape (1 for a 0-d shape); may exceed 2^53 only as an approximation. */
export function numelOf(shape: readonly number[]): number {
  let numel = 1;
  for (const size of shape) numel *= size;
  return numel;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** `dim` wrapped into [0, rank) (a 0-d tensor takes -1 and 0, as in torch), or a clear error. */
export function normalizeDim(fn: string, dim: unknown, rank: number): number {
  if (dim === undefined) {
    throw typeError(fn, `missing the required argument dim (an integer in [${-Math.max(rank, 1)}, ${Math.max(rank, 1) - 1}])`);
  }
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    throw typeError(fn, `expected dim to be an integer, but got ${describe(dim)}`);
  }
  const wrapRank = Math.max(rank, 1);
  if (dim < -wrapRank || dim >= wrapRank) {
    throw rangeError(fn, `Dimension out of range (expected to be in range of [${-wrapRank}, ${wrapRank - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + wrapRank : dim;
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
