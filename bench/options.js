// The option cases of the bench (cases.js `options`): the options object ours takes, the values the
// softmax sees (for the reference and the error check), and what a Node user does today without
// them: apply the options to a copy in JS (-inf at masked positions, or x / T in a loop), then call
// our plain softmax on it.
'use strict';

const TEMPERATURE = 0.7;

/** A [B, 1, 1, S] padding mask: the last quarter of every sequence masked out. */
function paddingMask(batch, length) {
  const mask = new Uint8Array(batch * length);
  for (let b = 0; b < batch; b++) mask.fill(1, b * length, b * length + Math.floor((3 * length) / 4));
  return mask;
}

/**
 * For a case with options: { options, applied(x, out), jsToday(x, scratch, out, call, dim), torch }:
 * options for our call; applied fills `out` with what the softmax sees; jsToday is the user's
 * path; torch describes the peer's masked_fill / division.
 */
function optionCase(c) {
  const shape = c.shape;
  const cols = shape[shape.length - 1];
  const rows = shape[shape.length - 2];
  const numel = shape.reduce((a, b) => a * b, 1);
  if (c.options === 'causal') {
    // Row i of each matrix keeps j <= i: a copy with -inf past the diagonal.
    const maskOut = (target) => {
      for (let r = 0; r < numel / cols; r++) target.fill(-Infinity, r * cols + (r % rows) + 1, (r + 1) * cols);
    };
    return {
      options: { causal: true },
      applied: (x, out) => { out.set(x); maskOut(out); },
      jsToday: (x, scratch) => { scratch.set(x); maskOut(scratch); },
      torch: { causal: 0 },
    };
  }
  if (c.options === 'padmask') {
    const batch = shape[0];
    const mask = paddingMask(batch, cols);
    const perBatch = numel / batch;
    const maskOut = (target) => {
      for (let r = 0; r < numel / cols; r++) {
        const b = Math.floor((r * cols) / perBatch);
        for (let j = 0; j < cols; j++) if (mask[b * cols + j] === 0) target[r * cols + j] = -Infinity;
      }
    };
    return {
      options: { mask: { data: mask, shape: [batch, 1, 1, cols] } },
      applied: (x, out) => { out.set(x); maskOut(out); },
      jsToday: (x, scratch) => { scratch.set(x); maskOut(scratch); },
      torch: { padding: 0.75 },
    };
  }
  if (c.options === 'temperature') {
    const t = Math.fround(TEMPERATURE);
    const divide = (x, target) => { for (let i = 0; i < numel; i++) target[i] = x[i] / t; };
    return {
      options: { temperature: TEMPERATURE },
      applied: divide,
      jsToday: divide,
      torch: { temperature: TEMPERATURE },
    };
  }
  throw new Error(`unknown options ${c.options}`);
}

module.exports = { optionCase };
