"""Run statsforecast's intermittent-demand methods on one data set and record forecasts,
fit+forecast wall time, peak memory and holdout accuracy.

    bench/.venv/bin/python bench/statsforecast_run.py --demand D.csv --horizon 6 --holdout 6 \
        --out-dir bench/out/sf_auto [--methods sba,tsb] [--n-jobs 2] [--no-forecasts]

`--demand` takes long or wide CSV or a `.npy` matrix (see make_panel.py). Timing covers
only `StatsForecast.forecast()` (statsforecast's own grouping of the frame, fitting and
forecasting); reading the file and building the input frame are excluded. Memory is the
peak summed PSS (and, for comparison, RSS) of this process and its worker processes,
sampled every 20 ms while a method runs (plus the kernel's maxrss figures).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


class TreeMemorySampler:
    """Samples the memory of this process and all its descendants in a thread.

    Two sums are kept: RSS, which counts pages a forked worker shares with its parent
    once per process (so it overstates), and PSS, which splits shared pages between
    the processes sharing them (the fair total; reported as the peak).
    """

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.peak_pss = 0
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        pss = rss = 0
        for proc in [me] + me.children(recursive=True):
            try:
                info = proc.memory_full_info()
            except psutil.Error:
                continue
            pss += info.pss
            rss += info.rss
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_rss = max(self.peak_rss, rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()


def long_frame(y: np.ndarray) -> pd.DataFrame:
    """statsforecast's input frame; integer ids keep it compact (strings cost GBs at 1M)."""
    n, t = y.shape
    return pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(n, dtype=np.int64), t),
            "ds": np.tile(np.arange(t, dtype=np.int64), n),
            "y": y.reshape(-1).astype(np.float64),
        }
    )


def run_method(method: str, df: pd.DataFrame, n: int, horizon: int, n_jobs: int):
    """Fit and forecast one method; returns (forecast matrix, seconds, peak tree RSS)."""
    from statsforecast import StatsForecast

    sf = StatsForecast(models=[common.sf_model(method)], freq=1, n_jobs=n_jobs)
    cpu0 = _cpu_seconds()
    with TreeMemorySampler() as mem:
        t0 = time.perf_counter()
        out = sf.forecast(df=df, h=horizon)
        seconds = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    out = out.sort_values(["unique_id", "ds"], kind="stable")
    fc = out[method].to_numpy(dtype=np.float64).reshape(n, horizon)
    return fc, seconds, {"pss": mem.peak_pss, "rss": mem.peak_rss}, cpu


def _cpu_seconds() -> float:
    """User + system CPU of this process and its reaped workers (robust to a busy machine)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def warm_up(n_jobs: int) -> None:
    """Import and run every model once on a tiny frame so one-off import costs are not timed."""
    y = np.array([[0, 1, 0, 2, 0, 0, 3, 1, 0, 0, 2, 0]], dtype=np.float64)
    df = long_frame(y)
    for method in common.METHODS:
        run_method(method, df, 1, 2, 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--demand", required=True)
    ap.add_argument("--horizon", type=int, required=True)
    ap.add_argument("--holdout", type=int, default=0)
    ap.add_argument("--methods", default=",".join(common.METHODS))
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--no-forecasts", action="store_true", help="do not write forecast CSVs")
    args = ap.parse_args()

    methods = [m for m in args.methods.split(",") if m]
    unknown = set(methods) - set(common.METHODS)
    if unknown:
        ap.error(f"unknown methods: {sorted(unknown)}")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    panel = common.read_demand(args.demand)
    train, test = common.split(panel, args.holdout)
    df = long_frame(np.ascontiguousarray(train))
    load_seconds = time.perf_counter() - t0
    n, t_periods = train.shape
    if args.holdout == 0 and args.no_forecasts:
        # Nothing left to score or write: keep only statsforecast's own input in memory.
        del panel, train, test
    print(f"loaded {n} series x {t_periods} periods in {load_seconds:.1f}s", file=sys.stderr)

    warm_up(args.n_jobs)
    import statsforecast

    results = {
        "statsforecast_version": statsforecast.__version__,
        "demand": str(args.demand),
        "series": n,
        "train_periods": int(t_periods),
        "holdout": args.holdout,
        "horizon": args.horizon,
        "n_jobs": args.n_jobs,
        "load_seconds": load_seconds,
        "rss_before_bytes": psutil.Process().memory_info().rss,
        "methods": {},
    }
    for method in methods:
        load = os.getloadavg()[0]
        fc, seconds, mem, cpu = run_method(method, df, n, args.horizon, args.n_jobs)
        peak = mem["pss"]
        rec = {
            "name": common.SF_NAMES[method],
            "seconds": seconds,
            "cpu_seconds": cpu,
            "peak_tree_pss_bytes": mem["pss"],
            "peak_tree_rss_bytes": mem["rss"],
            "loadavg_1min_before": load,
        }
        if args.holdout > 0:
            rec["metrics"] = common.accuracy(train, test, fc)
        if not args.no_forecasts:
            common.write_forecast_csv(out_dir / f"sf_{method}.csv", panel.skus, method, fc)
        results["methods"][method] = rec
        msg = f"{method:17s} {seconds:8.2f}s  cpu {cpu:8.2f}s  peak {peak / 2**30:.2f} GiB"
        if "metrics" in rec:
            msg += f"  rmsse {rec['metrics']['rmsse']:.4f}"
        print(msg, file=sys.stderr, flush=True)
    results["maxrss_self_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    results["maxrss_largest_child_bytes"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    results["cpu_count"] = os.cpu_count()
    common.write_json(out_dir / "sf_results.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
