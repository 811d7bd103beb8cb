#!/usr/bin/env python3
"""Fit the polynomials behind the exp kernels (binding/kernels/exp_constants.h), minimising the maximum
relative error of e^r on r in [-ln2/2, ln2/2]. The constant term stays exactly 1 so that e^0 = 1,
which makes the largest element of a row contribute exactly 1.

float32 (default): e^r ~ 1 + r (c1 + c2 r + ... + c5 r^4), fitted by Lawson's iteratively reweighted
least squares in float64 (which converges to the minimax fit). Prints the coefficients rounded to
float32, and the relative error of the rounded polynomial evaluated in float64.

float64 (--float64): e^r ~ 1 + r (1 + c2 r + ... + c11 r^10), fitted by the Remez exchange in 50-digit
arithmetic (mpmath). c1 is held at exactly 1: a fitted c1 rounds to a double 1 ulp away from 1,
which alone costs 0.3 ulp at r = ln2/2. Prints the coefficients rounded to float64 and the relative
error of the rounded polynomial, evaluated exactly.

Usage: python3 tools/fit_exp_polynomial.py [degree]             (float32, default degree 5)
       python3 tools/fit_exp_polynomial.py --float64 [degree]   (default degree 11)
"""
import sys


def fit_float64(degree):
    import mpmath as mp

    mp.mp.dps = 50
    half_ln2 = mp.log(2) / 2
    free = list(range(2, degree + 1))  # c1 = 1 is fixed; c2..c_degree are fitted
    references = len(free) + 1

    def poly(coeffs, r):  # 1 + r (1 + r (c2 + ...)), coeffs[k] is c_k
        p = mp.mpf(0)
        for k in range(degree, 0, -1):
            p = (p + coeffs[k]) * r
        return 1 + p

    def relative_error(coeffs, r):
        return (poly(coeffs, r) - mp.exp(r)) / mp.exp(r)

    def solve(points):
        # sum_k c_k r_i^k - (e^r_i - 1 - r_i) = (-1)^i E e^r_i at every reference point r_i.
        a, b = mp.matrix(references, references), mp.matrix(references, 1)
        for i, r in enumerate(points):
            for j, k in enumerate(free):
                a[i, j] = r ** k
            a[i, references - 1] = -((-1) ** i) * mp.exp(r)
            b[i] = mp.exp(r) - 1 - r
        solution = mp.lu_solve(a, b)
        coeffs = {1: mp.mpf(1)}
        coeffs.update({k: solution[j] for j, k in enumerate(free)})
        return coeffs, abs(solution[references - 1])

    grid = [half_ln2 * mp.cos(mp.pi * t / 6000) for t in range(6000, -1, -1)]  # ascending
    points = [half_ln2 * mp.cos(mp.pi * (references - i - 0.5) / references) for i in range(references)]
    for _ in range(40):
        coeffs, levelled = solve(points)
        # New references: the largest |error| of each run of one sign, keeping the largest runs.
        runs = []
        for r in grid:
            e = relative_error(coeffs, r)
            if e == 0:
                continue
            sign = e > 0
            if not runs or runs[-1][0] != sign:
                runs.append([sign, r, abs(e)])
            elif abs(e) > runs[-1][2]:
                runs[-1][1:] = [r, abs(e)]
        while len(runs) > references:
            runs.pop(0 if runs[0][2] < runs[-1][2] else -1)
        if len(runs) < references:
            sys.exit(f"the error alternates only {len(runs)} times; try another degree")
        worst = max(run[2] for run in runs)
        points = [run[1] for run in runs]
        if abs(worst - levelled) <= worst * 1e-8:
            break

    rounded = {k: mp.mpf(float(c)) for k, c in coeffs.items()}
    worst_rounded = max(abs(relative_error(rounded, r)) for r in grid)
    for k in range(degree, 0, -1):
        print(f"c{k} = {float(rounded[k]).hex()}  ({float(rounded[k]):.17g})")
    half_ulp = mp.mpf(2) ** -53
    print(f"max relative error: minimax {mp.nstr(worst, 4)}, with coefficients rounded to float64 "
          f"{mp.nstr(worst_rounded, 4)} = {mp.nstr(worst_rounded / half_ulp, 3)} half-ulps of float64")


if len(sys.argv) > 1 and sys.argv[1] == "--float64":
    fit_float64(int(sys.argv[2]) if len(sys.argv) > 2 else 11)
    sys.exit(0)

import numpy as np  # noqa: E402 (the float64 fit needs only mpmath)

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
