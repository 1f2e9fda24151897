"""The area marts and reports of the session's full refresh, as an analyst reads them in
the published marts.duckdb, checked against the generator's truth, the raw layer and an
independent computation of the difference-in-differences in pandas."""

from __future__ import annotations

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from dagster_project.settings import get_settings

pytestmark = pytest.mark.slow

AREA_TABLES = ("dim_boligomraade", "fct_omraade_aar", "fct_omraade_pulje", "rpt_omraade_listekontrol",
               "rpt_omraade_did", "rpt_omraade_did_areas", "rpt_omraade_trend")
# fct_omraade_aar column -> S4 code, for the indicators both S4 and the panel give
PANEL_COLUMNS = {
    "outside_work_education_pct": "UDEN_ARB_UDD_PCT", "non_western_pct": "IKKE_VESTLIG_PCT",
    "neet_15_24_pct": "NEET_15_24_PCT", "suspicions_10_14_per_1000": "MISTANKE_10_14_PR_1000",
    "charged_15_17_per_1000": "SIGTEDE_15_17_PR_1000", "ninth_grade_exam_pct": "AFGANGSEKSAMEN_PCT",
    "leisure_job_13_17_pct": "FRITIDSJOB_13_17_PCT",
}
OFFICIAL_OUTCOMES = {
    **PANEL_COLUMNS, "convicted_pct": "DOEMTE_PCT", "convicted_ratio_to_national": "DOEMTE_RATIO",
    "basic_schooling_only_pct": "GRUNDSKOLE_PCT", "income_pct_of_region": "INDKOMST_REGION_PCT",
    "voter_turnout_pct": "VALGDELTAGELSE_PCT",
}


@pytest.fixture(scope="module")
def marts(refreshed, session_env):
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        yield con


def test_the_area_marts_are_published_with_every_column_described(marts, small_world):
    tables = {r[0] for r in marts.sql("select table_name from duckdb_tables()").fetchall()}
    assert set(AREA_TABLES) <= tables
    undocumented = marts.sql(
        f"select table_name, column_name from duckdb_columns() where table_name in {AREA_TABLES} "
        "and (comment is null or comment = '')").fetchall()
    assert undocumented == []
    areas = small_world[2]["areas"]
    assert marts.sql("select count(*), count(distinct area_id), min(year), max(year) from fct_omraade_aar"
                     ).fetchone() == (areas * 18, areas, 2008, 2025)


def test_official_and_panel_indicators_agree_where_both_are_published(marts):
    """The panel columns are computed in SQL from S6; S4 was computed by the generator from
    the same panel: both round half up, so they must be equal wherever both are published."""
    for column in ["residents", *PANEL_COLUMNS]:
        both, equal = marts.sql(
            f"select count(*), count(*) filter (where {column} = panel_{column}) from fct_omraade_aar "
            f"where {column} is not null and panel_{column} is not null").fetchone()
        assert both > 0 and equal == both, column


def test_panel_rates_are_withheld_exactly_where_fewer_than_20_persons_are_behind_them(marts):
    raw = get_settings().raw_dir
    persons = duckdb.sql(
        "select boligomraade_id as area_id, cast(aar as integer) as year, "
        "count(*) filter (where aar - foedselsaar between 10 and 14) as n_10_14, "
        "count(*) filter (where aar - foedselsaar = 16) as n_16 "
        f"from read_parquet('{raw}/raw_person_years/*.parquet') where boligomraade_id is not null group by all").df()
    published = marts.sql("select area_id, year, panel_suspicions_10_14_per_1000 as suspicions, "
                          "panel_suspicions_10_14_per_1000_suppressed as suspicions_suppressed, "
                          "panel_ninth_grade_exam_pct as exam, panel_ninth_grade_exam_pct_suppressed as exam_suppressed "
                          "from fct_omraade_aar").df()
    frame = published.merge(persons, on=["area_id", "year"], how="left").fillna({"n_10_14": 0, "n_16": 0})
    for value, flag, n in (("suspicions", "suspicions_suppressed", "n_10_14"), ("exam", "exam_suppressed", "n_16")):
        small = frame[n] < 20
        assert small.any() and (~small).any()
        assert frame.loc[small, value].isna().all() and frame.loc[small, flag].all()
        assert frame.loc[~small, value].notna().all() and not frame.loc[~small, flag].any()
    small_counts = marts.sql("select count(*) from fct_omraade_aar where residents between 1 and 4 "
                             "or panel_residents between 1 and 4").fetchone()[0]
    assert small_counts == 0


def test_funding_per_area_and_round_adds_up_to_the_grants_exactly(marts, small_world):
    rounds = small_world[2]["funding_rounds"]
    per_round = dict(marts.sql("select funding_round, cast(sum(grant_lbf_dkk) * 100 as bigint) "
                               "from fct_omraade_pulje group by 1").fetchall())
    assert per_round == {r: v["grant_lbf_ore"] for r, v in rounds.items()}
    total = marts.sql("select cast(sum(grant_lbf_dkk) * 100 as bigint) from dim_boligomraade").fetchone()[0]
    assert total == sum(v["grant_lbf_ore"] for v in rounds.values())
    # Per resident: the area's share over its residents at the start, as published.
    mismatches = marts.sql(
        "select count(*) from fct_omraade_pulje p join fct_omraade_aar f "
        "on f.area_id = p.area_id and f.year = p.residents_year "
        "where p.residents_at_start is distinct from f.residents "
        "or abs(p.grant_lbf_per_resident_dkk - p.grant_lbf_dkk / p.residents_at_start) > 0.006").fetchone()[0]
    assert mismatches == 0
    # A year's grant is the active plans' share of it: over the years of the data it is at
    # most the area's share of the round, and equal to it for plans that ended by 2025.
    over = marts.sql(
        "select count(*) from dim_boligomraade d join (select area_id, sum(lbf_grant_dkk) as by_year "
        "from fct_omraade_aar group by 1) y using (area_id) where y.by_year > d.grant_lbf_dkk + 0.01 * 18").fetchone()[0]
    assert over == 0


def test_years_on_each_list_category_match_the_generated_lists(marts, small_world):
    sizes = small_world[2]["list_sizes"]
    expected = {}
    for categories in sizes.values():
        for category, n in categories.items():
            expected[category] = expected.get(category, 0) + n
    columns = {"ghettoområde": "years_ghettoomraade", "hårdt ghettoområde": "years_haardt_ghettoomraade",
               "udsat boligområde": "years_udsat_boligomraade", "parallelsamfund": "years_parallelsamfund",
               "omdannelsesområde": "years_omdannelsesomraade", "forebyggelsesområde": "years_forebyggelsesomraade"}
    sums = marts.sql(f"select {', '.join(f'sum({c})' for c in columns.values())}, sum(years_on_list) "
                     "from dim_boligomraade").fetchone()
    assert dict(zip(columns, sums[:-1], strict=True)) == {c: expected.get(c, 0) for c in columns}
    assert sums[-1] == sum(expected.values()) > 0


def test_the_list_check_finds_no_disagreement_in_the_generated_lists(marts, refreshed, instance):
    assert marts.sql("select count(*) from rpt_omraade_listekontrol").fetchone()[0] == 0
    differing = marts.sql("select count(*) from fct_omraade_aar where list_published "
                          "and list_category is distinct from computed_list_category").fetchone()[0]
    listed = marts.sql("select count(*) from fct_omraade_aar where list_category is not null").fetchone()[0]
    assert differing == 0 and listed > 0
    evaluations = [r.dagster_event.event_specific_data for r in instance.all_logs(
        refreshed.runs[-1].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)]
    check = next(e for e in evaluations if e.asset_check_key.to_user_string() == "rpt_omraade_listekontrol:list_check")
    assert check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["list_years_checked"].value == 16 and check.metadata["area_years_checked"].value > 100
    assert refreshed.warnings == []


def _did_in_pandas(marts) -> pd.DataFrame:
    """The estimator of rpt_omraade_did, written again from its description."""
    columns = {**{c: (code, "official") for c, code in OFFICIAL_OUTCOMES.items()},
               **{f"panel_{c}": (code, "panel") for c, code in PANEL_COLUMNS.items()}}
    fct = marts.sql(f"select area_id, year, {', '.join(columns)} from fct_omraade_aar").df()
    values = fct.melt(id_vars=["area_id", "year"], var_name="column", value_name="value").dropna()
    values["indicator_code"] = values["column"].map(lambda c: columns[c][0])
    values["indicator_source"] = values["column"].map(lambda c: columns[c][1])
    first_year, last_year = values["year"].min(), values["year"].max()
    plans = marts.sql("select funding_round, min(year(start_date)) as start_year, max(year(end_date)) as end_year "
                      "from dim_helhedsplan group by 1").df()
    areas = marts.sql("select area_id, first_funding_round from dim_boligomraade").df()
    funded = marts.sql("select funding_round, area_id from fct_omraade_pulje").df()
    rows = []
    for plan in plans.itertuples():
        in_round = set(funded.loc[funded["funding_round"] == plan.funding_round, "area_id"])
        groups = {"funded": in_round,
                  "never_funded": set(areas.loc[areas["first_funding_round"].isna(), "area_id"]),
                  "not_funded_in_round": set(areas["area_id"]) - in_round}
        pre = values[(values["year"] >= first_year) & (values["year"] < plan.start_year)]
        post = values[(values["year"] >= plan.start_year) & (values["year"] <= min(plan.end_year, last_year))]
        keys = ["indicator_code", "indicator_source", "area_id"]
        change = (post.groupby(keys)["value"].mean() - pre.groupby(keys)["value"].mean()).dropna().reset_index()
        for (code, source), frame in change.groupby(["indicator_code", "indicator_source"]):
            treated = frame.loc[frame["area_id"].isin(groups["funded"]), "value"]
            for comparison in ("never_funded", "not_funded_in_round"):
                control = frame.loc[frame["area_id"].isin(groups[comparison]), "value"]
                if treated.empty or control.empty:
                    continue
                estimate = treated.mean() - control.mean()
                se = np.sqrt(treated.var(ddof=1) / len(treated) + control.var(ddof=1) / len(control))
                rows.append({"funding_round": plan.funding_round, "indicator_code": code, "indicator_source": source,
                             "comparison_group": comparison, "n_funded": len(treated), "n_comparison": len(control),
                             "estimate": estimate, "se": se})
    return pd.DataFrame(rows)


def test_the_difference_in_differences_equals_an_independent_computation(marts):
    expected = _did_in_pandas(marts)
    report = marts.sql("select funding_round, indicator_code, indicator_source, comparison_group, "
                       "n_funded_areas as n_funded, n_comparison_areas as n_comparison, did_estimate as estimate, "
                       "did_standard_error as se, ci_low, ci_high from rpt_omraade_did").df()
    # Three rounds, 12 official and 7 panel indicators, two comparisons.
    assert len(report) == len(expected) == 3 * 19 * 2
    merged = report.merge(expected, on=["funding_round", "indicator_code", "indicator_source", "comparison_group"],
                          suffixes=("", "_pandas"), validate="one_to_one")
    assert (merged["n_funded"] == merged["n_funded_pandas"]).all()
    assert (merged["n_comparison"] == merged["n_comparison_pandas"]).all()
    assert np.allclose(merged["estimate"], merged["estimate_pandas"], rtol=0, atol=1e-9)
    assert np.allclose(merged["se"], merged["se_pandas"], rtol=0, atol=1e-9, equal_nan=True)
    assert np.allclose(merged["ci_low"], merged["estimate"] - 1.96 * merged["se"], atol=1e-9, equal_nan=True)
    assert np.allclose(merged["ci_high"], merged["estimate"] + 1.96 * merged["se"], atol=1e-9, equal_nan=True)


def test_the_trend_is_the_mean_over_the_areas_of_each_group_and_year(marts):
    trend = marts.sql("select area_group, year, n_areas, mean_value from rpt_omraade_trend "
                      "where funding_round = '2011-14' and indicator_code = 'MISTANKE_10_14_PR_1000' "
                      "and indicator_source = 'official' order by 1, 2").df()
    values = marts.sql(
        "select f.year, f.suspicions_10_14_per_1000 as value, "
        "d.first_funding_round is null as never, coalesce(d.funded_2011_14, false) as funded "
        "from fct_omraade_aar f join dim_boligomraade d using (area_id) "
        "where f.suspicions_10_14_per_1000 is not null").df()
    for group, mask in (("funded", values["funded"]), ("never_funded", values["never"]),
                        ("not_funded_in_round", ~values["funded"])):
        expected = values[mask].groupby("year")["value"].agg(["count", "mean"]).reset_index()
        got = trend[trend["area_group"] == group].reset_index(drop=True)
        assert list(got["year"]) == list(expected["year"])
        assert list(got["n_areas"]) == list(expected["count"])
        assert np.allclose(got["mean_value"], expected["mean"], atol=1e-9)


def test_the_pooled_panel_rate_reproduces_the_generators_realized_suspicion_rate(marts, small_world):
    """The generator records, per first funding round and year, the suspicions among the
    10-14-year-olds living in those areas: the pooled rate of 'funded' (2011-14 is the
    first round, so its funded areas are exactly that group) and of 'never_funded'."""
    truth = small_world[2]["suspicion_10_14"]
    trend = marts.sql("select area_group, year, n_persons, pooled_value from rpt_omraade_trend "
                      "where funding_round = '2011-14' and indicator_code = 'MISTANKE_10_14_PR_1000' "
                      "and indicator_source = 'panel' and area_group in ('funded', 'never_funded')").fetchall()
    compared = 0
    for group, year, n_persons, pooled in trend:
        expected = truth["2011-14" if group == "funded" else "never"][str(year)]
        assert n_persons == expected["persons_10_14"], (group, year)
        if pooled is not None:
            assert round(pooled, 3) == expected["realized_per_1000"], (group, year)
            compared += 1
    assert compared >= 18
