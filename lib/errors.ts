// Message helpers: every error names the function, the argument and what was wrong with it.

/** A short description of a value for an error message: `-3 (number)`, `'abc' (string)`, `a Float32Array`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return `${Object.is(value, -0) ? '-0' : String(value)} (number)`;
    case 'string':
      return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)} (string)`;
    case 'bigint':
      return `${value}n (bigint)`;
    case 'boolean':
      return `${value} (boolean)`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      break;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const name = constructorName(value as object);
  if (name === undefined || name === 'Object') return 'an object';
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}

function constructorName(value: object): string | undefined {
  try {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : undefined;
  } catch {
    return undefined; // a getter or proxy that throws
  }
}

export function typeError(fn: string, message: string): TypeError {
  return new TypeError(`${fn}(): ${message}`);
}

export function rangeError(fn: string, message: string): RangeError {
  return new RangeError(`${fn}(): ${message}`);
}
