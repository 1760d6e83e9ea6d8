"""Issue 5, target 3 on AUTO: the experiments of docs/BENCHMARKS.md ("Target 3", 2026-12-06).

Python prototypes on the real data (not committed: `$AFTERCARE_DATA` or `../shared/data`).
Every choice is made on the history before the holdout; the holdout only scores.

- a replica of `auto` (crates/aftercare-planning/src/auto.rs, default settings) and of the
  pooled adjustment (`seasonal.rs`) that reproduces the CLI's 0.8175 / 0.8083 (AUTO) and
  0.5054 / 0.4917 (MAN) exactly;
- "meta" = mean RMSSE of a variant made at history origins (AUTO 12..17, MAN every 4th of
  the last 52 weeks of the history), scored on the history after each origin (windows cut
  at the end of the history): how a variant or a setting is chosen;
- "plain" / "both" = holdout RMSSE without / with `--season-length --calibrate-level`
  (the pooled adjustment fitted as the CLI fits it).

    python3 bench/target3_experiments.py [--data DIR] [--only NAME ...]

Needs numpy, scipy; `gbm` also scikit-learn and lightgbm (measured with numpy 2.4.6,
scipy 1.17.1, scikit-learn 1.9.1, lightgbm 4.7.0).
"""

import argparse
import csv
import itertools
import os
from pathlib import Path

import numpy as np

SETS = {"auto": (18, 6, 12), "man": (138, 12, 52)}  # history end, horizon, season


def load(data, name):
    rows = {}
    with open(Path(data) / f"{name}_demand.csv") as f:
        r = csv.reader(f)
        next(r)
        for sku, _, q in r:
            rows.setdefault(sku, []).append(float(q))
    return np.array(list(rows.values()))


def scales(H):
    """RMSSE scale per series (M5: from the first non-zero value on)."""
    n, T = H.shape
    out = np.zeros(n)
    nz = H != 0
    first = np.where(nz.any(1), nz.argmax(1), T)
    d = np.diff(H, axis=1) ** 2
    for i in range(n):
        if T - first[i] >= 2:
            out[i] = d[i, first[i]:].mean()
    return out


def score(H, A, F, per=False):
    s = scales(H)
    m = s > 0
    r = np.sqrt(np.mean((A - F) ** 2, axis=1)[m] / s[m])
    return r if per else r.mean()


def season_index(tot, end, S):
    if S == 1:
        return np.ones(1)
    sums, cnt = np.zeros(S), np.zeros(S)
    for t in range(end):
        sums[t % S] += tot[t]
        cnt[t % S] += 1
    m = sums / cnt
    return m / m.mean()


# ---------------------------------------------------------------- auto replica
def rolling_all(Y, aS=0.1, aD=0.1, aP=0.1):
    """R[o]: n x 4 levels (historic_average, ses, sba, tsb) fitted on Y[:, :o], o = 1..T."""
    n, T = Y.shape
    R = {}
    csum = np.zeros(n)
    ses_l = np.full(n, np.nan)
    z = np.full(n, np.nan)
    p = np.full(n, np.nan)
    last = np.zeros(n)
    tz = np.full(n, np.nan)
    tp = np.full(n, np.nan)
    prev = np.zeros(n)

    def sba():
        q = np.where(~np.isnan(p) & (p != 0), z / np.where(np.isnan(p), 1, p), z)
        return np.where(~np.isnan(z), q, prev) * 0.95

    for t in range(T + 1):
        if t > 0:
            ts = np.where(~np.isnan(tp), np.where(np.isnan(tz), 0, tp * np.nan_to_num(tz)), np.nan)
            R[t] = np.stack([csum / t, ses_l.copy(), sba(), ts], 1)
        if t == T:
            break
        v = Y[:, t]
        csum += v
        ses_l = np.where(np.isnan(ses_l), v, ses_l + aS * (v - ses_l))
        pos, nzm = v > 0, v != 0
        z = np.where(pos, np.where(np.isnan(z), v, z + 0.1 * (v - z)), z)
        iv = t + 1 - last
        p = np.where(nzm, np.where(np.isnan(p), iv, p + 0.1 * (iv - p)), p)
        last = np.where(nzm, t + 1, last)
        tz = np.where(pos, np.where(np.isnan(tz), v, tz + aD * (v - tz)), tz)
        ind = nzm.astype(float)
        tp = np.where(np.isnan(tp), ind, tp + aP * (ind - tp))
        prev = v
    return R


def backtest_errors(Y, end, h, R, weights=None):
    """Per-series, per-origin RMSE of the 4 candidates, as auto.rs (24 origins)."""
    no = min(24, end - 1)
    start = end - no
    wts = np.ones(no) if weights is None else weights(no)
    E = []
    for oi, o in enumerate(range(start, end)):
        W = Y[:, o:min(o + h, end)]
        E.append(np.sqrt(((W[:, :, None] - R[o][:, None, :]) ** 2).mean(1)) * wts[oi])
    return np.stack(E, 0), wts, start


def auto(Y, end, h, R, weights=None):
    """Replica of auto.rs select_into (RMSSE measure, combinations of the best 2..4)."""
    n = Y.shape[0]
    E, wts, start = backtest_errors(Y, end, h, R, weights)
    L = np.stack([R[o] for o in range(start, end)], 0)
    single = E.sum(0) / wts.sum()
    order = np.argsort(single, 1, kind="stable")
    best_err = single[np.arange(n), order[:, 0]].copy()
    best_k = np.ones(n, int)
    for k in range(2, 5):
        sel = order[:, :k]
        comb = np.take_along_axis(L, np.broadcast_to(sel[None], (L.shape[0], n, k)), 2).mean(2)
        ce = np.zeros(n)
        for oi, o in enumerate(range(start, end)):
            W = Y[:, o:min(o + h, end)]
            ce += np.sqrt(((W - comb[oi][:, None]) ** 2).mean(1)) * wts[oi]
        ce /= wts.sum()
        better = ce <= best_err
        best_err = np.where(better, ce, best_err)
        best_k = np.where(better, k, best_k)
    return np.array([R[end][i, order[i, : best_k[i]]].mean() for i in range(n)])


# ------------------------------------------------------- pooled adjustment replica
WEIGHTS = [0, 0.25, 0.5, 0.75, 1]
LEVELS = [round(0.5 + 0.05 * i, 2) for i in range(15)]


def pooled_fit(Y, end, S, level, h):
    """Replica of seasonal.rs fit: factors for the h periods after `end`."""
    tot = Y[:, :end].sum(0)
    ws, before, lb = (WEIGHTS, S, S) if S > 1 else ([0], 1, 13)
    ls = LEVELS if level else [1.0]
    first = max(before, end - lb)
    allo = list(range(first, end))
    orig = allo[:: max(1, -(-len(allo) // 13))]
    sums = np.zeros((len(ls), len(ws)))
    cnt = 0
    for o in orig:
        H = Y[:, :o]
        s = scales(H)
        m = s > 0
        L = min(h, end - o)
        A = Y[m, o:o + L]
        b = H.mean(1)[m]
        idx = season_index(tot, o, S)
        for wi, w in enumerate(ws):
            g = 1 + w * (idx[[(o + j) % S for j in range(L)]] - 1)
            for li, c in enumerate(ls):
                sums[li, wi] += np.sqrt(((A - c * b[:, None] * g[None, :]) ** 2).mean(1) / s[m]).sum()
        cnt += m.sum()
    bt = sums / cnt
    bl, bw = ls.index(1.0), 0
    for li, wi in itertools.product(range(len(ls)), range(len(ws))):
        if bt[li, wi] < bt[bl, bw]:
            bl, bw = li, wi
    idx = season_index(tot, end, S)
    return ls[bl] * (1 + ws[bw] * (idx[[(end + j) % S for j in range(h)]] - 1))


# ------------------------------------------------------------------- harness
class Data:
    def __init__(self, data, name):
        self.name = name
        self.end, self.h, self.S = SETS[name]
        self.Y = load(data, name)
        self.R = rolling_all(self.Y[:, : self.end])
        self.fac = pooled_fit(self.Y, self.end, self.S, True, self.h)

    def meta_origins(self):
        e = self.end
        return list(range(e - 6, e)) if self.name == "auto" else list(range(e - 52, e, 4))

    def evaluate(self, variant, R=None):
        R = self.R if R is None else R
        Y, end, h = self.Y, self.end, self.h
        tot = []
        for o in self.meta_origins():
            L = min(h, end - o)
            lv = variant(Y, o, h, R)
            tot.append(score(Y[:, :o], Y[:, o:o + L], np.repeat(lv[:, None], L, 1), per=True))
        lv = variant(Y, end, h, R)
        H, A = Y[:, :end], Y[:, end:end + h]
        return {
            "meta": np.mean(np.concatenate(tot)),
            "plain": score(H, A, np.repeat(lv[:, None], h, 1)),
            "both": score(H, A, lv[:, None] * self.fac[None, :]),
        }


def classes(H):
    T = H.shape[1]
    adi = T / np.maximum((H > 0).sum(1), 1)
    cv2 = np.array([(np.std(y[y > 0], ddof=1) / np.mean(y[y > 0])) ** 2 if (y > 0).sum() > 1 else 0 for y in H])
    return (adi >= 1.32) * 2 + (cv2 >= 0.49)


def variant(lam=0.0, decay=1.0, inv_power=None):
    """auto, optionally with recency-weighted origins, inverse-error weights instead of the
    selection, and a James-Stein-style shrinkage (weight lam) of each series' level in
    standard-deviation units toward its SBC class mean."""

    def f(Y, o, h, R):
        weights = None if decay == 1 else (lambda no: decay ** np.arange(no)[::-1])
        if inv_power is not None:
            E, wts, _ = backtest_errors(Y, o, h, R, weights)
            e = E.sum(0) / wts.sum()
            w = 1 / np.maximum(e, 1e-12) ** inv_power
            a = (R[o] * w).sum(1) / w.sum(1)
        else:
            a = auto(Y, o, h, R, weights)
        if lam == 0:
            return a
        H = Y[:, :o]
        sd = H.std(1, ddof=1)
        ok = sd > 0
        zz = np.where(ok, a / np.where(ok, sd, 1), 0)
        cl = classes(H)
        out = a.copy()
        for c in np.unique(cl):
            sel = (cl == c) & ok
            if sel.sum() >= 3:
                out[sel] = ((1 - lam) * zz[sel] + lam * zz[sel].mean()) * sd[sel]
        return out

    return f


def fmt(r):
    return " ".join(f"{k} {v:.4f}" for k, v in r.items())


# ----------------------------------------------------------------- experiments
def exp_baseline(sets):
    for d in sets.values():
        print(d.name, "auto", fmt(d.evaluate(variant())))


def exp_hindsight(sets):
    d = sets["auto"]
    Y, end, h = d.Y, d.end, d.h
    H, A = Y[:, :end], Y[:, end:end + h]
    s = scales(H)
    m = s > 0
    tot = Y.sum(0)
    idx = season_index(tot, end, 12)
    g = 1 + 0.75 * (idx[[(end + j) % 12 for j in range(h)]] - 1)
    base = auto(Y, end, h, d.R)[:, None] * g[None, :]

    def per(c):
        return np.sqrt(((A - base * c[:, None]) ** 2).mean(1)[m] / s[m])

    grid = np.arange(0.5, 1.31, 0.05)
    for c in (0.85, 0.95):
        tag = " (the best, with hindsight)" if c == 0.85 else ""
        print(f"auto x season(0.75) x level {c}{tag}: {per(np.full(len(H), c)).mean():.4f}")
    adi = end / np.maximum((H > 0).sum(1), 1)
    for name, f in (("SBC class", classes(H)), ("ADI decile", None)):
        if f is None:
            q = np.quantile(adi, np.linspace(0, 1, 11))
            f = np.clip(np.searchsorted(q, adi, side="right") - 1, 0, 9)
        c = np.ones(len(H))
        for gv in np.unique(f):
            sel = f == gv
            c[sel] = min(grid, key=lambda cc: per(np.where(sel, cc, c)).sum())
        print(f"auto x season x one level per {name} (hindsight): {per(c).mean():.4f}")
    for c in (1.0, 0.85):
        R = [score(H, A, d.R[end][:, [k]] * g[None, :] * c, per=True) for k in range(4)]
        print(f"per-series oracle choice of one of the 4 candidates x season x {c}: {np.min(R, 0).mean():.4f}")


def exp_variants(sets):
    for d in sets.values():
        for name, v in (("inverse-error weights (1/e)", variant(inv_power=1)),
                        ("inverse-error weights (1/e^4)", variant(inv_power=4))):
            print(d.name, name, fmt(d.evaluate(v)))
        rows = []
        for lam, dec in itertools.product([0, 0.1, 0.2, 0.3, 0.4, 0.5], [1, 0.9, 0.8, 0.7, 0.6, 0.5]):
            rows.append((d.evaluate(variant(lam, dec)), lam, dec))
            print(d.name, f"shrink {lam} decay {dec}", fmt(rows[-1][0]), flush=True)
        r, lam, dec = min(rows, key=lambda x: x[0]["meta"])
        print(d.name, f"CHOSEN by meta: shrink {lam} decay {dec}", fmt(r))


def auto_origins(Y, end, h, R, origins=24, full=False):
    """auto with another number of origins, or scored only at origins with a full window."""
    n = Y.shape[0]
    no = min(origins, end - 1)
    os_ = [o for o in range(end - no, end) if not full or o + h <= end] or list(range(end - no, end))
    L = np.stack([R[o] for o in os_], 0)
    E = np.stack([np.sqrt(((Y[:, o:min(o + h, end)][:, :, None] - R[o][:, None, :]) ** 2).mean(1)) for o in os_], 0)
    single = E.mean(0)
    order = np.argsort(single, 1, kind="stable")
    best_err = single[np.arange(n), order[:, 0]].copy()
    best_k = np.ones(n, int)
    for k in range(2, 5):
        sel = order[:, :k]
        comb = np.take_along_axis(L, np.broadcast_to(sel[None], (L.shape[0], n, k)), 2).mean(2)
        ce = np.mean([np.sqrt(((Y[:, o:min(o + h, end)] - comb[i][:, None]) ** 2).mean(1)) for i, o in enumerate(os_)], 0)
        b = ce <= best_err
        best_err = np.where(b, ce, best_err)
        best_k = np.where(b, k, best_k)
    return np.array([R[end][i, order[i, : best_k[i]]].mean() for i in range(n)])


def exp_origins(sets):
    for d in sets.values():
        for name, kw in (("full windows only", {"full": True}), ("12 origins", {"origins": 12}),
                         ("52 origins", {"origins": 52})):
            if d.name == "auto" and kw.get("origins") == 52:
                continue  # AUTO's 18 months give 17 origins at most
            print(d.name, name, fmt(d.evaluate(lambda Y, o, h, R, kw=kw: auto_origins(Y, o, h, R, **kw))), flush=True)


def exp_panel_alpha(sets):
    for d in sets.values():
        Y, end, h = d.Y, d.end, d.h
        s = np.sqrt(scales(Y[:, :end]))
        m = s > 0
        grid = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5]
        errs = {}
        for a, ap in itertools.product(grid, grid):
            R = rolling_all(Y[:, :end], aS=a, aD=a, aP=ap)
            E, wts, _ = backtest_errors(Y, end, h, R)
            errs[(a, ap)] = ((E.sum(0) / wts.sum())[m] / s[m, None]).mean(0)
        a_ses = min(grid, key=lambda a: errs[(a, 0.1)][1])
        a_tsb = min(errs, key=lambda k: errs[k][3])
        R = rolling_all(Y[:, :end], aS=a_ses, aD=a_tsb[0], aP=a_tsb[1])
        lv = auto(Y, end, h, R)
        H, A = Y[:, :end], Y[:, end:end + h]
        print(d.name, f"panel alpha: ses {a_ses}, tsb {a_tsb}; plain {score(H, A, np.repeat(lv[:, None], h, 1)):.4f}"
              f" both {score(H, A, lv[:, None] * d.fac[None, :]):.4f}")


def exp_trend(sets):
    for d in sets.values():
        Y, end, h, S = d.Y, d.end, d.h, d.S
        tot = Y.sum(0)
        for k in ([3, 6] if d.name == "auto" else [4, 13, 26]):
            def rho(o):
                ds = tot[:o] / season_index(tot, o, S)[np.arange(o) % S]
                return ds[o - k:o].mean() / ds[:o].mean()
            res = {v: d.evaluate(lambda Y_, o, h_, R, v=v: auto(Y_, o, h_, R) * (1 + v * (rho(o) - 1)))
                   for v in [0, 0.25, 0.5, 0.75, 1]}
            v = min(res, key=lambda x: res[x]["meta"])
            print(d.name, f"pooled level change over the last {k} periods: rho {rho(end):.3f};",
                  "meta by weight", {w: round(r["meta"], 4) for w, r in res.items()}, f"chosen {v}:", fmt(res[v]))


def feats(Y, o, R):
    H = Y[:, :o]

    def ses(a):
        lv = H[:, 0].copy()
        for t in range(1, o):
            lv += a * (H[:, t] - lv)
        return lv

    S_ = np.sort(H, 1)
    k = int(0.2 * o)
    cols = [H.mean(1), H[:, -12:].mean(1), H[:, -6:].mean(1), H[:, -3:].mean(1), np.median(H, 1),
            S_[:, k:o - k].mean(1), ses(0.1), ses(0.3), H[:, -1], R[o][:, 2], R[o][:, 3]]
    return np.stack(cols, 1)


def exp_linear(sets):
    from scipy.optimize import minimize
    d = sets["auto"]
    Y, end, h = d.Y, d.end, d.h
    tot = Y.sum(0)

    def rows(origins, stop):
        out = []
        for o in origins:
            s = scales(Y[:, :o])
            m = s > 0
            L = min(h, stop - o)
            idx = season_index(tot, o, 12)
            out.append((feats(Y, o, d.R)[m], Y[m, o:o + L], s[m], idx[[(o + j) % 12 for j in range(L)]]))
        return out

    def loss(beta, rs, w):
        t, n = 0.0, 0
        for X, A, s, ix in rs:
            f = (X @ beta)[:, None] * (1 + w * (ix - 1))[None, :]
            r = np.sqrt(((A - f) ** 2).mean(1) / s)
            t += r.sum()
            n += len(r)
        return t / n

    train, test = rows(range(12, 18), end), rows([end], end + h)
    for w in (0, 0.5, 1):
        k = train[0][0].shape[1]
        res = minimize(lambda b: loss(b, train, w), np.ones(k) / k, method="Nelder-Mead",
                       options={"maxiter": 4000, "xatol": 1e-5, "fatol": 1e-7})
        print(f"linear model on 11 features, direct mean-RMSSE fit on origins 12..17, season weight {w}:"
              f" history {res.fun:.4f} holdout {loss(res.x, test, w):.4f}")


def exp_gbm(sets):
    """Gradient-boosted trees over all series (pooled): the window mean after an origin,
    over the series' RMSSE scale, from scaled level features. Meta: trained on windows that
    end by the first meta origin, scored at the meta origins, which choose the season weight
    and the level factor; final: trained on windows that end by the end of the history."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    for d in sets.values():
        Y, end, h, S = d.Y, d.end, d.h, d.S
        tot = Y.sum(0)
        meta = d.meta_origins()
        step = 1 if d.name == "auto" else 4
        first_train = 6 if d.name == "auto" else 34
        train_meta = list(range(first_train, meta[0], step))
        train_final = list(range(first_train, end, step))
        autos = {o: auto(Y, o, h, d.R) for o in sorted(set(train_final + meta + [end]))}

        def X_of(o):
            H = Y[:, :o]
            s = np.sqrt(scales(H))
            m = s > 0
            X = np.column_stack([feats(Y, o, d.R), autos[o]]) / np.where(m, s, 1)[:, None]
            since = o - 1 - np.where((H > 0).any(1), o - 1 - np.argmax(H[:, ::-1] > 0, 1), -1)
            return np.column_stack([X, (H > 0).mean(1), since / o]), s, m

        def fit(origins, stop, loss):
            Xs, mus, vs = [], [], []
            for o in origins:
                X, s, m = X_of(o)
                W = Y[:, o:min(o + h, stop)] / np.where(m, s, 1)[:, None]
                mu = W.mean(1)
                Xs.append(X[m])
                mus.append(mu[m])
                vs.append(np.maximum((W ** 2).mean(1) - mu ** 2, 0)[m])
            X, mu, v = np.concatenate(Xs), np.concatenate(mus), np.concatenate(vs)
            if loss != "rmsse":
                g = HistGradientBoostingRegressor(loss=loss, max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                                  min_samples_leaf=50, random_state=0)
                return g.fit(X, mu)
            # The loss is the metric: a flat forecast f of a window with scaled mean mu and
            # variance v has RMSSE sqrt(v + (mu - f)^2); Newton steps with the IRLS weight.
            import lightgbm as lgb

            init = np.median(mu)

            def objective(pred, _):
                dd = pred - mu
                r = np.sqrt(v + dd * dd + 1e-6)
                return dd / r, 1 / r

            ds = lgb.Dataset(X, label=mu, init_score=np.full(len(mu), init))
            b = lgb.train({"objective": objective, "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 50,
                           "lambda_l2": 1.0, "verbose": -1, "seed": 0, "num_threads": 1}, ds, num_boost_round=200)

            class Booster:
                def predict(self, X):
                    return b.predict(X) + init

            return Booster()

        for loss in ("absolute_error", "squared_error", "rmsse"):
            g = fit(train_meta, meta[0], loss)
            res = {}
            for o in meta:
                X, s, m = X_of(o)
                lv = g.predict(X) * s
                L = min(h, end - o)
                idx = season_index(tot, o, S)
                for w, c in itertools.product(WEIGHTS, [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1, 1.05, 1.1, 1.2]):
                    gg = 1 + w * (idx[[(o + j) % S for j in range(L)]] - 1)
                    res.setdefault((w, c), []).append(
                        score(Y[:, :o], Y[:, o:o + L], lv[:, None] * gg[None, :] * c, per=True))
            res = {k: np.mean(np.concatenate(v)) for k, v in res.items()}
            w, c = min(res, key=res.get)
            g = fit(train_final, end, loss)
            X, s, m = X_of(end)
            lv = g.predict(X) * s
            idx = season_index(tot, end, S)
            gg = 1 + w * (idx[[(end + j) % S for j in range(h)]] - 1)
            H, A = Y[:, :end], Y[:, end:end + h]
            print(d.name, f"gbm ({loss}): meta picks season weight {w}, level {c} ({res[(w, c)]:.4f}, "
                  f"at 0/1: {res[(0, 1)]:.4f}); holdout plain {score(H, A, np.repeat(lv[:, None], h, 1)):.4f},"
                  f" with the picked weight and level {score(H, A, lv[:, None] * gg[None, :] * c):.4f}", flush=True)


EXPERIMENTS = {"baseline": exp_baseline, "hindsight": exp_hindsight, "variants": exp_variants, "origins": exp_origins,
               "panel_alpha": exp_panel_alpha, "trend": exp_trend, "linear": exp_linear, "gbm": exp_gbm}

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("AFTERCARE_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data")))
    ap.add_argument("--only", nargs="*", choices=list(EXPERIMENTS))
    args = ap.parse_args()
    sets = {n: Data(args.data, n) for n in SETS}
    for name in args.only or EXPERIMENTS:
        print(f"== {name}", flush=True)
        EXPERIMENTS[name](sets)
