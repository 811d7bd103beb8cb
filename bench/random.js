// Seeded random inputs for the bench and tools: Gaussian samples (Box-Muller over mulberry32), so
// every run measures the same numbers.
'use strict';

/** A function returning standard normal samples, from a 32-bit seed. */
function gaussian(seed) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A typed array of `length` normal samples times `scale`. */
function gaussianArray(Ctor, length, seed, scale = 1) {
  const next = gaussian(seed);
  const out = new Ctor(length);
  for (let i = 0; i < length; i++) out[i] = next() * scale;
  return out;
}

module.exports = { gaussian, gaussianArray };
