"""Shared pieces of the benchmark scripts: demand I/O, method table, accuracy metrics.

Everything here is plain numpy/pandas so that the metric code used to score
statsforecast is the very same code used to score our CLI's forecast CSV.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The shared data folder sits next to the repository checkout (see shared/data/README.md).
DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

# CLI method code -> statsforecast model factory name and default parameters.
# Parameter defaults follow the CLI contract in issue 5 (alpha 0.1, TSB 0.1/0.1, window 3).
METHODS = [
    "naive",
    "historic_average",
    "ma",
    "ses",
    "ses_opt",
    "croston",
    "sba",
    "croston_opt",
    "tsb",
    "adida",
    "imapa",
]

# Methods whose parameters are chosen by an optimizer; parity for these is judged by
# in-sample loss and holdout RMSSE instead of forecast equality.
OPTIMIZED = {"ses_opt", "croston_opt"}

SF_NAMES = {
    "naive": "Naive",
    "historic_average": "HistoricAverage",
    "ma": "WindowAverage(3)",
    "ses": "SimpleExponentialSmoothing(0.1)",
    "ses_opt": "SimpleExponentialSmoothingOptimized",
    "croston": "CrostonClassic",
    "sba": "CrostonSBA",
    "croston_opt": "CrostonOptimized",
    "tsb": "TSB(0.1, 0.1)",
    "adida": "ADIDA",
    "imapa": "IMAPA",
}


def sf_model(method: str):
    """Build the statsforecast model object for a CLI method code."""
    from statsforecast import models as m

    factories = {
        "naive": lambda: m.Naive(),
        "historic_average": lambda: m.HistoricAverage(),
        "ma": lambda: m.WindowAverage(window_size=3),
        "ses": lambda: m.SimpleExponentialSmoothing(alpha=0.1),
        "ses_opt": lambda: m.SimpleExponentialSmoothingOptimized(),
        "croston": lambda: m.CrostonClassic(),
        "sba": lambda: m.CrostonSBA(),
        "croston_opt": lambda: m.CrostonOptimized(),
        "tsb": lambda: m.TSB(alpha_d=0.1, alpha_p=0.1),
        "adida": lambda: m.ADIDA(),
        "imapa": lambda: m.IMAPA(),
    }
    model = factories[method]()
    model.alias = method
    return model


@dataclass
class Panel:
    """Equal-length demand series: `skus[i]` owns row `y[i]` (float64, time along axis 1)."""

    skus: list[str]
    y: np.ndarray

    @property
    def n_periods(self) -> int:
        return int(self.y.shape[1])


def read_demand(path: str | Path) -> Panel:
    """Read long (`sku,period,qty`) or wide (`sku,p0,p1,...`) CSV, or a `.npy` matrix.

    A `.npy` file holds the matrix only; skus are then the row numbers as strings.
    """
    path = Path(path)
    if path.suffix == ".npy":
        y = np.load(path)
        return Panel([str(i) for i in range(y.shape[0])], np.asarray(y, dtype=np.float64))
    import pandas as pd

    with open(path, newline="") as f:
        header = next(csv.reader(f))
    if [h.strip() for h in header] == ["sku", "period", "qty"]:
        df = pd.read_csv(path, dtype={"sku": str, "period": np.int64, "qty": np.float64})
        skus_in_order = pd.unique(df["sku"])
        wide = df.pivot(index="sku", columns="period", values="qty")
        wide = wide.loc[list(skus_in_order)]
        if wide.isna().any().any():
            raise ValueError(f"{path}: not every sku has every period")
        return Panel(list(skus_in_order), wide.to_numpy(dtype=np.float64))
    df = pd.read_csv(path, dtype={header[0]: str})
    return Panel(df.iloc[:, 0].tolist(), df.iloc[:, 1:].to_numpy(dtype=np.float64))


def split(panel: Panel, holdout: int) -> tuple[np.ndarray, np.ndarray]:
    """Training part and holdout part of every series."""
    if holdout <= 0:
        return panel.y, panel.y[:, :0]
    return panel.y[:, :-holdout], panel.y[:, -holdout:]


def read_forecast_csv(path: str | Path, skus: list[str], horizon: int) -> dict[str, np.ndarray]:
    """Read `sku,method,[class,]step,forecast` rows into {method: (n_skus, horizon) matrix}.

    Rows for unknown skus are an error; missing cells stay NaN so callers can report them.
    """
    import pandas as pd

    df = pd.read_csv(path, dtype={"sku": str, "method": str})
    index = {s: i for i, s in enumerate(skus)}
    rows = df["sku"].map(index)
    if rows.isna().any():
        bad = df.loc[rows.isna(), "sku"].iloc[0]
        raise ValueError(f"{path}: unknown sku {bad!r}")
    out: dict[str, np.ndarray] = {}
    steps = df["step"].to_numpy(dtype=np.int64)
    if steps.min() < 1 or steps.max() > horizon:
        raise ValueError(f"{path}: step outside 1..{horizon}")
    vals = df["forecast"].to_numpy(dtype=np.float64)
    rows = rows.to_numpy(dtype=np.int64)
    methods = df["method"].to_numpy()
    for method in pd.unique(methods):
        mask = methods == method
        mat = np.full((len(skus), horizon), np.nan)
        mat[rows[mask], steps[mask] - 1] = vals[mask]
        out[str(method)] = mat
    return out


def chosen_methods(path: str | Path, skus: list[str]) -> list[str]:
    """Per sku, the method named in the forecast CSV (for `--method auto`)."""
    import pandas as pd

    df = pd.read_csv(path, dtype={"sku": str, "method": str}, usecols=["sku", "method"])
    first = df.drop_duplicates("sku").set_index("sku")["method"]
    return [str(first.get(s, "")) for s in skus]


def merge_methods(per_method: dict[str, np.ndarray]) -> np.ndarray:
    """One matrix from rows that may carry different method labels (the `auto` output)."""
    mats = list(per_method.values())
    out = mats[0].copy()
    for m in mats[1:]:
        take = np.isnan(out)
        out[take] = m[take]
    return out


def accuracy(train: np.ndarray, test: np.ndarray, fcst: np.ndarray) -> dict:
    """Mean over series of MAE, RMSE, ME, sMAE and RMSSE, with skip counts.

    - error e = actual - forecast, so ME > 0 means under-forecasting;
    - sMAE = MAE / mean(train); series whose training mean is 0 are skipped;
    - RMSSE (M5 competition definition): sqrt(mean(e^2) / scale), where scale is the mean
      of (y_t - y_{t-1})^2 over the training part from the first non-zero demand on
      (leading zeros before the first sale are dropped); series with a zero or undefined
      scale are skipped. This reproduces the reference table in shared/data/README.md to
      4 decimals (e.g. MAN HistoricAverage 0.5216 with 1568 skipped). `rmsse_plain`
      (scale over the whole training part) is reported alongside for information.
    """
    h = test.shape[1]
    fc = fcst[:, :h]
    err = test - fc
    mae = np.abs(err).mean(axis=1)
    mse = (err**2).mean(axis=1)
    rmse = np.sqrt(mse)
    me = err.mean(axis=1)
    train_mean = train.mean(axis=1)
    smae_ok = train_mean > 0
    scale = (np.diff(train, axis=1) ** 2).mean(axis=1)
    plain_ok = scale > 0
    plain = np.sqrt(mse[plain_ok] / scale[plain_ok])
    rmsse_all = rmsse_per_series(train, test, fcst)
    rmsse_ok = ~np.isnan(rmsse_all)
    return {
        "series": int(train.shape[0]),
        "mae": float(mae.mean()),
        "rmse": float(rmse.mean()),
        "me": float(me.mean()),
        "smae": float((mae[smae_ok] / train_mean[smae_ok]).mean()) if smae_ok.any() else math.nan,
        "smae_skipped": int((~smae_ok).sum()),
        "rmsse": float(rmsse_all[rmsse_ok].mean()) if rmsse_ok.any() else math.nan,
        "rmsse_skipped": int((~rmsse_ok).sum()),
        "rmsse_plain": float(plain.mean()) if plain_ok.any() else math.nan,
        "rmsse_plain_skipped": int((~plain_ok).sum()),
        "non_finite_forecasts": int((~np.isfinite(fc)).any(axis=1).sum()),
    }


def m5_scale(train: np.ndarray) -> np.ndarray:
    """M5 RMSSE scale: mean squared one-step difference from the first non-zero demand on.

    0 where it is undefined (no demand, or demand only in the last training period).
    """
    n, t = train.shape
    nz = train != 0
    first = np.where(nz.any(axis=1), nz.argmax(axis=1), t)
    d2 = np.diff(train, axis=1) ** 2
    # diff j compares periods j+1 and j; it counts once period j is at or after the first sale.
    active = np.arange(t - 1)[None, :] >= first[:, None]
    cnt = active.sum(axis=1)
    sums = np.where(active, d2, 0.0).sum(axis=1)
    return np.divide(sums, cnt, out=np.zeros(n), where=cnt > 0)


def rmsse_per_series(train: np.ndarray, test: np.ndarray, fcst: np.ndarray) -> np.ndarray:
    """M5 RMSSE of every series; NaN where the scale is zero."""
    h = test.shape[1]
    mse = ((test - fcst[:, :h]) ** 2).mean(axis=1)
    scale = m5_scale(train)
    out = np.full(train.shape[0], np.nan)
    ok = scale > 0
    out[ok] = np.sqrt(mse[ok] / scale[ok])
    return out


def write_json(path: str | Path, obj) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def write_forecast_csv(path: str | Path, skus: list[str], method: str, fcst: np.ndarray) -> None:
    """`sku,method,step,forecast` with full float precision (repr)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = f.write
        w("sku,method,step,forecast\n")
        for sku, row in zip(skus, fcst):
            for step, v in enumerate(row.tolist(), start=1):
                w(f"{sku},{method},{step},{v!r}\n")
