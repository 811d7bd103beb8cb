// PyTorch's tensor print format (torch/_tensor_str.py of torch 1.13, default print options):
// precision 4, summarised past 1000 elements with 3 edge items, lines of at most 80 characters.
import type { Dtype } from './typed-arrays.js';
import { stridesOf } from './shape.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;

/** How every element of one tensor is written: chosen once from all the (summarised) values. */
class ElementFormatter {
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(values: ArrayLike<number>) {
    const nonzeroFinite: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v) && v !== 0) nonzeroFinite.push(v);
    }
    if (nonzeroFinite.length === 0) return;
    let min = Infinity;
    let max = 0;
    for (const v of nonzeroFinite) {
      const a = Math.abs(v);
      min = Math.min(min, a);
      max = Math.max(max, a);
      if (v !== Math.ceil(v)) this.intMode = false;
    }
    // Scientific notation when magnitudes span more than 1000x, are huge, or (non-integers) tiny.
    this.sciMode = max / min > 1000 || max > 1e8 || (!this.intMode && min < 1e-4);
    for (const v of nonzeroFinite) {
      let text: string;
      if (this.sciMode) text = formatExponential(v, PRECISION);
      else if (this.intMode) text = `${formatFixed(v, 0)}.`;
      else text = formatFixed(v, PRECISION);
      this.maxWidth = Math.max(this.maxWidth, text.length);
    }
  }

  get width(): number {
    return this.maxWidth;
  }

  format(value: number): string {
    let text: string;
    if (this.sciMode) {
      text = formatExponential(value, PRECISION);
    } else if (this.intMode) {
      text = formatFixed(value, 0);
      if (Number.isFinite(value)) text += '.';
    } else {
      text = formatFixed(value, PRECISION);
    }
    return text.padStart(this.maxWidth, ' ');
  }
}

function nonFinite(value: number): string | undefined {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return undefined;
}

/** Python's '{:.Nf}': round half to even on the exact binary value, keep the sign of -0. */
export function formatFixed(value: number, digits: number): string {
  const special = nonFinite(value);
  if (special !== undefined) return special;
  let text = value.toFixed(digits);
  // toFixed rounds exact ties away from zero; Python rounds them to even.
  const scaled = Math.abs(value) * 10 ** digits;
  if (scaled < 2 ** 52 && scaled - Math.floor(scaled) === 0.5 && Math.floor(scaled) % 2 === 0) {
    text = (Math.floor(scaled) / 10 ** digits).toFixed(digits);
  }
  // Negative values (and -0) keep their sign even when they round to zero.
  if ((value < 0 || Object.is(value, -0)) && !text.startsWith('-')) text = `-${text}`;
  return text;
}

/** Python's '{:.Ne}': mantissa with N decimals, exponent signed with at least two digits. */
export function formatExponential(value: number, digits: number): string {
  const special = nonFinite(value);
  if (special !== undefined) return special;
  const text = value.toExponential(digits); // e.g. 1.2346e-5
  const [mantissa, exponent] = text.split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const magnitude = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${Object.is(value, -0) ? '-' : ''}${mantissa}e${sign}${magnitude}`;
}

interface View {
  data: ArrayLike<number>;
  shape: readonly number[];
  offset: number;
  strides: readonly number[];
}


function subView(view: View, index: number): View {
  return {
    data: view.data,
    shape: view.shape.slice(1),
    offset: view.offset + index * view.strides[0],
    strides: view.strides.slice(1),
  };
}

/** The values torch's formatter looks at: with summarisation, only the edge items of every dim. */
function summarizedValues(view: View, summarize: boolean, out: number[]): void {
  if (view.shape.length === 0) {
    out.push(view.data[view.offset]);
    return;
  }
  const size = view.shape[0];
  const indices = summarize && size > 2 * EDGE_ITEMS
    ? [...Array(EDGE_ITEMS).keys(), ...Array.from({ length: EDGE_ITEMS }, (_, i) => size - EDGE_ITEMS + i)]
    : [...Array(size).keys()];
  for (const i of indices) summarizedValues(subView(view, i), summarize, out);
}

function vectorString(view: View, indent: number, summarize: boolean, formatter: ElementFormatter): string {
  const elementLength = formatter.width + 2;
  const elementsPerLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / elementLength));
  const size = view.shape[0];
  const at = (i: number) => formatter.format(view.data[view.offset + i * view.strides[0]]);
  let items: string[];
  if (summarize && size > 2 * EDGE_ITEMS) {
    items = [];
    for (let i = 0; i < EDGE_ITEMS; i++) items.push(at(i));
    items.push(' ...');
    for (let i = size - EDGE_ITEMS; i < size; i++) items.push(at(i));
  } else {
    items = Array.from({ length: size }, (_, i) => at(i));
  }
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += elementsPerLine) lines.push(items.slice(i, i + elementsPerLine).join(', '));
  return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
}

function tensorString(view: View, indent: number, summarize: boolean, formatter: ElementFormatter): string {
  const rank = view.shape.length;
  if (rank === 0) return formatter.format(view.data[view.offset]);
  if (rank === 1) return vectorString(view, indent, summarize, formatter);
  const size = view.shape[0];
  const slices: string[] = [];
  const slice = (i: number) => tensorString(subView(view, i), indent + 1, summarize, formatter);
  if (summarize && size > 2 * EDGE_ITEMS) {
    for (let i = 0; i < EDGE_ITEMS; i++) slices.push(slice(i));
    slices.push('...');
    for (let i = size - EDGE_ITEMS; i < size; i++) slices.push(slice(i));
  } else {
    for (let i = 0; i < size; i++) slices.push(slice(i));
  }
  return `[${slices.join(`,${'\n'.repeat(rank - 1)}${' '.repeat(indent + 1)}`)}]`;
}

/** `tensor([[0.6590, 0.2424, 0.0986], ...])`, as torch prints a CPU tensor of this dtype and shape. */
export function formatTensor(data: ArrayLike<number>, shape: readonly number[], dtype: Dtype): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  let body: string;
  if (data.length === 0) {
    body = '[]';
    if (shape.length !== 1) suffixes.push(`size=(${shape.join(', ')})`);
  } else {
    const view: View = { data, shape, offset: 0, strides: stridesOf(shape) };
    const summarize = data.length > THRESHOLD;
    const values: number[] = [];
    summarizedValues(view, summarize, values);
    body = tensorString(view, indent, summarize, new ElementFormatter(values));
  }
  // float32 is torch's default dtype and is not printed.
  if (dtype !== 'float32') suffixes.push(`dtype=torch.${dtype}`);
  let text = prefix + body;
  let lastLineLength = text.length - text.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > LINE_WIDTH) {
      text += `,\n${' '.repeat(indent)}${suffix}`;
      lastLineLength = indent + suffix.length;
    } else {
      text += `, ${suffix}`;
      lastLineLength += suffix.length + 2;
    }
  }
  return `${text})`;
}
