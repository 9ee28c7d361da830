"""Print the default city's baseline against the calibration targets (several seeds).

Usage: python experiments/calibration/check.py [--seeds N] [overrides...]
"""

from __future__ import annotations

import argparse
import logging
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

TARGETS = {
    "robbery per 1,000 persons 12+": (2.0, 3.2),
    "burglary per 1,000 households": (10.0, 18.0),
    "vandalism per 1,000 households": (40.0, 90.0),
    "robbery reported": (0.55, 0.72),
    "burglary reported": (0.40, 0.55),
    "vandalism reported": (0.22, 0.38),
    "clearance burglary": (0.10, 0.18),
    "clearance robbery": (0.24, 0.37),
    "contact prevalence 16+": (0.21, 0.24),
    "police-initiated contact 16+": (0.09, 0.13),
    "trust within-group SD": (0.18, 0.22),
}


def measure(args: tuple[list[str], int]) -> dict[str, float]:
    overrides, seed = args
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from commsim import load_config
    from commsim.model import CommunityModel

    cfg = load_config(overrides)
    model = CommunityModel(cfg, seed=seed)
    while model.running:
        model.step()

    ev = model.events_table()
    w = model.world
    years = cfg.days / 365
    households = float(w.city.households.sum())
    s = model.daily_table()
    out = {
        "robbery per 1,000 persons 12+": (ev.type == "robbery").sum()
        / w.n_residents
        * 1000
        / years,
        "burglary per 1,000 households": (ev.type == "burglary").sum() / households * 1000 / years,
        "vandalism per 1,000 households": (ev.type == "vandalism").sum()
        / households
        * 1000
        / years,
        "contact prevalence 16+": float(s["contact_prevalence"].iloc[min(364, len(s) - 1)]),
        "police-initiated contact 16+": float(
            s["police_initiated_prevalence"].iloc[min(364, len(s) - 1)]
        ),
        "trust within-group SD": float(s["trust_sd"].mean()),
        "active offenders per 1,000": float(s["active_offenders"].mean() / w.n_residents * 1000),
        "trust gap": float(s["trust_gap"].mean()),
    }
    for t in ("robbery", "burglary", "vandalism"):
        e = ev[ev.type == t]
        out[f"{t} reported"] = (int(e.reported.sum()), len(e))
        rec = e[e.recorded]
        out[f"clearance {t}"] = (int(rec.arrested.sum()), len(rec))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("overrides", nargs="*")
    a = p.parse_args()
    start = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        rows = list(pool.map(measure, [(a.overrides, s) for s in range(a.seeds)]))
    keys = list(rows[0])
    for k in keys:
        if isinstance(rows[0][k], tuple):  # pooled: successes over trials
            num = sum(r[k][0] for r in rows)
            den = sum(r[k][1] for r in rows)
            vals = np.array([num / max(den, 1)])
        else:
            vals = np.array([r[k] for r in rows], float)
        lo, hi = TARGETS.get(k, (np.nan, np.nan))
        ok = "" if np.isnan(lo) else ("ok" if lo <= np.nanmean(vals) <= hi else "OFF")
        print(f"{k:32s} {np.nanmean(vals):8.3f}  (sd {np.nanstd(vals):.3f})  target {lo}-{hi} {ok}")
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
