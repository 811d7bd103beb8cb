#!/usr/bin/python3
"""PyTorch's CPU softmax on the benchmark's cases, for `npm run bench` to show side by side.

Reads a JSON list of {key, shape, dim, dtype, op, mode, threads, repeats, minSeconds, options?} on stdin and
prints a JSON object {key: median seconds per call}. Inputs are randn * 3, as in the bench.
Run by bench/peers.js with Debian's python3-torch; not needed otherwise.
"""
import json
import math
import statistics
import sys
import time

import torch

DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}


def median_seconds(fn, repeats, min_seconds):
    fn()
    fn()
    samples = []
    for _ in range(repeats):
        calls = 0
        start = time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        samples.append(elapsed / calls)
    return statistics.median(samples)


def with_options(op, x, options):
    """op with the bench's options done as a torch user does them: masked_fill(~mask, -inf) (a causal
    tril(0) mask, or a [B, 1, 1, S] padding mask keeping the first `padding` of each row), or x / T."""
    if options is None:
        return op
    if "temperature" in options:
        temperature = options["temperature"]
        return lambda x, dim, **kw: op(x / temperature, dim, **kw)
    cols = x.shape[-1]
    if "causal" in options:
        keep = torch.ones(x.shape[-2], cols, dtype=torch.bool).tril(options["causal"])
    else:
        keep = torch.zeros(x.shape[0], 1, 1, cols, dtype=torch.bool)
        keep[..., : int(cols * options["padding"])] = True
    return lambda x, dim, **kw: op(x.masked_fill(~keep, -math.inf), dim, **kw)


def main():
    cases = json.load(sys.stdin)
    results = {}
    torch.manual_seed(0)
    for case in cases:
        torch.set_num_threads(case["threads"])
        dtype = DTYPES[case["dtype"]]
        # bfloat16: float32 samples rounded to it, as the bench's own input is made.
        x = (torch.randn(case["shape"], dtype=torch.float32 if dtype == torch.bfloat16 else dtype) * 3).to(dtype)
        plain = torch.softmax if case["op"] == "softmax" else torch.log_softmax
        dim = case["dim"]
        op = with_options(plain, x, case.get("options"))
        if case["mode"] == "out":
            out = torch.empty_like(x)
            fn = lambda: op(x, dim, out=out)  # noqa: E731
        else:
            fn = lambda: op(x, dim)  # noqa: E731
        results[case["key"]] = median_seconds(fn, case["repeats"], case["minSeconds"])
        print(f"torch {case['key']}", file=sys.stderr)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
