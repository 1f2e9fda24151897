"""An independent reimplementation, in pandas, of what rpt_aktivitet_effekter publishes:
from the person-level outcomes of the matching pool (int_participant__outcomes), the
matched strata, the 2 x 2 cells, CEM-weighted control rates and the estimates. Tests
compare the report with it, row by row."""

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


def person_outcomes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Long: one row per pool person-year, horizon and measured outcome."""
    wide = con.sql("select activity_code, horizon, stratum_key, gender, is_treated, "
                   f"{', '.join(OUTCOME_COLUMNS)} from intermediate.int_participant__outcomes").df()
    long = wide.melt(id_vars=["activity_code", "horizon", "stratum_key", "gender", "is_treated"],
                     value_vars=list(OUTCOME_COLUMNS), var_name="column", value_name="y").dropna(subset=["y"])
    long["outcome"] = long["column"].map(OUTCOME_COLUMNS)
    long["y"] = long["y"].astype(float)
    return long.drop(columns="column")


def expected_effects(long: pd.DataFrame) -> pd.DataFrame:
    """Per activity, outcome, horizon and subgroup: counts, matched cells and estimates."""
    strata = (long.groupby(["activity_code", "outcome", "horizon", "stratum_key", "gender", "is_treated"])["y"]
              .agg(n="count", s="sum").reset_index())
    wide = strata.pivot_table(index=["activity_code", "outcome", "horizon", "stratum_key", "gender"],
                              columns="is_treated", values=["n", "s"], fill_value=0)
    wide.columns = [f"{v}_{'t' if treated else 'c'}" for v, treated in wide.columns]
    wide = wide.reset_index()
    for column in ("n_t", "n_c", "s_t", "s_c"):
        if column not in wide:
            wide[column] = 0
    rows = []
    for subgroup, genders in (("all", ("K", "M")), ("female", ("K",)), ("male", ("M",))):
        part = wide[wide["gender"].isin(genders)]
        for key, g in part.groupby(["activity_code", "outcome", "horizon"]):
            if g["n_t"].sum() == 0:
                continue
            matched = g[(g["n_t"] > 0) & (g["n_c"] > 0)]
            n_t, n_c = matched["n_t"].sum(), matched["n_c"].sum()
            y_t, y_c = matched["s_t"].sum(), matched["s_c"].sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                p_t = y_t / n_t if n_t else np.nan
                # standard CEM weights: each matched stratum's controls stand for its treated
                p_c = (matched["n_t"] * matched["s_c"] / matched["n_c"]).sum() / n_t if n_t else np.nan
            binary = key[1] != "skolefravaer_pct"
            cells = [n_t, n_c, y_t, n_t - y_t, y_c, n_c - y_c] if binary else [n_t, n_c]
            rows.append({
                "activity_code": key[0], "outcome": key[1], "horizon": key[2], "subgroup": subgroup,
                "n_t": int(n_t), "n_c": int(n_c), "unmatched": int(g["n_t"].sum() - n_t),
                "smallest_cell": float(min(cells)), "p_t": p_t, "p_c": p_c,
                "odds_ratio": (p_t / (1 - p_t)) / (p_c / (1 - p_c)) if binary else np.nan,
                "mean_difference": np.nan if binary else p_t - p_c,
            })
    return pd.DataFrame(rows)
