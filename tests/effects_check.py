"""An independent reimplementation, in pandas, of what rpt_aktivitet_effekter publishes:
from the person-level rows of the matching pool (int_participant__matching_pool) and
their outcomes (int_participant__outcomes): the censoring weights (recomputed here from
who starts in which stratum, not read from the model), the matched strata, the 2 x 2
cells, the censoring- and CEM-weighted control rates, the estimates and their standard
errors (docs/effects.md). Tests compare the report with it, row by row."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

OUTCOME_COLUMNS = {
    "has_leisure_job": "fritidsjob", "in_education": "i_uddannelse", "is_employed": "beskaeftiget",
    "took_ninth_grade_exam": "afgangseksamen", "school_absence_pct": "skolefravaer_pct",
    "was_suspected_or_charged": "mistanke_sigtelse",
}
KEYS = ["activity_code", "outcome", "horizon", "subgroup"]
POOL_KEYS = ["activity_code", "person_key", "participation_year"]


def censoring_weights(pool: pd.DataFrame) -> pd.DataFrame:
    """Per pool row, the inverse probability of a control not having started by t + 1 and
    t + 2: the product, over the later years in which the person is in the pool, of
    n_pool / (n_pool - n_started) of their stratum that year."""
    strata = pool.groupby(["activity_code", "stratum_key"])["is_treated"].agg(n_pool="size", n_started="sum")
    later = pool[~pool["is_treated"]].join(strata, on=["activity_code", "stratum_key"])
    later["factor"] = later["n_pool"] / (later["n_pool"] - later["n_started"])
    out = pool[POOL_KEYS].copy()
    for k in (1, 2):
        shifted = later[POOL_KEYS + ["factor"]].assign(participation_year=later["participation_year"] - k)
        out = out.merge(shifted.rename(columns={"factor": f"factor_{k}"}), on=POOL_KEYS, how="left")
        out[f"factor_{k}"] = out[f"factor_{k}"].fillna(1.0)
    return out


def person_outcomes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Long: one row per pool person-year, horizon and measured outcome, with its weight."""
    pool = con.sql("select activity_code, person_key, participation_year, stratum_key, is_treated "
                   "from intermediate.int_participant__matching_pool").df()
    weights = censoring_weights(pool)
    wide = con.sql("select activity_code, person_key, participation_year, horizon, stratum_key, gender, is_treated, "
                   f"{', '.join(OUTCOME_COLUMNS)} from intermediate.int_participant__outcomes").df()
    wide = wide.merge(weights, on=POOL_KEYS, how="left")
    wide["w"] = np.where(wide["is_treated"] | (wide["horizon"] == 0), 1.0,
                         np.where(wide["horizon"] == 1, wide["factor_1"], wide["factor_1"] * wide["factor_2"]))
    long = wide.melt(id_vars=["activity_code", "horizon", "stratum_key", "gender", "is_treated", "w"],
                     value_vars=list(OUTCOME_COLUMNS), var_name="column", value_name="y").dropna(subset=["y"])
    long["outcome"] = long["column"].map(OUTCOME_COLUMNS)
    long["y"] = long["y"].astype(float)
    return long.drop(columns="column")


def expected_effects(long: pd.DataFrame) -> pd.DataFrame:
    """Per activity, outcome, horizon and subgroup: counts, matched cells, estimates and
    the standard error of the control rate as an estimate of the treated's outcome
    without the activity."""
    long = long.assign(wy=long["w"] * long["y"], wyy=long["w"] * long["y"] ** 2, ww=long["w"] ** 2)
    keys = ["activity_code", "outcome", "horizon", "stratum_key", "gender"]
    treated = long[long["is_treated"]].groupby(keys).agg(n_t=("y", "size"), s_t=("y", "sum"))
    controls = long[~long["is_treated"]].groupby(keys).agg(
        n_c=("y", "size"), s_c=("y", "sum"), w=("w", "sum"), wy=("wy", "sum"), wyy=("wyy", "sum"), ww=("ww", "sum"))
    strata = treated.join(controls, how="outer").fillna(0).reset_index()
    matched = strata[(strata["n_t"] > 0) & (strata["n_c"] > 0)].copy()
    matched["mu"] = matched["wy"] / matched["w"]
    matched["mu_excluding"] = matched["s_c"] / matched["n_c"]
    matched["ess"] = matched["w"] ** 2 / matched["ww"]
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (matched["wyy"] / matched["w"] - matched["mu"] ** 2).clip(lower=0) * matched["ess"] / (matched["ess"] - 1)
    matched["var"] = var.where(matched["n_c"] >= 2)
    # a stratum with a single control takes the pooled within-stratum variance
    has_var = matched[matched["var"].notna()]
    pooled = ((has_var["ess"] - 1) * has_var["var"]).groupby([has_var[k] for k in keys[:3]]).sum() \
        / (has_var["ess"] - 1).groupby([has_var[k] for k in keys[:3]]).sum()
    fallback = matched.join(pooled.rename("pooled"), on=keys[:3])["pooled"]
    matched["var"] = matched["var"].fillna(fallback).fillna(0)
    rows = []
    for subgroup, genders in (("all", ("K", "M")), ("female", ("K",)), ("male", ("M",))):
        part = strata[strata["gender"].isin(genders)]
        part_matched = matched[matched["gender"].isin(genders)]
        for key, g in part.groupby(["activity_code", "outcome", "horizon"]):
            if g["n_t"].sum() == 0:
                continue
            m = part_matched[(part_matched["activity_code"] == key[0]) & (part_matched["outcome"] == key[1])
                             & (part_matched["horizon"] == key[2])]
            n_t, n_c = m["n_t"].sum(), m["n_c"].sum()
            y_t, y_c = m["s_t"].sum(), m["s_c"].sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                p_t = y_t / n_t if n_t else np.nan
                p_c = (m["n_t"] * m["mu"]).sum() / n_t if n_t else np.nan
                p_c_excluding = (m["n_t"] * m["mu_excluding"]).sum() / n_t if n_t else np.nan
                se = np.sqrt((m["n_t"] * m["var"] * (1 + m["n_t"] / m["ess"])).sum()) / n_t if n_t else np.nan
                ess = n_t ** 2 / (m["n_t"] ** 2 / m["ess"]).sum() if n_t else np.nan
            binary = key[1] != "skolefravaer_pct"
            cells = [n_t, n_c, y_t, n_t - y_t, y_c, n_c - y_c] if binary else [n_t, n_c]
            rows.append({
                "activity_code": key[0], "outcome": key[1], "horizon": key[2], "subgroup": subgroup,
                "n_t": int(n_t), "n_c": int(n_c), "unmatched": int(g["n_t"].sum() - n_t),
                "smallest_cell": float(min(cells)), "p_t": p_t, "p_c": p_c, "ess": ess,
                "odds_ratio": (p_t / (1 - p_t)) / (p_c / (1 - p_c)) if binary else np.nan,
                "se_log_odds_ratio": se / (p_c * (1 - p_c)) if binary else np.nan,
                "excluding_odds_ratio": (p_t / (1 - p_t)) / (p_c_excluding / (1 - p_c_excluding)) if binary else np.nan,
                "mean_difference": np.nan if binary else p_t - p_c,
                "se_mean_difference": np.nan if binary else se,
                "excluding_mean_difference": np.nan if binary else p_t - p_c_excluding,
            })
    return pd.DataFrame(rows)
