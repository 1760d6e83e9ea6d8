"""Build the statsforecast parity fixture for the Rust tests.

    bench/.venv/bin/python bench/make_fixture.py [--data /work/shared/data]

Writes, in crates/aftercare-planning/tests/fixtures/:
- statsforecast_reference_demand.csv: 40 series x 24 periods, long form `sku,period,qty`;
- statsforecast_reference.csv: statsforecast's horizon-6 forecast of every method for
  every series, `sku,method,step,forecast` with CLI method codes and repr() precision.

Series are picked by fixed rules (no randomness) so the fixture can be rebuilt exactly:
- 20 AUTO series (all 24 months): the first 5 skus, in file order, of each SBC class
  (smooth, erratic, intermittent, lumpy);
- 20 MAN series of 24 weeks, one per rule in MAN_RULES below (all-zero, one demand,
  demand only in the last/first period, ending in zeros, fractional quantities, ...):
  the first sku in file order whose last 24 weeks (126..149) match, else whose weeks
  102..125 match, and so on back in 24-week steps; each MAN sku is used once.
  The sku is written as `man_<sku>_w<first week>`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import statsforecast_run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates/aftercare-planning/tests/fixtures"
WINDOW = 24
HORIZON = 6


def sbc_class(y: np.ndarray) -> str:
    """SBC class as in shared/data/README.md (ADI = T / non-zero count, CV² of sizes)."""
    nz = y[y != 0]
    if nz.size == 0:
        return "none"
    adi = y.size / nz.size
    cv2 = (nz.std(ddof=1) / nz.mean()) ** 2 if nz.size > 1 else 0.0
    if adi < 1.32:
        return "smooth" if cv2 < 0.49 else "erratic"
    return "intermittent" if cv2 < 0.49 else "lumpy"


def is_fractional(y: np.ndarray) -> np.ndarray:
    return np.abs(y - np.round(y)) > 1e-12


# (label, rule) pairs for MAN windows; each picks the first not-yet-picked sku matching.
MAN_RULES = [
    ("all_zero", lambda y: (y == 0).all()),
    ("single_demand_middle", lambda y: (y != 0).sum() == 1 and 3 <= np.flatnonzero(y)[0] <= 20),
    ("single_demand_last", lambda y: (y != 0).sum() == 1 and y[-1] != 0),
    ("single_demand_first", lambda y: (y != 0).sum() == 1 and y[0] != 0),
    ("single_fractional_demand", lambda y: (y != 0).sum() == 1 and is_fractional(y).any()),
    ("ends_in_8_zeros", lambda y: (y != 0).sum() >= 3 and (y[-8:] == 0).all()),
    ("ends_in_16_zeros", lambda y: (y != 0).sum() >= 2 and (y[-16:] == 0).all()),
    ("fractional_many", lambda y: is_fractional(y).sum() >= 4),
    ("fractional_mixed", lambda y: is_fractional(y).sum() >= 1 and (~is_fractional(y) & (y != 0)).sum() >= 2),
    ("fractional_lumpy", lambda y: is_fractional(y).sum() >= 2 and sbc_class(y) == "lumpy"),
    ("two_demands", lambda y: (y != 0).sum() == 2),
    ("three_demands_far_apart", lambda y: (y != 0).sum() == 3 and np.diff(np.flatnonzero(y)).min() >= 5),
    ("constant_size", lambda y: (y != 0).sum() >= 3 and np.unique(y[y != 0]).size == 1),
    ("leading_zeros_12", lambda y: (y[:12] == 0).all() and (y != 0).sum() >= 3),
    ("smooth", lambda y: sbc_class(y) == "smooth"),
    ("erratic", lambda y: sbc_class(y) == "erratic"),
    ("intermittent", lambda y: sbc_class(y) == "intermittent" and (y != 0).sum() >= 6),
    ("lumpy", lambda y: sbc_class(y) == "lumpy" and (y != 0).sum() >= 6),
    ("large_quantities", lambda y: y.max() >= 1000 and (y != 0).sum() >= 4),
    ("every_period_demand", lambda y: (y != 0).all()),
]


def pick(data_dir: Path) -> tuple[list[str], np.ndarray, list[str]]:
    auto = common.read_demand(data_dir / "auto_demand.csv")
    man = common.read_demand(data_dir / "man_demand.csv")
    skus, rows, notes = [], [], []
    for cls in ["smooth", "erratic", "intermittent", "lumpy"]:
        got = [i for i, y in enumerate(auto.y) if sbc_class(y) == cls][:5]
        for i in got:
            skus.append(f"auto_{auto.skus[i]}")
            rows.append(auto.y[i])
            notes.append(f"AUTO {cls}")
    # Candidate windows: the last 24 weeks of every sku first, then earlier
    # non-overlapping 24-week windows, so rare shapes can still be found.
    offsets = range(man.n_periods - WINDOW, -1, -WINDOW)
    candidates = [(i, o) for o in offsets for i in range(len(man.skus))]
    taken: set[int] = set()
    for label, rule in MAN_RULES:
        match = next(
            ((i, o) for i, o in candidates if i not in taken and rule(man.y[i, o : o + WINDOW])),
            None,
        )
        if match is None:
            raise SystemExit(f"no MAN series matches rule {label}")
        i, o = match
        taken.add(i)
        skus.append(f"man_{man.skus[i]}_w{o}")
        rows.append(man.y[i, o : o + WINDOW])
        notes.append(f"MAN {label} (sku {man.skus[i]}, weeks {o}..{o + WINDOW - 1})")
    return skus, np.vstack(rows), notes


def write_demand(path: Path, skus: list[str], y: np.ndarray) -> None:
    with open(path, "w", newline="") as f:
        f.write("sku,period,qty\n")
        for sku, row in zip(skus, y):
            for t, v in enumerate(row.tolist()):
                f.write(f"{sku},{t},{_num(v)}\n")


def _num(v: float) -> str:
    """Integers without a trailing `.0`, others with repr (shortest round-trip)."""
    return str(int(v)) if float(v).is_integer() else repr(v)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("AFTERCARE_DATA", str(common.DEFAULT_DATA)))
    ap.add_argument("--out-dir", default=str(FIXTURES))
    args = ap.parse_args()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    skus, y, notes = pick(Path(args.data))
    write_demand(out_dir / "statsforecast_reference_demand.csv", skus, y)
    # Re-read what was written so the forecasts come from exactly the committed numbers.
    panel = common.read_demand(out_dir / "statsforecast_reference_demand.csv")
    assert panel.skus == skus and np.array_equal(panel.y, y)
    df = statsforecast_run.long_frame(panel.y)
    with open(out_dir / "statsforecast_reference.csv", "w", newline="") as f:
        f.write("sku,method,step,forecast\n")
        for method in common.METHODS:
            fc, *_ = statsforecast_run.run_method(method, df, len(skus), HORIZON, 1)
            for sku, row in zip(skus, fc):
                for step, v in enumerate(row.tolist(), start=1):
                    f.write(f"{sku},{method},{step},{v!r}\n")
    for sku, note in zip(skus, notes):
        print(f"{sku:14s} {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
