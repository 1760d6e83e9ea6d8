"""Compare `aftercare plan forecast` with statsforecast: parity, accuracy and speed.

Run through bench/run.sh (which sets up the virtualenv and builds the CLI). Directly:

    bench/.venv/bin/python bench/compare.py [--skip-speed | --speed-only] [--workers 2]

Our CLI is found, in this order, from:
- AFTERCARE_PLAN_CMD: a command prefix up to and including the `plan` level, split like a
  shell would, e.g. "target/release/aftercare plan" or
  "cargo run --release -q -p aftercare-planning-cli --example plan --";
- AFTERCARE_BIN: the `aftercare` binary (default target/release/aftercare), run as
  `$AFTERCARE_BIN plan forecast ...`;
- otherwise the dev entry point: `cargo build --release -p aftercare-planning-cli
  --example plan`, then its binary is run directly (so cargo is not in the timings).

Writes bench/out/report.md (Markdown for docs/BENCHMARKS.md) and
bench/out/compare_results.json. Exit status: 0 all parity checks pass, 1 a parity check
failed, 2 the CLI could not be run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import common  # noqa: E402
import optimized_loss  # noqa: E402

REL_TOL = 1e-6
ABS_FLOOR = 1e-9
RMSSE_SLACK = 0.005


@dataclass
class DataSet:
    """One accuracy/parity set: the issue's holdout split, forecast horizon = holdout."""

    name: str
    path: Path
    holdout: int
    # Calendar season in periods for `auto_seasonal` (`plan forecast --season-length`).
    season: int = 0


def auto_variants(ds: DataSet) -> dict[str, list[str]]:
    """`auto` with the pooled adjustments of `plan forecast` (crates/aftercare-planning/src/seasonal.rs)."""
    if not ds.season:
        return {}
    season = ["--season-length", str(ds.season)]
    return {"auto_seasonal": season, "auto_pooled": season + ["--calibrate-level"]}


@dataclass
class RunStats:
    """What /usr/bin/time -v and the CLI's stderr tell about one run."""

    ok: bool
    wall_seconds: float
    max_rss_bytes: int | None = None
    cpu_seconds: float | None = None
    engine_seconds: float | None = None
    loadavg_before: float | None = None
    stderr_tail: str = ""


@dataclass
class Checks:
    """Parity verdicts collected over the whole run."""

    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> bool:
        if not ok:
            self.failures.append(what)
        return ok


# ---------------------------------------------------------------- our CLI


def plan_command() -> list[str]:
    """The command prefix that, followed by `forecast ...`, runs our CLI."""
    if os.environ.get("AFTERCARE_PLAN_CMD"):
        return shlex.split(os.environ["AFTERCARE_PLAN_CMD"])
    bin_path = Path(os.environ.get("AFTERCARE_BIN", "target/release/aftercare"))
    if not bin_path.is_absolute():
        bin_path = ROOT / bin_path
    if bin_path.exists() or "AFTERCARE_BIN" in os.environ:
        return [str(bin_path), "plan"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    build = ["cargo", "build", "--release", "-q", "-p", "aftercare-planning-cli", "--example", "plan"]
    print("+ " + " ".join(build), file=sys.stderr, flush=True)
    subprocess.run(build, cwd=ROOT, check=False)
    return [str(target / "release" / "examples" / "plan")]


def cli_works(prefix: list[str]) -> tuple[bool, str]:
    try:
        p = subprocess.run(prefix + ["forecast", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    return p.returncode == 0, (p.stdout + p.stderr)[-2000:]


def cli_works_sub(prefix: list[str], sub: str) -> bool:
    """Whether `sub` exists and takes the contract's `--demand` (not a placeholder)."""
    try:
        p = subprocess.run(prefix + [sub, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return p.returncode == 0 and "--demand" in p.stdout


ENGINE_RE = re.compile(r"engine_seconds\s*=\s*([0-9.eE+-]+)")


def run_timed(cmd: list[str], log: Path) -> RunStats:
    """Run under /usr/bin/time -v; wall time from here, peak RSS and CPU from time(1)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    timev = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    with open(log, "w") as err:
        err.write("+ " + shlex.join(cmd) + "\n")
        err.flush()
        p = subprocess.run(timev + cmd, cwd=ROOT, stdout=err, stderr=err)
    wall = time.perf_counter() - t0
    text = log.read_text(errors="replace")
    stats = RunStats(ok=p.returncode == 0, wall_seconds=wall, loadavg_before=load)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        stats.max_rss_bytes = int(m.group(1)) * 1024
    u = re.search(r"User time \(seconds\): ([0-9.]+)", text)
    s = re.search(r"System time \(seconds\): ([0-9.]+)", text)
    if u and s:
        stats.cpu_seconds = float(u.group(1)) + float(s.group(1))
    engines = ENGINE_RE.findall(text)
    if engines:
        stats.engine_seconds = float(engines[-1])
    stats.stderr_tail = text[-1500:]
    return stats


# ---------------------------------------------------------------- statsforecast


def run_statsforecast(demand: Path, horizon: int, holdout: int, out_dir: Path, n_jobs: int,
                      methods: list[str], forecasts: bool = True) -> dict:
    cmd = [sys.executable, str(HERE / "statsforecast_run.py"), "--demand", str(demand),
           "--horizon", str(horizon), "--holdout", str(holdout), "--n-jobs", str(n_jobs),
           "--methods", ",".join(methods), "--out-dir", str(out_dir)]
    if not forecasts:
        cmd.append("--no-forecasts")
    print("+ " + shlex.join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)
    return json.loads((out_dir / "sf_results.json").read_text())


# ---------------------------------------------------------------- parity


def rel_diff(ours: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|a-b| / max(|b|, 1e-9), but 0 where |a-b| <= 1e-9 (the absolute floor)."""
    d = np.abs(ours - ref)
    rel = d / np.maximum(np.abs(ref), ABS_FLOOR)
    rel[d <= ABS_FLOOR] = 0.0
    rel[np.isnan(ours) | np.isnan(ref)] = np.inf
    return rel


def fixed_parity(method: str, ours: np.ndarray, ref: np.ndarray, skus: list[str]) -> dict:
    rel = rel_diff(ours, ref)
    bad = rel > REL_TOL
    worst = int(np.unravel_index(np.argmax(rel), rel.shape)[0]) if rel.size else 0
    return {
        "method": method,
        "cells": int(rel.size),
        "missing": int(np.isnan(ours).sum()),
        "max_rel_diff": float(rel.max()) if rel.size else 0.0,
        "failing_cells": int(bad.sum()),
        "worst_sku": skus[worst],
        "worst_ours": float(ours.flat[np.argmax(rel)]),
        "worst_ref": float(ref.flat[np.argmax(rel)]),
        "pass": bool(not bad.any()),
    }


def optimized_parity(method: str, train: np.ndarray, test: np.ndarray, ours: np.ndarray,
                     ref: np.ndarray, params: dict[str, np.ndarray] | None, skus: list[str]) -> dict:
    """In-sample loss per series (ours no higher) and mean holdout RMSSE (ours ≤ theirs + 0.5 %)."""
    same = ~(rel_diff(ours, ref) > REL_TOL).any(axis=1)
    loss = optimized_loss.compare(method, train, ours[:, 0], same, params)
    r_ours = common.accuracy(train, test, ours)["rmsse"]
    r_ref = common.accuracy(train, test, ref)["rmsse"]
    rmsse_ok = r_ours <= r_ref * (1 + RMSSE_SLACK)
    higher = loss["higher"]
    return {
        "method": method,
        "series": int(train.shape[0]),
        "series_same_forecast": int(same.sum()),
        "loss_source": loss["source"],
        "series_loss_higher": int(higher.sum()),
        "series_loss_unverified": int(loss["unverified"].sum()),
        "example_higher": [skus[i] for i in np.flatnonzero(higher)[:5]],
        "example_unverified": [skus[i] for i in np.flatnonzero(loss["unverified"])[:5]],
        "loss_sum_ours": loss["sum_ours"],
        "loss_sum_ref": loss["sum_ref"],
        "rmsse_ours": r_ours,
        "rmsse_ref": r_ref,
        "rmsse_limit": r_ref * (1 + RMSSE_SLACK),
        "loss_pass": bool(not higher.any() and not loss["unverified"].any()),
        "rmsse_pass": bool(rmsse_ok),
        "pass": bool(not higher.any() and not loss["unverified"].any() and rmsse_ok),
    }


def read_params(path: Path, skus: list[str]) -> dict[str, np.ndarray] | None:
    """Optional per-series parameter columns in our forecast CSV (alpha, alpha_d, alpha_i)."""
    import pandas as pd

    head = pd.read_csv(path, nrows=0).columns
    cols = [c for c in ("alpha", "alpha_d", "alpha_i", "alpha_p") if c in head]
    if not cols:
        return None
    df = pd.read_csv(path, dtype={"sku": str}, usecols=["sku"] + cols).drop_duplicates("sku").set_index("sku")
    df = df.reindex(skus)
    return {c: df[c].to_numpy(dtype=np.float64) for c in cols}


# ---------------------------------------------------------------- accuracy + parity per set


def cli_metric_mismatch(json_path: Path, ours_metrics: dict) -> list[str]:
    """Keys where the CLI's --metrics-out disagrees with our recomputation from its CSV."""
    if not json_path.exists():
        return ["metrics JSON not written"]
    got = json.loads(json_path.read_text())
    out = []
    for k in ("mae", "rmse", "me", "smae", "rmsse"):
        if k not in got:
            out.append(f"{k} missing")
        elif got[k] is None or abs(float(got[k]) - ours_metrics[k]) > 1e-6 * max(1.0, abs(ours_metrics[k])):
            out.append(f"{k} {got[k]} vs {ours_metrics[k]:.6g}")
    if "series" in got and int(got["series"]) != ours_metrics["series"]:
        out.append(f"series {got['series']} vs {ours_metrics['series']}")
    return out


def evaluate_set(ds: DataSet, prefix: list[str], methods: list[str], out: Path, checks: Checks) -> dict:
    panel = common.read_demand(ds.path)
    train, test = common.split(panel, ds.holdout)
    h = ds.holdout
    sf_dir = out / f"sf_{ds.name.lower()}"
    sf = run_statsforecast(ds.path, h, ds.holdout, sf_dir, 1, methods)
    res = {"set": ds.name, "series": len(panel.skus), "periods": panel.n_periods, "holdout": ds.holdout,
           "fixed": [], "optimized": [], "accuracy": {}, "sf_seconds": {}}
    variants = auto_variants(ds)
    for method in methods + ["auto"] + list(variants):
        ours_csv = out / "ours" / ds.name.lower() / f"{method}.csv"
        ours_json = ours_csv.with_suffix(".json")
        cli_method = "auto" if method in variants else method
        cmd = prefix + ["forecast", "--demand", str(ds.path), "--horizon", str(h), "--holdout",
                        str(ds.holdout), "--method", cli_method, "--out", str(ours_csv),
                        "--metrics-out", str(ours_json)]
        cmd += variants.get(method, [])
        for p in (ours_csv, ours_json):
            p.unlink(missing_ok=True)
        run = run_timed(cmd, ours_csv.with_suffix(".log"))
        acc: dict = {"cli_seconds": run.wall_seconds}
        if not method.startswith("auto"):
            ref = common.read_forecast_csv(sf_dir / f"sf_{method}.csv", panel.skus, h)[method]
            acc["sf"] = sf["methods"][method]["metrics"]
            res["sf_seconds"][method] = sf["methods"][method]["seconds"]
        if not run.ok or not ours_csv.exists():
            checks.check(method.startswith("auto"), f"{ds.name} {method}: CLI failed")
            acc["error"] = run.stderr_tail
            res["accuracy"][method] = acc
            continue
        per = common.read_forecast_csv(ours_csv, panel.skus, h)
        ours = common.merge_methods(per)
        acc["ours"] = common.accuracy(train, test, ours)
        acc["cli_metrics_mismatch"] = cli_metric_mismatch(ours_json, acc["ours"])
        checks.check(not acc["cli_metrics_mismatch"],
                     f"{ds.name} {method}: --metrics-out disagrees: {acc['cli_metrics_mismatch']}")
        if method.startswith("auto"):
            chosen = common.chosen_methods(ours_csv, panel.skus)
            acc["chosen"] = {m: chosen.count(m) for m in sorted(set(chosen))}
        elif method in common.OPTIMIZED:
            r = optimized_parity(method, train, test, ours, ref, read_params(ours_csv, panel.skus), panel.skus)
            res["optimized"].append(r)
            checks.check(r["pass"], f"{ds.name} {method}: optimized parity failed")
        else:
            r = fixed_parity(method, ours, ref, panel.skus)
            res["fixed"].append(r)
            checks.check(r["pass"], f"{ds.name} {method}: max rel diff {r['max_rel_diff']:.3g} > {REL_TOL}")
        res["accuracy"][method] = acc
        print(f"{ds.name} {method}: done", file=sys.stderr, flush=True)
    return res


# ---------------------------------------------------------------- speed


def speed(prefix: list[str], methods: list[str], out: Path, workers: int, horizon: int,
          series: int, rerun_sf: bool, run_ours: bool) -> dict:
    stem = out / f"panel_{series}x60"
    if not stem.with_suffix(".json").exists():
        subprocess.run([sys.executable, str(HERE / "make_panel.py"), "--out-dir", str(out),
                        "--series", str(series)], cwd=ROOT, check=True)
    meta = json.loads(stem.with_suffix(".json").read_text())
    sf_dir = out / f"sf_panel_{series}_w{workers}_h{horizon}"
    key = {"npy_sha256": meta["npy_sha256"], "n_jobs": workers, "horizon": horizon}
    key_file = sf_dir / "key.json"
    sf = None
    if not rerun_sf and key_file.exists() and (sf_dir / "sf_results.json").exists():
        if json.loads(key_file.read_text()) == key:
            sf = json.loads((sf_dir / "sf_results.json").read_text())
            if not set(methods) <= set(sf["methods"]):
                sf = None
    if sf is None:
        sf = run_statsforecast(stem.with_suffix(".npy"), horizon, 0, sf_dir, workers, methods, forecasts=False)
        common.write_json(key_file, key)
    res = {"panel": meta, "workers": workers, "horizon": horizon, "sf": sf, "ours": {}}
    if not run_ours:
        return res
    csv_path = stem.with_suffix(".csv")
    tmp = out / "ours" / "panel"
    for method in methods + ["auto"]:
        fc_out = tmp / f"{method}.csv"
        cmd = prefix + ["forecast", "--demand", str(csv_path), "--horizon", str(horizon), "--method",
                        method, "--threads", str(workers), "--out", str(fc_out)]
        run = run_timed(cmd, tmp / f"{method}.log")
        run_rows = count_lines(fc_out) - 1 if run.ok and fc_out.exists() else 0
        fc_out.unlink(missing_ok=True)
        res["ours"][method] = {**run.__dict__, "rows": run_rows, "rows_expected": series * horizon}
        print(f"panel {method}: {run.wall_seconds:.2f}s ok={run.ok}", file=sys.stderr, flush=True)
    items = out / f"panel_{series}x60_items.csv"
    if items.exists() and cli_works_sub(prefix, "policy"):
        pol_out = tmp / "policy_auto.csv"
        cmd = prefix + ["policy", "--demand", str(csv_path), "--items", str(items), "--target-fill", "0.95",
                        "--method", "auto", "--threads", str(workers), "--out", str(pol_out)]
        run = run_timed(cmd, tmp / "policy_auto.log")
        pol_out.unlink(missing_ok=True)
        res["ours"]["policy_auto"] = run.__dict__
    return res


def count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            n += block.count(b"\n")
    return n


# ---------------------------------------------------------------- report


def gb(b) -> str:
    return "–" if b is None else f"{b / 1e9:.2f}"


def sec(s) -> str:
    return "–" if s is None else f"{s:.2f}"


def f4(x) -> str:
    return "–" if x is None else f"{x:.4f}"


def cpu_ratio(sf: dict, ours: dict) -> str:
    """statsforecast CPU seconds over ours: less sensitive to other jobs than wall time."""
    a, b = sf.get("cpu_seconds"), ours.get("cpu_seconds")
    return f"{a / b:.1f}×" if a and b else "–"


def summarize_choices(chosen: dict[str, int]) -> str:
    """Single methods by count, then combinations (labels with `+`) folded into one figure."""
    singles = sorted(((n, m) for m, n in chosen.items() if "+" not in m), reverse=True)
    combos = {m: n for m, n in chosen.items() if "+" in m}
    parts = [f"{m} {n}" for n, m in singles]
    if combos:
        top = max(combos, key=combos.get)
        parts.append(f"combinations {sum(combos.values())} series in {len(combos)} kinds "
                     f"(most often {top}, {combos[top]})")
    return ", ".join(parts)


def render(results: dict) -> str:
    L = []
    env = results["environment"]
    L.append("# Planning engine vs statsforecast")
    L.append("")
    L.append(f"Generated by `bench/run.sh` on {env['date']} — {env['cpu']}, {env['cores']} cores, "
             f"{env['mem_gb']:.0f} GB RAM; statsforecast {env['statsforecast']}, Python {env['python']}; "
             f"our CLI: `{env['cli']}`.")
    L.append("")
    for ds in results.get("sets", []):
        L.append(f"## {ds['set']}: {ds['series']} series × {ds['periods']} periods, "
                 f"holdout = horizon = last {ds['holdout']}")
        L.append("")
        L.append("### Parity, fixed-parameter methods (pass: every forecast within 1e-6 relative, "
                 "|a−b| / max(|b|, 1e-9), differences ≤ 1e-9 absolute count as equal)")
        L.append("")
        L.append("| method | cells | max rel. diff | failing cells | worst sku (ours / statsforecast) | verdict |")
        L.append("|---|---|---|---|---|---|")
        for r in ds["fixed"]:
            worst = (f"{r['worst_sku']} ({r['worst_ours']!r} / {r['worst_ref']!r})"
                     if r["max_rel_diff"] > 0 else "–")
            L.append(f"| {r['method']} | {r['cells']} | {r['max_rel_diff']:.2e} | {r['failing_cells']} | "
                     f"{worst} | {'pass' if r['pass'] else 'FAIL'} |")
        L.append("")
        if ds["optimized"]:
            L.append("### Parity, optimized methods (pass: in-sample loss per series no higher, "
                     "mean holdout RMSSE ≤ statsforecast's + 0.5 %)")
            L.append("")
            L.append("| method | series with same forecast | loss from | series with higher loss | unverified | "
                     "total loss ours / sf | RMSSE ours / sf (limit) | verdict |")
            L.append("|---|---|---|---|---|---|---|---|")
            for r in ds["optimized"]:
                L.append(f"| {r['method']} | {r['series_same_forecast']} / {r['series']} | {r['loss_source']} | "
                         f"{r['series_loss_higher']} | {r['series_loss_unverified']} | "
                         f"{'n/a' if r['series_loss_unverified'] else format(r['loss_sum_ours'], '.6g')} / "
                         f"{r['loss_sum_ref']:.6g} | "
                         f"{r['rmsse_ours']:.4f} / {r['rmsse_ref']:.4f} ({r['rmsse_limit']:.4f}) | "
                         f"{'pass' if r['pass'] else 'FAIL'} |")
            L.append("")
        L.append("### Accuracy on the holdout (mean over series; RMSSE M5, sMAE = MAE / in-sample mean)")
        L.append("")
        L.append("| method | RMSSE ours | RMSSE statsforecast | MAE | RMSE | ME | sMAE | RMSSE skipped | CLI metrics JSON |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for method, a in ds["accuracy"].items():
            o = a.get("ours")
            s = a.get("sf")
            if o is None:
                L.append(f"| {method} | CLI failed | {f4(s['rmsse']) if s else '–'} | | | | | | |")
                continue
            mism = a.get("cli_metrics_mismatch", [])
            L.append(f"| {method} | {o['rmsse']:.4f} | {f4(s['rmsse']) if s else '–'} | {o['mae']:.4f} | "
                     f"{o['rmse']:.4f} | {o['me']:.4f} | {o['smae']:.4f} | {o['rmsse_skipped']} | "
                     f"{'agrees' if not mism else 'differs: ' + '; '.join(mism)} |")
        L.append("")
        singles = {m: a["ours"]["rmsse"] for m, a in ds["accuracy"].items()
                   if not m.startswith("auto") and a.get("ours")}
        for auto_name in ("auto", "auto_seasonal", "auto_pooled"):
            auto = ds["accuracy"].get(auto_name, {})
            if not auto.get("ours"):
                continue
            best_m = min(singles, key=singles.get) if singles else None
            ar = auto["ours"]["rmsse"]
            L.append(f"`{auto_name}` chose: {summarize_choices(auto.get('chosen', {}))}.")
            if best_m:
                sba = singles.get("sba")
                L.append(f"Target 3: `{auto_name}` RMSSE {ar:.4f} vs best single method {best_m} {singles[best_m]:.4f} "
                         f"({'no worse' if ar <= singles[best_m] else 'WORSE'})"
                         + (f"; vs CrostonSBA {sba:.4f}: {100 * (1 - ar / sba):.1f} % better "
                            f"({'meets' if ar <= 0.97 * sba else 'MISSES'} the ≥ 3 % target)." if sba else "."))
            L.append("")
    sp = results.get("speed")
    if sp:
        meta = sp["panel"]
        L.append(f"## Speed: {meta['series']:,} series × {meta['periods']} periods, {sp['workers']} workers, "
                 f"horizon {sp['horizon']}")
        L.append("")
        L.append(f"Panel from `bench/make_panel.py` (seed {meta['seed']}, zero share {meta['zero_share']:.3f}, "
                 f"{meta['all_zero_series']:,} all-zero series; CSV {meta['csv_bytes'] / 1e6:.0f} MB, "
                 f"sha256 {meta['csv_sha256'][:12]}…). statsforecast: `StatsForecast(n_jobs={sp['workers']}).forecast()` "
                 "on a prebuilt frame (fitting + forecasting, its own grouping included; file reading excluded); "
                 "peak = summed PSS of the process and its workers (shared pages split between them; the summed "
                 "RSS, which counts them in every worker, is in compare_results.json). Ours: the CLI end to end under "
                 "`/usr/bin/time -v` (parse CSV, fit, forecast, write CSV), and the engine-only time where the CLI "
                 "prints `engine_seconds=`. Load average is the 1-minute figure before each run (other jobs "
                 "share the machine); CPU seconds are user + system, and the CPU ratio is statsforecast's CPU "
                 "seconds over ours (less disturbed by other jobs than wall time, but not the target).")
        L.append("")
        L.append("| method | statsforecast s | sf CPU s | sf peak GB | ours end-to-end s | ours engine s | ours CPU s | "
                 "ours peak GB | speed-up (engine) | speed-up (end-to-end) | CPU ratio | ≥ 10× | load before (sf / ours) |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        sf_methods = sp["sf"]["methods"]
        for method in [m for m in common.METHODS if m in sf_methods]:
            s = sf_methods[method]
            o = sp["ours"].get(method)
            if o is None:
                L.append(f"| {method} | {sec(s['seconds'])} | {sec(s.get('cpu_seconds'))} | "
                         f"{gb(s.get('peak_tree_pss_bytes', s['peak_tree_rss_bytes']))} | not run | | | | | | | | {s.get('loadavg_1min_before', 0):.1f} / – |")
                continue
            if not o["ok"]:
                L.append(f"| {method} | {sec(s['seconds'])} | {sec(s.get('cpu_seconds'))} | "
                         f"{gb(s.get('peak_tree_pss_bytes', s['peak_tree_rss_bytes']))} | CLI failed | | | | | | | | |")
                continue
            eng = o.get("engine_seconds")
            up_e = s["seconds"] / eng if eng else None
            up_w = s["seconds"] / o["wall_seconds"]
            judged = up_e if up_e is not None else up_w
            L.append(f"| {method} | {sec(s['seconds'])} | {sec(s.get('cpu_seconds'))} | {gb(s.get('peak_tree_pss_bytes', s['peak_tree_rss_bytes']))} | "
                     f"{sec(o['wall_seconds'])} | {sec(eng)} | {sec(o.get('cpu_seconds'))} | {gb(o.get('max_rss_bytes'))} | "
                     f"{'–' if up_e is None else f'{up_e:.1f}×'} | {up_w:.1f}× | {cpu_ratio(s, o)} | "
                     f"{'yes' if judged >= 10 else 'no'} | "
                     f"{s.get('loadavg_1min_before', 0):.1f} / {o['loadavg_before']:.1f} |")
        short = [m for m, o in sp["ours"].items() if o.get("rows_expected") and o["ok"] and o["rows"] != o["rows_expected"]]
        if short:
            L.append(f"Warning: forecast row count differs from series × horizon for: {', '.join(short)}.")
        L.append("")
        for key, label in (("auto", "`plan forecast --method auto`"), ("policy_auto", "`plan policy --method auto --target-fill 0.95`")):
            o = sp["ours"].get(key)
            if not o:
                continue
            if not o["ok"]:
                L.append(f"- {label} on the panel: FAILED (see the log in bench/out/ours/panel/).")
                continue
            within = o["wall_seconds"] <= 20 and (o.get("max_rss_bytes") or 0) <= 1.5e9
            L.append(f"- {label} on the panel: {sec(o['wall_seconds'])} s end to end"
                     + (f" (engine {sec(o['engine_seconds'])} s)" if o.get("engine_seconds") else "")
                     + f", peak {gb(o.get('max_rss_bytes'))} GB, CPU {sec(o.get('cpu_seconds'))} s; "
                     f"{'within' if within else 'OUTSIDE'} the whole-auto-plan budget of 20 s and 1.5 GB.")
        if "policy_auto" not in sp["ours"]:
            L.append("- `plan policy` was not timed: the CLI's `policy` subcommand does not take `--demand` yet, "
                     "so the whole auto plan (forecast + policy) is not measured.")
        L.append("")
    fails = results["parity_failures"]
    L.append("## Verdict")
    L.append("")
    if results.get("cli_error"):
        L.append(f"Our CLI could not be run: `{results['cli_error'][:300]}`")
    elif fails:
        L.append("Parity FAILED:")
        L.extend(f"- {f}" for f in fails)
    elif results.get("sets"):
        L.append("All parity checks pass.")
    else:
        L.append("No parity checks were run (speed only).")
    L.append("")
    return "\n".join(L)


def environment(prefix: list[str] | None) -> dict:
    import statsforecast

    cpu = platform.processor() or ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0.0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024 / 1e9
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_gb": mem,
        "statsforecast": statsforecast.__version__,
        "python": platform.python_version(),
        "cli": shlex.join(prefix) if prefix else "not available",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("AFTERCARE_DATA", str(common.DEFAULT_DATA)))
    ap.add_argument("--out-dir", default=str(HERE / "out"))
    ap.add_argument("--methods", default=",".join(common.METHODS))
    ap.add_argument("--skip-speed", action="store_true", help="parity and accuracy only")
    ap.add_argument("--speed-only", action="store_true", help="speed only")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--panel-series", type=int, default=1_000_000)
    ap.add_argument("--speed-horizon", type=int, default=12)
    ap.add_argument("--speed-methods", default=None, help="default: --methods")
    ap.add_argument("--rerun-sf", action="store_true", help="rerun statsforecast on the panel even if cached")
    ap.add_argument("--sf-only", action="store_true", help="only statsforecast (when the CLI is not ready)")
    args = ap.parse_args()
    out = Path(args.out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    data = Path(args.data)
    methods = [m for m in args.methods.split(",") if m]
    speed_methods = [m for m in (args.speed_methods or args.methods).split(",") if m]

    prefix = None
    results: dict = {"parity_failures": []}
    if not args.sf_only:
        prefix = plan_command()
        ok, msg = cli_works(prefix)
        if not ok:
            results["cli_error"] = msg.strip()
            prefix_ok = False
        else:
            prefix_ok = True
    else:
        prefix_ok = False
    results["environment"] = environment(prefix if prefix_ok else None)

    checks = Checks()
    if prefix_ok and not args.speed_only:
        sets = [DataSet("AUTO", data / "auto_demand.csv", 6, 12), DataSet("MAN", data / "man_demand.csv", 12, 52)]
        results["sets"] = [evaluate_set(ds, prefix, methods, out, checks) for ds in sets]
    if not args.skip_speed and (prefix_ok or args.sf_only):
        results["speed"] = speed(prefix, speed_methods, out, args.workers, args.speed_horizon,
                                 args.panel_series, args.rerun_sf, run_ours=prefix_ok)
    results["parity_failures"] = checks.failures
    common.write_json(out / "compare_results.json", results)
    report = render(results)
    (out / "report.md").write_text(report)
    print(report)
    if not prefix_ok and not args.sf_only:
        return 2
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
