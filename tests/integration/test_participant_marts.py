"""The participant marts of the session's full refresh (scale 0.05): the restricted
episode fact, the effect report recomputed from the person-level outcomes (censoring
weights, estimates and intervals), suppression, the profile against the landing files,
and the forest plot."""

from __future__ import annotations

import base64
import math
import re

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from dagster_project.pseudonym import PERSON_KEY_PATTERN
from dagster_project.settings import get_settings
from tests.effects_check import KEYS, expected_effects, person_outcomes

pytestmark = pytest.mark.slow
COUNT_COLUMNS = ("treated_n", "matched_controls_n", "treated_unmatched_n")


@pytest.fixture(scope="module")
def published(refreshed, session_env) -> pd.DataFrame:
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        return con.sql("select * from rpt_aktivitet_effekter").df()


@pytest.fixture(scope="module")
def expected(refreshed) -> pd.DataFrame:
    with duckdb.connect(str(get_settings().build_db), read_only=True) as con:
        return expected_effects(person_outcomes(con))


@pytest.fixture(scope="module")
def registrations(small_world) -> pd.DataFrame:
    landing = small_world[0]
    frames = []
    for path in sorted(landing.glob("deltagere/*/registreringer_*.csv")):
        frames.append(pd.read_csv(path, dtype=str).assign(funding_round=path.parent.name))
    return pd.concat(frames, ignore_index=True)


def test_fct_deltagelse_holds_every_registration_in_restricted_only(refreshed, session_env, registrations):
    with duckdb.connect(str(session_env.warehouse_dir / "restricted.duckdb"), read_only=True) as con:
        episodes = con.sql("select * from fct_deltagelse").df()
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        marts_tables = {r[0] for r in con.sql("show tables").fetchall()}
    assert "fct_deltagelse" not in marts_tables and "rpt_aktivitet_effekter" in marts_tables
    assert len(episodes) == len(registrations)
    assert (episodes.groupby("activity_code").size().sort_index()
            == registrations.groupby("aktivitet").size().sort_index().rename_axis("activity_code")).all()
    assert episodes["person_key"].str.fullmatch(PERSON_KEY_PATTERN).all()
    assert not any("cpr" in c for c in episodes.columns)
    # The generator selects participants among eligible persons only.
    assert set(episodes["eligibility"]) == {"eligible"}
    assert episodes["stratum_key"].notna().all()
    assert (episodes["participation_year"] == pd.to_datetime(episodes["start_date"]).dt.year).all()


def test_published_effects_never_rest_on_fewer_than_5_persons_in_a_cell(published, expected):
    merged = published.merge(expected, on=KEYS, how="outer", indicator=True, suffixes=("", "_expected"))
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", KEYS]
    shown = merged[~merged["is_suppressed"]]
    hidden = merged[merged["is_suppressed"]]
    assert len(shown) > 100 and len(hidden) > 0, "the small world should exercise both"
    assert (shown["smallest_cell"] >= 5).all()
    for column in COUNT_COLUMNS:
        values = published[column].dropna()
        assert not values.between(1, 4).any(), column
    estimates = ["treated_outcome", "control_outcome", "odds_ratio", "risk_ratio", "mean_difference",
                 "naive_odds_ratio", "naive_mean_difference", *COUNT_COLUMNS]
    assert hidden[estimates].isna().all().all()
    # A suppressed row has a small cell itself, or is the other gender of one that has:
    # 'all' is the sum of the two, so publishing one would give the other away.
    small = merged[merged["smallest_cell"] < 5]
    assert set(small.index) <= set(hidden.index)
    for _, row in hidden[hidden["smallest_cell"] >= 5].iterrows():
        assert row["subgroup"] != "all"
        other = merged[(merged["activity_code"] == row["activity_code"]) & (merged["outcome"] == row["outcome"])
                       & (merged["horizon"] == row["horizon"]) & (merged["subgroup"] != "all")
                       & (merged["subgroup"] != row["subgroup"])]
        assert (other["smallest_cell"] < 5).all() and len(other) == 1


def test_no_estimate_is_computed_from_a_table_with_a_cell_under_5(refreshed):
    """The suppression path runs in this refresh: at test scale many tables have a small
    cell, and their estimates are never computed (NULL before the report suppresses them)."""
    with duckdb.connect(str(get_settings().build_db), read_only=True) as con:
        estimates = con.sql("select * from intermediate.int_participant__effect_estimates").df()
    small = estimates[estimates["smallest_cell"] < 5]
    assert len(small) >= 20, "the small world should have tables with a cell under 5"
    computed = ["control_effective_size", "treated_outcome", "control_outcome", "odds_ratio", "risk_ratio",
                "mean_difference", "se_log_odds_ratio", "se_mean_difference", "naive_odds_ratio",
                "naive_mean_difference", "excluding_later_starters_odds_ratio",
                "excluding_later_starters_mean_difference"]
    assert small[computed].isna().all().all()
    assert estimates.loc[estimates["smallest_cell"] >= 5, "treated_outcome"].notna().all()


def test_published_effects_are_the_matched_comparison_of_the_person_level_outcomes(published, expected, session_env):
    shown = published[~published["is_suppressed"]].merge(expected, on=KEYS, suffixes=("", "_expected"))
    hidden = shown[shown["treated_n"].isna()]
    assert (shown.dropna(subset=["treated_n"])["treated_n"] == shown.dropna(subset=["treated_n"])["n_t"]).all()
    # A treated_n is hidden only where the profile's episodes minus it would be 1-4 in a
    # subgroup of its activity, outcome and horizon (docs/privacy.md).
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        profile = con.sql("select activity_code, case when dimension = 'gender' then case category when 'K' then "
                          "'female' when 'M' then 'male' end else 'all' end as subgroup, n_episodes "
                          "from rpt_participant_profile where n_episodes is not null and (dimension = 'total' or "
                          "(dimension = 'eligibility' and category = 'eligible') or dimension = 'gender')").df()
    differences = shown.merge(profile, on=["activity_code", "subgroup"])
    differences = differences[(differences["n_episodes"] - differences["n_t"]).between(1, 4)]
    derivable = set(map(tuple, differences[["activity_code", "outcome", "horizon"]].to_numpy().tolist()))
    assert set(map(tuple, hidden[["activity_code", "outcome", "horizon"]].to_numpy().tolist())) == derivable
    assert (shown["matched_controls_n"] == shown["n_c"]).all()
    unmatched = shown.dropna(subset=["treated_unmatched_n"])
    assert (unmatched["treated_unmatched_n"] == unmatched["unmatched"]).all()
    np.testing.assert_allclose(shown["treated_outcome"], shown["p_t"], rtol=1e-9)
    np.testing.assert_allclose(shown["control_outcome"], shown["p_c"], rtol=1e-9)


def test_odds_ratios_and_differences_follow_from_the_cem_weighted_rates(published, expected):
    shown = published[~published["is_suppressed"]].merge(expected, on=KEYS, suffixes=("", "_expected"))
    binary = shown[shown["outcome_kind"] == "binary"]
    np.testing.assert_allclose(binary["odds_ratio"], binary["odds_ratio_expected"], rtol=1e-9)
    absence = shown[shown["outcome_kind"] == "mean"]
    assert len(absence) > 0
    np.testing.assert_allclose(absence["mean_difference"], absence["mean_difference_expected"], rtol=1e-9, atol=1e-12)
    # Intervals: the estimate -+ 1.96 standard errors of the counterfactual (log scale for ratios).
    z = 1.959963984540054
    np.testing.assert_allclose(np.log(binary["odds_ratio_ci_high"] / binary["odds_ratio"]),
                               z * binary["se_log_odds_ratio"], rtol=1e-9)
    np.testing.assert_allclose(absence["mean_difference_ci_high"] - absence["mean_difference"],
                               z * absence["se_mean_difference"], rtol=1e-9)
    assert (binary["odds_ratio_ci_low"] < binary["odds_ratio"]).all()
    assert (absence["mean_difference_ci_low"] < absence["mean_difference"]).all()
    # Beside them, the estimate without the censoring weights.
    np.testing.assert_allclose(binary["excluding_later_starters_odds_ratio"], binary["excluding_odds_ratio"],
                               rtol=1e-9)
    np.testing.assert_allclose(absence["excluding_later_starters_mean_difference"],
                               absence["excluding_mean_difference"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(shown["control_effective_size"], shown["ess"], rtol=1e-9)


def test_treated_are_the_participants_of_the_truth_file(published, small_world):
    truth = pd.read_parquet(small_world[1] / "potential_outcomes.parquet")
    counts = truth.groupby(["aktivitet", "outcome", "horizon"]).size()
    primary = published[published["is_primary_outcome"] & (published["subgroup"] == "all")
                        & published["treated_unmatched_n"].notna() & published["treated_n"].notna()]
    assert len(primary) >= 6
    for _, row in primary.iterrows():
        assert row["treated_n"] + row["treated_unmatched_n"] == counts[(row["activity_code"], row["outcome"],
                                                                        row["horizon"])], row[KEYS].tolist()


def test_profile_counts_are_the_registrations_with_small_counts_suppressed(refreshed, session_env, registrations):
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        profile = con.sql("select * from rpt_participant_profile").df()
    assert not profile["n_episodes"].dropna().between(1, 4).any()
    assert (profile["is_suppressed"] == profile["n_episodes"].isna()).all()
    registrations = registrations.assign(participation_year=registrations["startdato"].str[:4])
    for dimension, column in (("total", None), ("funding_round", "funding_round"),
                              ("participation_year", "participation_year")):
        rows = profile[profile["dimension"] == dimension]
        expected = (registrations.groupby("aktivitet").size() if column is None
                    else registrations.groupby(["aktivitet", column]).size())
        for _, row in rows.iterrows():
            key = row["activity_code"] if column is None else (row["activity_code"], row["category"])
            n = int(expected[key])
            if row["is_suppressed"]:
                assert n < 5 or _complementary(rows, row), (dimension, key, n)
            else:
                assert row["n_episodes"] == n, (dimension, key)
    # No dimension of an activity leaves exactly one count suppressed: the total would give it away.
    lone = profile.groupby(["activity_code", "dimension"])["is_suppressed"].sum()
    assert not (lone == 1).any(), lone[lone == 1]


def _complementary(rows: pd.DataFrame, row: pd.Series) -> bool:
    same = rows[(rows["activity_code"] == row["activity_code"]) & (rows["category"] != row["category"])]
    return bool(same["is_suppressed"].any())


def test_the_forest_plot_is_drawn_from_the_published_effects_with_the_truth(refreshed, instance, session_env):
    materialization = instance.get_latest_materialization_event(dg.AssetKey("effects_forest_plot"))
    assert materialization is not None and materialization.run_id == refreshed.runs[-1].run_id
    metadata = materialization.asset_materialization.metadata
    path = session_env.warehouse_dir / "figures" / "aktivitet_effekter_forest.png"
    assert metadata["path"].value == str(path)
    png = path.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    image = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)\)", metadata["plot"].value)
    assert image and base64.b64decode(image.group(1)) == png
    assert metadata["truth"].value.endswith("potential_outcomes.parquet")
    assert metadata["rows"].value == 18  # six activities x horizons 0-2, primary outcome, everybody
    assert metadata["published_version"].value in str(session_env.warehouse_dir.joinpath("current").resolve())


def test_effect_estimates_of_the_small_world_point_the_right_way(published):
    """At test scale the intervals are wide; the headline effects still show clearly."""
    row = published.set_index(KEYS).loc[("fritidsjob", "fritidsjob", 0, "all")]
    assert row["odds_ratio_ci_low"] > 1.5 and row["naive_odds_ratio"] < row["odds_ratio"]
    assert math.isfinite(row["control_effective_size"]) and row["control_effective_size"] <= row["matched_controls_n"]
