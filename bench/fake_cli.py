"""A stand-in for `aftercare plan` used only to test the comparison harness itself.

It speaks the `plan forecast` contract of issue 5 but computes with statsforecast, so a
harness run against it must report parity everywhere; `FAKE_CLI_PERTURB=1e-5` scales
every forecast by (1 + 1e-5) and must make the fixed-parameter parity checks fail.

    AFTERCARE_PLAN_CMD="bench/.venv/bin/python bench/fake_cli.py" \
        bench/.venv/bin/python bench/compare.py --skip-speed
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import statsforecast_run  # noqa: E402


def forecast(args) -> int:
    panel = common.read_demand(args.demand)
    train, test = common.split(panel, args.holdout or 0)
    df = statsforecast_run.long_frame(train)
    method = "historic_average" if args.method == "auto" else args.method
    t0 = time.perf_counter()
    fc, *_ = statsforecast_run.run_method(method, df, train.shape[0], args.horizon, args.threads)
    print(f"engine_seconds={time.perf_counter() - t0:.6f}", file=sys.stderr)
    fc = fc * (1 + float(os.environ.get("FAKE_CLI_PERTURB", "0")))
    with open(args.out, "w") as f:
        f.write("sku,method,class,step,forecast\n")
        for sku, row in zip(panel.skus, fc):
            for step, v in enumerate(row.tolist(), start=1):
                f.write(f"{sku},{method},unknown,{step},{v!r}\n")
    if args.metrics_out and args.holdout:
        m = common.accuracy(train, test, fc)
        common.write_json(args.metrics_out, {k: m[k] for k in ("series", "mae", "rmse", "me", "smae", "rmsse",
                                                                "rmsse_skipped", "smae_skipped")})
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("forecast")
    f.add_argument("--demand", required=True)
    f.add_argument("--horizon", type=int, required=True)
    f.add_argument("--holdout", type=int)
    f.add_argument("--method", default="auto")
    f.add_argument("--out", required=True)
    f.add_argument("--metrics-out")
    f.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    return forecast(args)


if __name__ == "__main__":
    sys.exit(main())
