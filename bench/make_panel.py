"""Build the deterministic 1,000,000-series x 60-period speed panel from the shared data.

    bench/.venv/bin/python bench/make_panel.py [--out-dir bench/out] [--series 1000000]

Writes into --out-dir:
- panel_<N>x60.csv   wide CSV `sku,p0,...,p59` (what the CLI reads; sku = row number);
- panel_<N>x60.npy   the same numbers as a float64 matrix (what statsforecast_run.py
                     reads, so its timing is fitting and forecasting only);
- panel_<N>x60_items.csv  item parameters for `plan policy` (see item_rows);
- panel_<N>x60.json  recipe parameters, value statistics and sha256 of both files.

Recipe (all randomness from numpy's PCG64 seeded with SEED, drawn in the order below):
1. Pools. MAN: the 1941 skus with at least one demand in the 150 weeks; any window of
   60 consecutive weeks (start week 0..90). AUTO: all 3000 skus; the 24 months are tiled
   (repeated) and a 60-month stretch starting at month 0..23 is taken, so the series
   wraps around its own year-to-year pattern.
2. Series i comes from MAN with probability 1/2, else from AUTO; then a uniformly drawn
   sku of that pool and a uniformly drawn start (MAN 0..90, AUTO 0..23).
3. Perturbation of every non-zero cell: q' = q * f with f ~ Uniform(0.75, 1.25) per cell;
   whole-number source cells are rounded to a whole number (at least 1), fractional
   (MAN pack) cells to 2 decimals (at least 0.01). Zeros stay zeros, so each series keeps
   the timing of its source demand and only the sizes move.
Values are written with Python repr(), the shortest text that parses back to the same
float64, so the CSV and the .npy hold identical numbers.
"""

from __future__ import annotations

import argparse
import os
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SEED = 20_250_605
PERIODS = 60


def build(data_dir: Path, n: int) -> tuple[np.ndarray, dict, list[str]]:
    auto = common.read_demand(data_dir / "auto_demand.csv").y
    man_panel = common.read_demand(data_dir / "man_demand.csv")
    keep = (man_panel.y != 0).any(axis=1)
    man = man_panel.y[keep]
    man_skus = [s for s, k in zip(man_panel.skus, keep) if k]
    rng = np.random.Generator(np.random.PCG64(SEED))

    from_man = rng.random(n) < 0.5
    man_sku = rng.integers(0, man.shape[0], n)
    man_start = rng.integers(0, man.shape[1] - PERIODS + 1, n)
    auto_sku = rng.integers(0, auto.shape[0], n)
    auto_start = rng.integers(0, auto.shape[1], n)

    t = np.arange(PERIODS)
    y = np.empty((n, PERIODS), dtype=np.float64)
    mi = np.flatnonzero(from_man)
    y[mi] = man[man_sku[mi][:, None], man_start[mi][:, None] + t[None, :]]
    ai = np.flatnonzero(~from_man)
    tiled = np.tile(auto, (1, -(-(auto.shape[1] + PERIODS) // auto.shape[1])))
    y[ai] = tiled[auto_sku[ai][:, None], auto_start[ai][:, None] + t[None, :]]

    factor = rng.uniform(0.75, 1.25, size=y.shape)
    nz = y != 0
    whole = nz & (y == np.round(y))
    frac = nz & ~whole
    y[whole] = np.maximum(1.0, np.round(y[whole] * factor[whole]))
    y[frac] = np.maximum(0.01, np.round(y[frac] * factor[frac], 2))

    stats = {
        "seed": SEED,
        "series": n,
        "periods": PERIODS,
        "from_man": int(from_man.sum()),
        "from_auto": int((~from_man).sum()),
        "zero_share": float((y == 0).mean()),
        "all_zero_series": int((y == 0).all(axis=1).sum()),
        "fractional_cells": int((y != np.round(y)).sum()),
        "total_demand": float(y.sum()),
    }
    items = item_rows(data_dir, from_man, [man_skus[k] for k in man_sku.tolist()])
    return y, stats, items


# Item columns of the CLI contract; AUTO has no item data, so AUTO-derived series get
# these fixed values (a monthly part: lead time 3, unit cost 10, order cost 5, 20 % a
# year holding cost per month).
ITEM_COLUMNS = "lead_time,unit_cost,order_cost,holding_cost_per_unit_per_period,moq,pack_size"
AUTO_ITEM = "3,10,5,0.16666666666666666,,1"


def item_rows(data_dir: Path, from_man: np.ndarray, man_source: list[str]) -> list[str]:
    """Item CSV rows (without sku): MAN-derived series copy their source sku's item row."""
    import pandas as pd

    items = pd.read_csv(data_dir / "man_items.csv", dtype=str, keep_default_na=False)
    cols = ITEM_COLUMNS.split(",")
    by_sku = dict(zip(items["sku"], items[cols].agg(",".join, axis=1)))
    return [by_sku[src] if m else AUTO_ITEM for m, src in zip(from_man.tolist(), man_source)]


def write_items_csv(path: Path, rows: list[str]) -> None:
    with open(path, "w", newline="") as f:
        f.write("sku," + ITEM_COLUMNS + "\n")
        f.write("".join(f"{i},{r}\n" for i, r in enumerate(rows)))


def write_wide_csv(path: Path, y: np.ndarray, chunk: int = 50_000) -> None:
    """Wide CSV with one repr() per distinct value, joined row by row."""
    values, inverse = np.unique(y, return_inverse=True)
    tokens = np.array([_num(v) for v in values.tolist()], dtype=object)
    inverse = inverse.reshape(y.shape)
    with open(path, "w", newline="") as f:
        f.write("sku," + ",".join(f"p{t}" for t in range(y.shape[1])) + "\n")
        for start in range(0, y.shape[0], chunk):
            block = tokens[inverse[start : start + chunk]].tolist()
            lines = [f"{start + k}," + ",".join(row) for k, row in enumerate(block)]
            f.write("\n".join(lines))
            f.write("\n")


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("AFTERCARE_DATA", str(common.DEFAULT_DATA)))
    ap.add_argument("--out-dir", default=str(Path(__file__).resolve().parent / "out"))
    ap.add_argument("--series", type=int, default=1_000_000)
    ap.add_argument("--force", action="store_true", help="rebuild even if the files exist")
    args = ap.parse_args()
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"panel_{args.series}x{PERIODS}"
    csv_path, npy_path, meta_path = (stem.with_suffix(s) for s in (".csv", ".npy", ".json"))
    items_path = stem.parent / (stem.name + "_items.csv")
    if not args.force and all(p.exists() for p in (csv_path, npy_path, meta_path, items_path)):
        print(f"{csv_path} exists (use --force to rebuild)", file=sys.stderr)
        return 0

    t0 = time.perf_counter()
    y, stats, items = build(Path(args.data), args.series)
    np.save(npy_path, y)
    write_wide_csv(csv_path, y)
    write_items_csv(items_path, items)
    stats["items_csv"] = items_path.name
    stats["csv"] = csv_path.name
    stats["csv_bytes"] = csv_path.stat().st_size
    stats["csv_sha256"] = sha256(csv_path)
    stats["npy"] = npy_path.name
    stats["npy_sha256"] = sha256(npy_path)
    common.write_json(meta_path, stats)
    print(json.dumps(stats, indent=2), file=sys.stderr)
    print(f"built in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
