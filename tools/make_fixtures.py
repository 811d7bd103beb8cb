#!/usr/bin/python3
"""Generate test/fixtures/torch-*.json from PyTorch, the reference implementation.

Needs Debian's python3-torch (torch 1.13): `apt-get install python3-torch`, then run
`/usr/bin/python3 tools/make_fixtures.py` from the repository root. The tests only read the JSON
files; they never need torch.

Numbers are stored as JSON numbers that round-trip exactly (float32 values as their exact double),
except NaN and the infinities, which are the strings "nan", "inf" and "-inf".
"""
import json
import math
import os
import sys

import numpy as np
import torch

torch.set_num_threads(1)
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")
DTYPES = {"float32": torch.float32, "float64": torch.float64}
# dtype= arguments the cast fixtures pass (torch 1.13 has bfloat16 softmax on CPU, not float16).
DTYPE_ARGS = {**DTYPES, "bfloat16": torch.bfloat16}
OPS = {"softmax": torch.softmax, "log_softmax": torch.log_softmax}


def encode(values):
    out = []
    for v in values:
        v = float(v)
        if math.isnan(v):
            out.append("nan")
        elif math.isinf(v):
            out.append("inf" if v > 0 else "-inf")
        else:
            out.append(v)
    return out


def record(case_id, x, dim, op, dtype_arg=None):
    """Run torch on tensor x and describe the call and its result (or its error)."""
    entry = {"id": case_id, "op": op, "shape": list(x.shape), "dim": dim,
             "input_dtype": str(x.dtype).replace("torch.", ""),
             "input": encode(x.reshape(-1).tolist()) if x.dtype.is_floating_point else [int(v) for v in x.reshape(-1).tolist()]}
    if dtype_arg is not None:
        entry["dtype"] = dtype_arg
    try:
        kwargs = {"dtype": DTYPE_ARGS[dtype_arg]} if dtype_arg else {}
        y = OPS[op](x, dim, **kwargs)
        entry["output_dtype"] = str(y.dtype).replace("torch.", "")
        entry["output"] = encode(y.reshape(-1).tolist())
    except Exception as error:  # noqa: BLE001 - the error is the fixture
        entry["error"] = f"{type(error).__name__}: {error}"
    return entry


# Special-value rows of the behavioural spec (../shared/notes/torch-semantics.md).
SPECIAL_ROWS = {
    "pos_inf_mid": [1, math.inf, 2], "pos_inf_first": [math.inf, 1, 2], "two_pos_inf": [math.inf, math.inf],
    "pos_inf_and_neg_inf": [math.inf, -math.inf], "pos_inf_and_nan": [math.inf, math.nan],
    "neg_inf_some": [-math.inf, 0, 1], "neg_inf_one_finite": [-math.inf, -math.inf, 3],
    "all_neg_inf": [-math.inf] * 3, "nan_first": [math.nan, 1, 2], "nan_mid": [1, math.nan, 2],
    "nan_last": [1, 2, math.nan], "nan_and_neg_inf": [math.nan, -math.inf], "all_nan": [math.nan, math.nan],
    "huge_pm_1e30": [1e30, -1e30], "huge_equal_1e30": [1e30, 1e30], "huge_1e30_0_m1e30": [1e30, 0, -1e30],
    "large_1000_0": [1000, 0], "large_m1000_0": [-1000, 0], "large_1000_1000": [1000, 1000],
    "large_m1000_m1000": [-1000, -1000], "len1_5": [5], "len1_0": [0], "len1_pos_inf": [math.inf],
    "len1_neg_inf": [-math.inf], "len1_nan": [math.nan], "signed_zeros": [-0.0, 0.0], "all_equal_4": [2, 2, 2, 2],
    "tiny_diff": [1, 1.0000001, 0.9999999],
}
DTYPE_ROWS = {
    "float32": {"dtype_max_pm": [3.4028234663852886e38, -3.4028234663852886e38],
                "dtype_max_equal": [3.4028234663852886e38] * 2, "dtype_lowest_equal": [-3.4028234663852886e38] * 2,
                **{f"denorm_0_m{str(k).replace('.', '_')}": [0, -k] for k in (87, 88, 95, 100, 103, 103.5, 104, 110)}},
    "float64": {"dtype_max_pm": [1.7976931348623157e308, -1.7976931348623157e308],
                "dtype_max_equal": [1.7976931348623157e308] * 2, "dtype_lowest_equal": [-1.7976931348623157e308] * 2,
                **{f"denorm_0_m{k}": [0, -k] for k in (708, 710, 720, 740, 744, 745, 746, 800)}},
}


def long_rows(rng):
    """Rows of 37 elements (vector body + tail for every kernel set) with specials at several places."""
    base = rng.standard_normal(37)
    rows = {"long_all_neg_inf": [-math.inf] * 37, "long_all_nan": [math.nan] * 37}
    for at in (0, 7, 8, 20, 31, 32, 36):
        for name, value in (("pos_inf", math.inf), ("nan", math.nan)):
            row = base.copy()
            row[at] = value
            rows[f"long_{name}_at{at}"] = row.tolist()
        row = np.full(37, -math.inf)
        row[at] = 1.5
        rows[f"long_neg_inf_except_at{at}"] = row.tolist()
    some = base.copy()
    some[[3, 30]] = -math.inf
    rows["long_some_neg_inf"] = some.tolist()
    big = base.copy()
    big[0] = 1000
    rows["long_1000_at0"] = big.tolist()
    return rows


def layouts(row, torch_dtype):
    """The same row along the reduced dim of five layouts: (name, tensor, dim)."""
    r = torch.tensor(row, dtype=torch_dtype)
    n = r.numel()
    filler = torch.arange(n, dtype=torch_dtype) * 0.25
    yield "lastdim_1d", r.clone(), -1
    yield "lastdim_2d", torch.stack([filler, r]), 1
    yield "dim0_inner1", r.reshape(n, 1).clone(), 0
    yield "dim0_inner9", r.reshape(n, 1).repeat(1, 9).contiguous(), 0
    middle = torch.stack([filler, r, filler.flip(0)], dim=1)  # [n, 3]
    yield "dim1_of_3d", torch.stack([middle, middle * 0.5]).contiguous(), 1  # [2, n, 3]


def special_fixtures(rng):
    cases = []
    rows_long = long_rows(rng)
    for dtype_name, torch_dtype in DTYPES.items():
        rows = {**SPECIAL_ROWS, **DTYPE_ROWS[dtype_name], **rows_long}
        for row_name, row in rows.items():
            for layout, x, dim in layouts(row, torch_dtype):
                for op in OPS:
                    cases.append(record(f"{dtype_name}/{op}/{row_name}/{layout}", x, dim, op))
    return cases


def shape_fixtures():
    cases = []
    for dtype_name, torch_dtype in DTYPES.items():
        for op in OPS:
            for value in (5.0, math.inf, -math.inf, math.nan, -3.0):
                for dim in (0, -1, 1, -2):
                    cases.append(record(f"0d/{dtype_name}/{op}/{value}/dim={dim}",
                                        torch.tensor(value, dtype=torch_dtype), dim, op))
            for shape in ([0], [3, 0], [0, 3], [2, 0, 3], [0, 0]):
                for dim in range(-len(shape) - 1, len(shape) + 1):
                    cases.append(record(f"empty/{dtype_name}/{op}/{shape}/dim={dim}",
                                        torch.zeros(shape, dtype=torch_dtype), dim, op))
            for shape, dim in (([2, 3], 2), ([2, 3], -3), ([2, 3], 100), ([2, 3], -100), ([3], 1), ([3], -2),
                               ([2, 3, 4, 5], 4), ([2, 3, 4, 5], -5)):
                cases.append(record(f"dim_oob/{dtype_name}/{op}/{shape}/dim={dim}",
                                    torch.ones(shape, dtype=torch_dtype), dim, op))
            for shape, dim in (([2, 1], 1), ([1, 3], 0), ([1, 1, 1], -2)):
                x = torch.tensor([5.0, math.nan, -1.0][: int(np.prod(shape))], dtype=torch_dtype).reshape(shape)
                cases.append(record(f"size1/{dtype_name}/{op}/{shape}/dim={dim}", x, dim, op))
    return cases


def cast_fixtures():
    cases = []
    for op in OPS:
        for int_dtype in (torch.int8, torch.int16, torch.int32, torch.uint8):
            x = torch.tensor([1, 2, 3], dtype=int_dtype)
            for dtype_arg in ("float32", "float64"):
                cases.append(record(f"int/{op}/{int_dtype}/dtype={dtype_arg}", x, 0, op, dtype_arg))
        x = torch.tensor([[-7, 0, 100], [3, 3, 3]], dtype=torch.int32)
        for dim in (0, 1):
            cases.append(record(f"int/{op}/int32_2d/dim={dim}", x, dim, op, "float32"))
        cases.append(record(f"int/{op}/bool_as_uint8", torch.tensor([1, 0, 1], dtype=torch.uint8), 0, op, "float32"))
        x64 = torch.tensor([1.0, math.inf, -math.inf, math.nan], dtype=torch.float32)
        cases.append(record(f"cast/{op}/f32_to_f64/specials", x64, 0, op, "float64"))
        cases.append(record(f"cast/{op}/f64_to_f32/overflow_on_cast",
                            torch.tensor([1e300, 1.0, 2.0], dtype=torch.float64), 0, op, "float32"))
        cases.append(record(f"cast/{op}/f64_to_f32/underflow_diff",
                            torch.tensor([1.0, 1.0 + 1e-12], dtype=torch.float64), 0, op, "float32"))
        precise = torch.tensor([0.1, 0.2, 0.30000001], dtype=torch.float64)
        cases.append(record(f"cast/{op}/f64_to_f32/rounding", precise, 0, op, "float32"))
        rng = np.random.default_rng(7)
        x = torch.tensor(rng.standard_normal((4, 19)) * 3, dtype=torch.float32)
        cases.append(record(f"cast/{op}/f32_to_f64/random", x, 1, op, "float64"))
        cases.append(record(f"cast/{op}/f32_same_dtype", x, 0, op, "float32"))
    return cases


def random_fixtures():
    """Seeded random tensors over ranks 1-4, every dim, several scales, both dtypes and ops."""
    rng = np.random.default_rng(2026)
    shapes = [[1], [7], [8], [9], [33], [65], [129], [1000], [3, 17], [17, 3], [5, 16], [4, 31], [2, 3, 4],
              [3, 5, 9], [2, 3, 4, 5], [1, 2, 1, 3], [2, 257], [300, 2]]
    cases = []
    for dtype_name, torch_dtype in DTYPES.items():
        for shape in shapes:
            for dim in range(len(shape)):
                scale = [0.01, 1.0, 10.0, 100.0, 1000.0][int(rng.integers(0, 5))]
                values = rng.standard_normal(shape) * scale
                x = torch.tensor(values, dtype=torch_dtype)
                for op in OPS:
                    cases.append(record(f"random/{dtype_name}/{op}/{shape}/dim={dim}/scale={scale}", x, dim, op))
    return cases


def bfloat16_fixtures(rng):
    """torch's bfloat16 softmax and log_softmax: special rows in every layout, bfloat16 extremes,
    casts to and from bfloat16, and random tensors. The tests hold our results to the exact result
    rounded once (computed from the inputs); torch's are within one ulp of it for softmax."""
    bf16 = torch.bfloat16
    cases = []
    extremes = {
        "max_pm": [3.3895313892515355e38, -3.3895313892515355e38], "max_equal": [3.3895313892515355e38] * 2,
        "subnormal_result_0_m88": [0, -88], "subnormal_result_0_m95": [0, -95], "zero_result_0_m110": [0, -110],
        "near_zero_log_0_m20": [0, -20], "near_zero_log_0_m50": [0, -50], "offset_1000": [1000, 1001, 1002],
        "offset_m1e4": [-1e4, -1e4 + 64, -1e4 - 64],
    }
    rows = {**SPECIAL_ROWS, **extremes, **long_rows(rng)}
    for row_name, row in rows.items():
        for layout, x, dim in layouts(row, bf16):
            for op in OPS:
                cases.append(record(f"bfloat16/{op}/{row_name}/{layout}", x, dim, op))
    shapes = [[7], [16], [17], [33], [100], [3, 17], [17, 3], [2, 3, 40], [4, 513], [1000, 2]]
    for shape in shapes:
        for dim in range(len(shape)):
            scale = [0.1, 1.0, 10.0, 100.0][int(rng.integers(0, 4))]
            x = torch.tensor(rng.standard_normal(shape) * scale, dtype=torch.float32).to(bf16)
            for op in OPS:
                cases.append(record(f"bfloat16/random/{op}/{shape}/dim={dim}/scale={scale}", x, dim, op))
    for op in OPS:
        x32 = torch.tensor(rng.standard_normal((3, 19)) * 4, dtype=torch.float32)
        cases.append(record(f"bfloat16/cast/{op}/f32_to_bf16", x32, 1, op, "bfloat16"))
        xb = x32.to(bf16)
        cases.append(record(f"bfloat16/cast/{op}/bf16_to_f32", xb, 1, op, "float32"))
        cases.append(record(f"bfloat16/cast/{op}/bf16_to_f64", xb, 0, op, "float64"))
        cases.append(record(f"bfloat16/cast/{op}/int_to_bf16", torch.tensor([1, 2, 300], dtype=torch.int32), 0, op, "bfloat16"))
    return cases


def print_fixtures():
    """str(tensor) for tensors that exercise every branch of torch's print format."""
    rng = np.random.default_rng(99)
    f = torch.float32
    tensors = {
        "seed_2d": torch.softmax(torch.tensor([[2.0, 1.0, 0.1], [1.0, 3.0, 0.2]]), 1),
        "seed_1d": torch.softmax(torch.tensor([1.0, 2.0, 3.0]), 0),
        "scalar": torch.tensor(1.0), "scalar_frac": torch.tensor(0.25), "scalar_f64": torch.tensor(-2.5, dtype=torch.float64),
        "ints": torch.tensor([1.0, 2.0, -3.0]), "int_sci": torch.tensor([1.0, 1e9]), "zeros": torch.zeros(4),
        "neg_zero": torch.tensor([-0.0, 0.0]), "specials": torch.tensor([math.nan, math.inf, -math.inf, 1.5]),
        "specials_int": torch.tensor([math.nan, 2.0]), "only_specials": torch.tensor([math.nan, math.inf]),
        "sci_small": torch.tensor([1e-5, 0.5]), "sci_ratio": torch.tensor([0.001, 2.0]), "sci_big": torch.tensor([1e9, 1.5]),
        "subnormal": torch.tensor([1.0, 3.78350585e-44]), "ties": torch.tensor([0.03125, 0.09375, 1.5]),
        "wide_row": torch.tensor(rng.standard_normal(40), dtype=f), "f64_row": torch.tensor(rng.standard_normal(5)),
        "rank3": torch.tensor(rng.standard_normal((2, 3, 4)), dtype=f), "rank4": torch.tensor(rng.standard_normal((2, 2, 2, 3)), dtype=f),
        "summarized_1d": torch.arange(2000, dtype=f) / 7, "summarized_2d": torch.tensor(rng.standard_normal((40, 50)), dtype=f),
        "summarized_3d": torch.tensor(rng.standard_normal((10, 20, 30)), dtype=f),
        "summarized_f64": torch.tensor(rng.standard_normal((1001,))), "empty_1d": torch.zeros(0), "empty_2d": torch.zeros(3, 0),
        "empty_f64": torch.zeros(0, 2, dtype=torch.float64), "column": torch.tensor([[0.5], [1.25]]),
        "long_f64_suffix": torch.tensor(rng.standard_normal(8) * 1000, dtype=torch.float64),
        "bf16_seed": torch.softmax(torch.tensor([1.0, 2.0, 3.0], dtype=torch.bfloat16), 0),
        "bf16_row": torch.tensor(rng.standard_normal(12), dtype=torch.bfloat16),
        "bf16_specials": torch.tensor([math.nan, math.inf, -math.inf, 1.5], dtype=torch.bfloat16),
        "f16_row": torch.tensor(rng.standard_normal(12), dtype=torch.float16),
        "f16_tiny": torch.tensor([6e-8, 1.0, 65504.0], dtype=torch.float16),
        "f16_2d": torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float16),
    }
    return [{"id": name, "shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
             "data": encode(t.reshape(-1).tolist()), "text": str(t)} for name, t in tensors.items()]


def masked_record(case_id, x, dim, op, mask=None, causal=None, temperature=None, zero=False):
    """torch.masked.softmax(x / T, dim, mask=M) (or log_softmax), M the broadcast mask combined with
    the causal mask tril(causal); under zero, slices none of whose elements takes part (masked out
    or -inf) are 0 (log_softmax: -inf)."""
    entry = {"id": case_id, "op": op, "shape": list(x.shape), "dim": dim, "dtype": str(x.dtype).replace("torch.", ""),
             "input": encode(x.reshape(-1).tolist()), "fully_masked": "zero" if zero else "nan"}
    scaled = x / temperature if temperature is not None else x
    keep = torch.ones(x.shape, dtype=torch.bool)
    if mask is not None:
        entry["mask_shape"] = list(mask.shape)
        entry["mask"] = [int(v) for v in mask.reshape(-1).tolist()]
        keep = keep & mask.bool()
    if causal is not None:
        entry["causal"] = causal
        rows, cols = x.shape[-2], x.shape[-1]
        keep = keep & torch.ones(rows, cols, dtype=torch.bool).tril(causal)
    if temperature is not None:
        entry["temperature"] = temperature
    fn = torch.masked.softmax if op == "softmax" else torch.masked.log_softmax
    y = fn(scaled, dim, mask=keep)
    if zero:
        none_take_part = ~(keep & (scaled != -math.inf)).any(dim, keepdim=True)
        y = torch.where(none_take_part, torch.tensor(0.0 if op == "softmax" else -math.inf, dtype=y.dtype), y)
    entry["output"] = encode(y.reshape(-1).tolist())
    return entry


def masked_fixtures(rng):
    """Masks, causal masks, temperatures and fully masked slices (the options of softmax)."""
    cases = []
    dtypes = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}
    nan, inf = math.nan, math.inf
    # Special values against masks: each row with its mask row, as rows (dim -1) and as columns (dim 0).
    special = [
        ("nan_masked", [1, nan, 2], [1, 0, 1]), ("pos_inf_masked", [1, inf, 2], [1, 0, 1]),
        ("pos_inf_kept", [1, inf, 2], [1, 1, 0]), ("nan_kept", [nan, 1, 2], [1, 1, 0]),
        ("neg_inf_kept_only", [-inf, -inf, 3], [1, 1, 0]), ("all_masked", [1, 2, 3], [0, 0, 0]),
        ("one_kept", [5, -2, 7], [0, 1, 0]), ("huge", [3e38, -3e38, 1e38], [1, 1, 1]),
        ("huge_masked", [3e38, -3e38, 1e38], [0, 1, 1]), ("tiny_results", [0, -100, -200], [1, 1, 1]),
        ("neg_inf_and_nan_masked", [-inf, nan, -inf], [1, 0, 1]), ("all_neg_inf_unmasked", [-inf, -inf, -inf], [1, 1, 1]),
    ]
    for name, dtype in dtypes.items():
        for op in OPS:
            for zero in (False, True):
                for row_name, row, mask_row in special:
                    x = torch.tensor([row, [0.5, 1.5, -1.0]], dtype=torch.float64).to(dtype)
                    m = torch.tensor([mask_row, [1, 1, 1]], dtype=torch.uint8)
                    tag = f"special/{name}/{op}/{'zero' if zero else 'nan'}/{row_name}"
                    cases.append(masked_record(f"{tag}/rows", x, -1, op, m, zero=zero))
                    cases.append(masked_record(f"{tag}/columns", x.t().contiguous(), 0, op, m.t().contiguous(), zero=zero))
                # Safe softmax without a mask: rows of only -inf.
                x = torch.tensor([[-inf, -inf, -inf], [1, 2, 3]], dtype=torch.float64).to(dtype)
                cases.append(masked_record(f"safe/{name}/{op}/{'zero' if zero else 'nan'}", x, -1, op, zero=zero))
    # Broadcasting: every mask shape against [2, 3, 4, 5] scores, over every dim.
    x = torch.tensor(rng.standard_normal((2, 3, 4, 5)) * 3, dtype=torch.float32)
    for mask_shape in ([5], [4, 5], [1, 5], [2, 1, 1, 5], [3, 1, 1], [2, 3, 4, 5], [1], [], [2, 1, 4, 1], [3, 4, 1], [2, 3, 1, 5]):
        m = torch.tensor(rng.random(mask_shape) < 0.7, dtype=torch.uint8)
        for dim in range(4):
            for op in OPS:
                zero = dim % 2 == 1
                cases.append(masked_record(f"broadcast/{mask_shape}/dim={dim}/{op}", x, dim, op, m, zero=zero))
    cases.append(masked_record("broadcast/temperature", x, 1, "softmax", torch.tensor([[1], [0], [1], [1]], dtype=torch.uint8),
                               temperature=0.7))
    # Causal: square, more queries than keys, a KV cache (more keys), with a padding mask, zero.
    for shape in ([2, 5, 7], [3, 6, 4], [1, 1, 4, 4], [2, 1, 9]):
        xc = torch.tensor(rng.standard_normal(shape), dtype=torch.float32)
        for diagonal in (-2, -1, 0, 1, 3, 10):
            for op in OPS:
                cases.append(masked_record(f"causal/{shape}/diagonal={diagonal}/{op}", xc, -1, op, causal=diagonal))
                cases.append(masked_record(f"causal/{shape}/diagonal={diagonal}/{op}/zero", xc, -1, op, causal=diagonal, zero=True))
        pad = torch.tensor(rng.random(shape[-1]) < 0.6, dtype=torch.uint8)
        cases.append(masked_record(f"causal/{shape}/padded", xc, -1, "softmax", pad, causal=0, temperature=0.5))
        cases.append(masked_record(f"causal/{shape}/padded/log/zero", xc, -1, "log_softmax", pad, causal=1, zero=True))
    for name, dtype in (("float64", torch.float64), ("bfloat16", torch.bfloat16)):
        xc = torch.tensor(rng.standard_normal((2, 6, 6)) * 4, dtype=dtype)
        for op in OPS:
            cases.append(masked_record(f"causal/{name}/{op}", xc, -1, op, causal=0, zero=True))
    # Temperatures: large logits, where x / T rounding shows, in every dtype and over both dims.
    for name, dtype in dtypes.items():
        xt = torch.tensor(rng.standard_normal((4, 40)) * 30, dtype=torch.float64).to(dtype)
        for temperature in (0.7, 0.3, 2.5, 1e-3, 1.0, 100.0, 1.0001):
            for op in OPS:
                for dim in (-1, 0):
                    cases.append(masked_record(f"temperature/{name}/{temperature}/{op}/dim={dim}", xt, dim, op,
                                               temperature=temperature))
    # Vector-width tails: rows of 1 to 70 elements, random masks keeping about half.
    for name, dtype in dtypes.items():
        for n in list(range(1, 34)) + [63, 64, 65, 70]:
            xr = torch.tensor(rng.standard_normal((3, n)) * 5, dtype=torch.float64).to(dtype)
            m = torch.tensor(rng.random((3, n)) < 0.5, dtype=torch.uint8)
            op = "softmax" if n % 2 else "log_softmax"
            cases.append(masked_record(f"tails/{name}/n={n}/rows", xr, -1, op, m, temperature=0.6, zero=True))
            cases.append(masked_record(f"tails/{name}/n={n}/columns", xr.t().contiguous(), 0, op, m.t().contiguous(), zero=True))
    return cases


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = np.random.default_rng(1234)
    groups = {
        "special": special_fixtures(rng),
        "shapes": shape_fixtures(),
        "casts": cast_fixtures(),
        "random": random_fixtures(),
        "bfloat16": bfloat16_fixtures(np.random.default_rng(16)),
        "print": print_fixtures(),
        "masked": masked_fixtures(np.random.default_rng(23)),
    }
    # `make_fixtures.py masked` writes only the groups named.
    wanted = set(sys.argv[1:]) or set(groups)
    for name, cases in groups.items():
        if name not in wanted:
            continue
        path = os.path.join(OUT_DIR, f"torch-{name}.json")
        with open(path, "w") as f:
            json.dump({"generator": "tools/make_fixtures.py", "torch": torch.__version__, "cases": cases},
                      f, separators=(",", ":"))
            f.write("\n")
        print(f"{path}: {len(cases)} cases, {os.path.getsize(path) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
