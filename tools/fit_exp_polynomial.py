#!/usr/bin/env python3
"""Fit the polynomial behind the float32 exp kernel: e^r ~ 1 + r (c1 + c2 r + c3 r^2 + c4 r^3 + c5 r^4)
on r in [-ln2/2, ln2/2], minimising the maximum relative error (Lawson's iteratively reweighted least
squares, which converges to the minimax fit). The constant term stays exactly 1 so that e^0 = 1,
which makes the largest element of a row contribute exactly 1. Prints the coefficients rounded to float32, and the
relative error of the rounded polynomial evaluated in float64.

Usage: python3 tools/fit_exp_polynomial.py [degree]   (default 5)
"""
import sys
import numpy as np

degree = int(sys.argv[1]) if len(sys.argv) > 1 else 5
half_ln2 = np.log(2.0) / 2
r = np.cos(np.linspace(0, np.pi, 20001)) * half_ln2 * 1.0005  # Chebyshev-spaced, a hair past the range
target = np.exp(r)
# Fixed part 1; the fitted part is sum_k c_k r^k, weighted by 1/e^r (relative error).
basis = np.stack([r ** k for k in range(1, degree + 1)], axis=1)
residual_target = target - 1.0
weights = np.ones_like(r)
for _ in range(200):
    w = np.sqrt(weights) / target
    coeffs, *_ = np.linalg.lstsq(basis * w[:, None], residual_target * w, rcond=None)
    err = np.abs((1.0 + basis @ coeffs - target) / target)
    weights = weights * err
    weights /= weights.sum()

rounded = np.float32(coeffs).astype(np.float64)
err_rounded = np.abs((1.0 + basis @ rounded - target) / target)
for k, c in zip(range(1, degree + 1), np.float32(coeffs)):
    print(f"c{k} = {float(c).hex()}  ({float(c):.9g}f)")
print(f"max relative error of the polynomial (float64 evaluation): {err_rounded.max():.3e}"
      f" = {err_rounded.max() / 2**-24:.3f} half-ulps of float32")
