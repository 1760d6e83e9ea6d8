"""Target 3, round 3 (2026-12-06, third session; docs/BENCHMARKS.md "Target 3"): direct multi-step pooled trees, ensembles, per-class season index.

Honesty: every choice (loss, init, rounds, level/season weights, ensemble weight) is made by
a META backtest inside the history: the variant is rebuilt at each meta origin o from the
data before o (trees retrained on windows cut at o) and scored by mean per-series RMSSE on
the history after o (windows cut at the end of the history).  The holdout only scores the
variant the meta backtest chose.  Hindsight numbers are printed with the tag HINDSIGHT.

    python3 bench/target3_round3.py [--sets auto man] [--only direct flat ens cls]
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "2")
import argparse
import itertools
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from target3_experiments import Data, WEIGHTS, auto, classes, feats, pooled_fit, scales, score, season_index  # noqa: E402

import lightgbm as lgb  # noqa: E402

np.seterr(invalid="ignore", divide="ignore")
DATA = os.environ.get("AFTERCARE_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"))
LVL = [0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1]
NT = int(os.environ.get("T3_THREADS", "1"))  # threads (1 is faster on the loaded 2-core box)


def per_rmsse(Y, o, F):
    """per-series RMSSE (scale>0 only) of forecast matrix F (n x L) for Y[:, o:o+L]."""
    L = F.shape[1]
    return score(Y[:, :o], Y[:, o:o + L], F, per=True)


class Ctx:
    def __init__(self, name, meta):
        d = Data(DATA, name)
        self.d, self.name, self.Y, self.end, self.h, self.S = d, name, d.Y, d.end, d.h, d.S
        self.meta = meta
        self.tot = self.Y.sum(0)
        self.step = 1 if name == "auto" else 4
        self.first_flat = 6 if name == "auto" else 34
        self.first_direct = 4 if name == "auto" else 34
        self._auto, self._base, self._pf = {}, {}, {}

    def L(self, o):
        return min(self.h, self.end - o) if o < self.end else self.h

    def auto_at(self, o):
        if o not in self._auto:
            self._auto[o] = auto(self.Y, o, self.h, self.d.R)
        return self._auto[o]

    def pf(self, o):
        if o not in self._pf:
            self._pf[o] = pooled_fit(self.Y, o, self.S, True, self.h)
        return self._pf[o]

    def base(self, o):
        """features at origin o (only Y[:, :o]); flat = the old script's X_of."""
        if o in self._base:
            return self._base[o]
        Y = self.Y
        H = Y[:, :o]
        s = np.sqrt(scales(H))
        m = s > 0
        sc = np.where(m, s, 1)
        lv = np.column_stack([feats(Y, o, self.d.R), self.auto_at(o)]) / sc[:, None]
        anyd = (H > 0).any(1)
        since = o - 1 - np.where(anyd, o - 1 - np.argmax(H[:, ::-1] > 0, 1), -1)
        nzs = (H > 0).mean(1)
        flat = np.column_stack([lv, nzs, since / o])
        first = np.where(anyd, np.argmax(H > 0, 1), o)
        cl = classes(H)
        sd = H.std(1) / sc
        direct = np.column_stack([lv, nzs, since / o, cl, (o - first) / o, sd])
        self._base[o] = dict(s=s, m=m, sc=sc, flat=flat, direct=direct, cl=cl)
        return self._base[o]

    # ---------------------------------------------------------------- direct rows
    def direct_rows(self, o, hs):
        B = self.base(o)
        Y, S, n = self.Y, self.S, self.Y.shape[0]
        idx = season_index(self.tot, o, S)
        Xs = []
        for h in hs:
            t = o + h - 1
            lag = Y[:, t - S] / B["sc"] if t - S >= 0 else np.full(n, np.nan)
            lag3 = Y[:, t - S - 1:t - S + 2].mean(1) / B["sc"] if t - S - 1 >= 0 else np.full(n, np.nan)
            pos = t % S
            Xs.append(np.column_stack([B["direct"], np.full(n, h), np.full(n, pos), np.full(n, idx[pos]), lag, lag3]))
        return Xs

    def direct_train_set(self, stop):
        Xs, ys, gs, ns = [], [], [], []
        g0 = 0
        for o in range(self.first_direct, stop, self.step):
            B = self.base(o)
            m = B["m"]
            hs = [h for h in range(1, self.h + 1) if o + h - 1 < stop]
            nm = m.sum()
            gid = g0 + np.arange(nm)
            for h, X in zip(hs, self.direct_rows(o, hs)):
                Xs.append(X[m])
                ys.append(self.Y[m, o + h - 1] / B["sc"][m])
                gs.append(gid)
                ns.append(np.full(nm, len(hs)))
            g0 += nm
        return np.concatenate(Xs), np.concatenate(ys), np.concatenate(gs), np.concatenate(ns)


AUTO_COL = 11  # index of the scaled auto level in the direct/flat features


def rmsse_obj(y, grp, ng):
    G = grp.max() + 1

    def obj(pred, _):
        d = pred - y
        r = np.sqrt(np.bincount(grp, d * d, minlength=G) / np.bincount(grp, minlength=G).clip(1) + 1e-4)
        w = 1 / (ng * r[grp])
        return d * w, w

    return obj


PARAMS = {"learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 100, "lambda_l2": 1.0, "verbose": -1,
          "seed": 0, "num_threads": NT, "deterministic": True, "force_row_wise": True}
ITERS = [100, 200, 400]


def train_direct(X, y, g, ng, loss, init):
    """returns predict(X, iters) -> scaled forecast."""
    if init == "auto":
        base = np.nan_to_num(X[:, AUTO_COL])
    else:
        base = np.full(len(y), np.median(y) if loss == "l1" else (np.mean(y) if loss == "l2" else np.median(y)))
    c0 = base[0] if init != "auto" else None
    p = dict(PARAMS)
    if loss == "rmsse":
        p["objective"] = rmsse_obj(y, g, ng)
    else:
        p["objective"] = {"l2": "regression", "l1": "regression_l1"}[loss]
    b = lgb.train(p, lgb.Dataset(X, label=y, init_score=base), num_boost_round=max(ITERS))

    def predict(Xp, it):
        b0 = np.nan_to_num(Xp[:, AUTO_COL]) if c0 is None else c0
        return b.predict(Xp, num_iteration=it) + b0

    return predict


def direct_forecast(ctx, o, model, it):
    B = ctx.base(o)
    L = ctx.L(o)
    Xs = ctx.direct_rows(o, list(range(1, L + 1)))
    return np.column_stack([np.maximum(model(X, it), 0) for X in Xs]) * B["sc"][:, None]


def tm():
    return time.strftime("%H:%M:%S")


# --------------------------------------------------------------------- idea 1
def run_direct(ctx, configs):
    """meta over configs x iters; returns dict config -> {'meta': {...}, 'F': {o: F}} plus final."""
    out = {}
    t0 = time.time()
    for o in ctx.meta + [ctx.end]:
        X, y, g, ng = ctx.direct_train_set(o)
        for cfg in configs:
            mdl = train_direct(X, y, g, ng, *cfg)
            for it in ITERS:
                out.setdefault((cfg, it), {})[o] = direct_forecast(ctx, o, mdl, it)
        print(f"  [{tm()}] {ctx.name} direct origin {o}: {len(y)} rows, {time.time() - t0:.0f}s", flush=True)
    return out


def meta_score(ctx, Fd):
    return np.mean(np.concatenate([per_rmsse(ctx.Y, o, Fd[o]) for o in ctx.meta]))


def hold(ctx, F):
    return score(ctx.Y[:, :ctx.end], ctx.Y[:, ctx.end:ctx.end + ctx.h], F)


def adjust(ctx, Fd, w, c, cls_w=None):
    """level c x (1 + w (pooled season index - 1)), index from the panel before each origin;
    cls_w: per-SBC-class weights (dict class -> w) with per-class indices."""
    out = {}
    for o, F in Fd.items():
        L = F.shape[1]
        pos = [(o + j) % ctx.S for j in range(L)]
        if cls_w is None:
            g = 1 + w * (season_index(ctx.tot, o, ctx.S)[pos] - 1)
            out[o] = F * g[None, :] * c
        else:
            cl = ctx.base(o)["cl"]
            G = np.ones_like(F)
            for k, wk in cls_w.items():
                sel = cl == k
                if sel.any():
                    idx = season_index(ctx.Y[sel, :o].sum(0), o, ctx.S)
                    G[sel] = 1 + wk * (idx[pos] - 1)
            out[o] = F * G * c
    return out


def choose_adjust(ctx, Fd, ws=WEIGHTS, cs=LVL):
    res = {(w, c): meta_score(ctx, adjust(ctx, {o: Fd[o] for o in ctx.meta}, w, c)) for w in ws for c in cs}
    w, c = min(res, key=res.get)
    return w, c, res


# --------------------------------------------------------------------- flat gbm (old, retrained per origin)
def run_flat(ctx, loss):
    from sklearn.ensemble import HistGradientBoostingRegressor
    out = {}
    for o in ctx.meta + [ctx.end]:
        Xs, mus, vs = [], [], []
        for oo in range(ctx.first_flat, o, ctx.step):
            B = ctx.base(oo)
            m = B["m"]
            W = ctx.Y[:, oo:min(oo + ctx.h, o)] / B["sc"][:, None]
            mu = W.mean(1)
            Xs.append(B["flat"][m])
            mus.append(mu[m])
            vs.append(np.maximum((W ** 2).mean(1) - mu ** 2, 0)[m])
        X, mu, v = np.concatenate(Xs), np.concatenate(mus), np.concatenate(vs)
        if loss == "absolute_error":
            gm = HistGradientBoostingRegressor(loss=loss, max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                               min_samples_leaf=50, random_state=0).fit(X, mu)
            pr = gm.predict
        else:
            init = np.median(mu)

            def objective(pred, _):
                dd = pred - mu
                r = np.sqrt(v + dd * dd + 1e-6)
                return dd / r, 1 / r

            b = lgb.train({"objective": objective, "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 50,
                           "lambda_l2": 1.0, "verbose": -1, "seed": 0, "num_threads": 1},
                          lgb.Dataset(X, label=mu, init_score=np.full(len(mu), init)), num_boost_round=200)
            pr = (lambda b, init: (lambda Xp: b.predict(Xp) + init))(b, init)
        B = ctx.base(o)
        lv = pr(B["flat"]) * B["sc"]
        out[o] = np.repeat(lv[:, None], ctx.L(o), 1)
    return out


def auto_both(ctx):
    return {o: ctx.auto_at(o)[:, None] * ctx.pf(o)[None, :ctx.L(o)] for o in ctx.meta + [ctx.end]}


def auto_plain(ctx):
    return {o: np.repeat(ctx.auto_at(o)[:, None], ctx.L(o), 1) for o in ctx.meta + [ctx.end]}


def blend(A, B, a):
    return {o: a * A[o] + (1 - a) * B[o] for o in A}


def choose_blend(ctx, A, B, grid=np.round(np.arange(0, 1.01, 0.1), 2)):
    res = {a: meta_score(ctx, blend(A, B, a)) for a in grid}
    a = min(res, key=res.get)
    return a, res


# --------------------------------------------------------------------- idea 3 helpers
def choose_cls_adjust(ctx, Fd, cs=LVL):
    """per-class season weight + one level, all by meta (separable per class for each c)."""
    Fm = {o: Fd[o] for o in ctx.meta}
    best = None
    cls_all = [0, 1, 2, 3]
    for c in cs:
        cw = {}
        tot = 0.0
        cnt = 0
        for k in cls_all:
            bestk = None
            for w in WEIGHTS:
                A = adjust(ctx, Fm, 0, c, cls_w={kk: (w if kk == k else 0) for kk in cls_all})
                r = []
                for o in ctx.meta:
                    sel = (ctx.base(o)["cl"] == k)[ctx.base(o)["m"]]
                    r.append(per_rmsse(ctx.Y, o, A[o])[sel])
                r = np.concatenate(r)
                if bestk is None or r.sum() < bestk[0]:
                    bestk = (r.sum(), w, len(r))
            cw[k] = bestk[1]
            tot += bestk[0]
            cnt += bestk[2]
        if best is None or tot / cnt < best[0]:
            best = (tot / cnt, c, cw)
    return best


def pooled_fit_class(ctx, end):
    """CLI-style inner backtest (as seasonal.rs) but one season index + weight per SBC class,
    one common level: factors n x h for the h periods after `end`."""
    Y, S, h = ctx.Y, ctx.S, ctx.h
    ls = [round(0.5 + 0.05 * i, 2) for i in range(15)]
    first = max(S, end - S)
    allo = list(range(first, end))
    orig = allo[:: max(1, -(-len(allo) // 13))]
    sums = np.zeros((4, len(ls), len(WEIGHTS)))
    cnt = np.zeros(4)
    for o in orig:
        H = Y[:, :o]
        s = scales(H)
        m = s > 0
        cl = classes(H)
        Lh = min(h, end - o)
        for k in range(4):
            sel = m & (cl == k)
            if not sel.any():
                continue
            idx = season_index(Y[cl == k, :o].sum(0), o, S)
            A = Y[sel, o:o + Lh]
            b = H.mean(1)[sel]
            for wi, w in enumerate(WEIGHTS):
                g = 1 + w * (idx[[(o + j) % S for j in range(Lh)]] - 1)
                for li, c in enumerate(ls):
                    sums[k, li, wi] += np.sqrt(((A - c * b[:, None] * g[None, :]) ** 2).mean(1) / s[sel]).sum()
            cnt[k] += sel.sum()
    n = Y.shape[0]
    F = np.ones((n, h))
    if cnt.sum() == 0:
        return F, None
    # for each level the best weight per class, then the best level
    best = None
    for li, c in enumerate(ls):
        tot = sum(sums[k, li].min() for k in range(4) if cnt[k])
        if best is None or tot < best[0] - 1e-12:
            best = (tot, li)
    li = best[1]
    cw = {k: WEIGHTS[int(np.argmin(sums[k, li]))] if cnt[k] else 0 for k in range(4)}
    cl = classes(Y[:, :end])
    pos = [(end + j) % S for j in range(h)]
    for k in range(4):
        sel = cl == k
        if sel.any():
            idx = season_index(Y[sel, :end].sum(0), end, S)
            F[sel] = ls[li] * (1 + cw[k] * (idx[pos] - 1))[None, :]
    return F, (ls[li], cw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="*", default=["auto", "man"])
    ap.add_argument("--only", nargs="*", default=["direct", "flat", "ens", "cls"])
    ap.add_argument("--man-configs", default="")  # e.g. "rmsse:auto,l1:const"
    args = ap.parse_args()
    for name in args.sets:
        meta = list(range(12, 18)) if name == "auto" else [90, 102, 114, 126]
        ctx = Ctx(name, meta)
        print(f"== {name}: meta origins {meta} [{tm()}]", flush=True)
        AB = auto_both(ctx)
        AP = auto_plain(ctx)
        print(f"{name} auto plain: meta {meta_score(ctx, AP):.4f} holdout {hold(ctx, AP[ctx.end]):.4f}")
        print(f"{name} auto+both: meta {meta_score(ctx, AB):.4f} holdout {hold(ctx, AB[ctx.end]):.4f}", flush=True)
        comps = {"auto+both": AB}
        if "flat" in args.only or "ens" in args.only:
            for loss in ("absolute_error", "rmsse"):
                t0 = time.time()
                FL = run_flat(ctx, loss)
                w, c, res = choose_adjust(ctx, FL)
                adj = adjust(ctx, FL, w, c)
                print(f"{name} flat gbm {loss} ({time.time() - t0:.0f}s): plain meta {res[(0, 1.0)]:.4f} "
                      f"holdout {hold(ctx, FL[ctx.end]):.4f}; meta picks w {w} c {c} ({res[(w, c)]:.4f}) "
                      f"-> holdout {hold(ctx, adj[ctx.end]):.4f}", flush=True)
                comps[f"flat-{loss}"] = adj
                comps[f"flat-{loss}-raw"] = FL
        if "direct" in args.only:
            if name == "auto":
                configs = [(l, i) for l in ("l2", "l1", "rmsse") for i in ("const", "auto")]
            else:
                configs = [tuple(x.split(":")) for x in args.man_configs.split(",")] if args.man_configs else \
                    [("rmsse", "auto")]
            t0 = time.time()
            D = run_direct(ctx, configs)
            print(f"{name} direct total {time.time() - t0:.0f}s for {len(configs)} configs x {len(ctx.meta) + 1} origins")
            rows = []
            for key, Fd in D.items():
                ms = meta_score(ctx, Fd)
                rows.append((ms, key))
                print(f"{name} direct {key}: meta {ms:.4f} holdout {hold(ctx, Fd[ctx.end]):.4f}", flush=True)
            ms, key = min(rows)
            Fd = D[key]
            w, c, res = choose_adjust(ctx, Fd, ws=[0, 0.25, 0.5], cs=LVL)
            adj = adjust(ctx, Fd, w, c)
            print(f"{name} direct CHOSEN {key} meta {ms:.4f} holdout {hold(ctx, Fd[ctx.end]):.4f}; "
                  f"+adjust meta picks w {w} c {c} ({res[(w, c)]:.4f}) -> holdout {hold(ctx, adj[ctx.end]):.4f}",
                  flush=True)
            comps["direct"] = Fd
            comps["direct-adj"] = adj
            for k, v in D.items():
                comps[f"D{k}"] = v
            # per-loss best (by meta) for the table
            for loss in sorted({k[0][0] for k in D}):
                r = min((x for x in rows if x[1][0][0] == loss))
                print(f"{name} direct best-by-meta for loss {loss}: {r[1]} meta {r[0]:.4f} holdout {hold(ctx, D[r[1]][ctx.end]):.4f}")
        if "ens" in args.only:
            for other in [k for k in comps if k != "auto+both" and not k.endswith("-raw") and not k.startswith("D")]:
                a, res = choose_blend(ctx, comps["auto+both"], comps[other])
                Fb = blend(comps["auto+both"], comps[other], a)
                w, c, res2 = choose_adjust(ctx, Fb, ws=[0], cs=[0.9, 0.95, 1.0, 1.05])
                Fb2 = adjust(ctx, Fb, w, c)
                print(f"{name} ens auto+both x {other}: meta picks a={a} (auto share) meta {res[a]:.4f} "
                      f"holdout {hold(ctx, Fb[ctx.end]):.4f}; + level {c} meta {res2[(0, c)]:.4f} "
                      f"holdout {hold(ctx, Fb2[ctx.end]):.4f}", flush=True)
                print(f"   meta by a: " + " ".join(f"{k}:{v:.4f}" for k, v in res.items()))
            if "direct" in comps and "flat-rmsse" in comps:
                for f2 in ("flat-rmsse", "flat-absolute_error"):
                    a, res = choose_blend(ctx, comps["direct"], comps[f2])
                    Fb = blend(comps["direct"], comps[f2], a)
                    print(f"{name} ens direct x {f2}: meta picks a={a} meta {res[a]:.4f} holdout {hold(ctx, Fb[ctx.end]):.4f}")
                # three-way: equal thirds (fixed in advance) and meta grid
                best = None
                for a, b in itertools.product(np.arange(0, 1.01, 0.1), repeat=2):
                    if a + b > 1.0001:
                        continue
                    Fb = {o: a * comps["auto+both"][o] + b * comps["direct"][o] + (1 - a - b) * comps["flat-rmsse"][o]
                          for o in AB}
                    ms = meta_score(ctx, Fb)
                    if best is None or ms < best[0]:
                        best = (ms, round(a, 1), round(b, 1), Fb)
                print(f"{name} ens 3-way auto+both/direct/flat-rmsse: meta picks {best[1]}/{best[2]}/{1 - best[1] - best[2]:.1f}"
                      f" meta {best[0]:.4f} holdout {hold(ctx, best[3][ctx.end]):.4f}")
        save(name, comps)
        if "cls" in args.only:
            t0 = time.time()
            Fc = {}
            info = None
            for o in ctx.meta + [ctx.end]:
                F, info = pooled_fit_class(ctx, o)
                Fc[o] = ctx.auto_at(o)[:, None] * F[:, :ctx.L(o)]
            print(f"{name} cls: auto x per-class CLI-style fit ({time.time() - t0:.0f}s): final level/weights {info}; "
                  f"meta {meta_score(ctx, Fc):.4f} (auto+both meta {meta_score(ctx, AB):.4f}) holdout {hold(ctx, Fc[ctx.end]):.4f}")
            for nm in [k for k in comps if k.endswith("-raw")] + (["direct"] if "direct" in comps else []):
                ms, c, cw = choose_cls_adjust(ctx, comps[nm])
                A = adjust(ctx, comps[nm], 0, c, cls_w=cw)
                print(f"{name} cls: {nm} x per-class season (meta-chosen weights {cw}, level {c}): meta {ms:.4f} "
                      f"holdout {hold(ctx, A[ctx.end]):.4f}", flush=True)


def save(name, comps):
    import pickle
    with open(os.path.join(os.environ.get("T3_OUT", "."), f"comps_{name}.pkl"), "wb") as f:
        pickle.dump(comps, f)


if __name__ == "__main__":
    main()
