"""The causal structure of the embedded default: the truth file holds every participant's
potential outcomes, the realized effects match the configured ones, the panel shows the
treated outcomes, and selection makes a naive comparison biased where matching is not."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from dagster_project.generator.effects import EFFECT_OUTCOME, EffectParameters
from tests.evaluation import compare, connect, eligible


@pytest.fixture(scope="module")
def truth(small_world) -> pd.DataFrame:
    return pd.read_parquet(small_world[1] / "potential_outcomes.parquet")


@pytest.fixture(scope="module")
def evaluation(small_world):
    return connect(small_world[0])


def _logit(p):
    return np.log(p) - np.log1p(-p)


def _odds(p):
    return p / (1 - p)


def test_truth_file_has_one_row_per_episode_outcome_and_horizon(truth, small_world):
    registrations = pd.concat(pd.read_csv(p, dtype=str) for p in small_world[0].glob("deltagere/*/*.csv"))
    episodes = truth.drop_duplicates(["cpr", "aktivitet"])
    assert len(episodes) == len(registrations)
    assert not truth.duplicated(["cpr", "aktivitet", "outcome", "horizon"]).any()
    assert set(truth["horizon"]) == {0, 1, 2}
    assert set(truth["outcome"]) == {"fritidsjob", "i_uddannelse", "beskaeftiget", "afgangseksamen",
                                     "skolefravaer_pct", "mistanke_sigtelse"}
    binary = truth["outcome"] != "skolefravaer_pct"
    assert truth.loc[binary, ["p0", "p1"]].notna().all().all()
    assert truth.loc[~binary, ["p0", "p1"]].isna().all().all()
    assert set(truth.loc[binary, "effect_kind"]) == {"odds_ratio"}
    assert set(truth.loc[~binary, "effect_kind"]) == {"difference"}
    assert (truth["participation_year"] + truth["horizon"] <= 2025).all()


def test_configured_effects_are_the_parameters(truth, small_world):
    params = EffectParameters()
    assert json.loads((small_world[1] / "effects.json").read_text())["parameters"]["netvaerksmoedre"] == [2.0, 3.5, 5.0]
    for (activity, outcome, horizon, koen), group in truth.groupby(["aktivitet", "outcome", "horizon", "koen"]):
        _, value = params.effect(activity, outcome, horizon, koen == "K")
        assert (group["effect"] == value).all(), (activity, outcome, horizon, koen)
    # The defaults of the issue.
    assert params.effect("fritidsjob", "fritidsjob", 0, False) == ("odds_ratio", 3.0)
    assert params.effect("fritidsjob", "fritidsjob", 2, True)[1] == 3.0
    assert params.effect("fritidsjob", "fritidsjob", 2, False)[1] == 1.0
    assert params.effect("netvaerksmoedre", "i_uddannelse", 2, True)[1] == 5.0
    assert params.effect("mentorforloeb", "skolefravaer_pct", 2, True) == ("difference", -0.8)
    assert params.effect("projekt_eventforloeb", "skolefravaer_pct", 2, False)[1] == -0.8
    assert params.effect("lektiecafe", "afgangseksamen", 1, True)[1] == 1.5
    assert params.effect("foraeldreforloeb", "beskaeftiget", 0, True)[1] == 1.3
    assert params.effect("fritidsjob", "i_uddannelse", 0, True)[1] == 1.0


def test_binary_effects_shift_the_log_odds_by_exactly_log_or(truth):
    binary = truth[truth["effect_kind"] == "odds_ratio"]
    shift = _logit(binary["p1"].to_numpy()) - _logit(binary["p0"].to_numpy())
    assert np.allclose(shift, np.log(binary["effect"].to_numpy()), rtol=0, atol=1e-9)
    # The same uniform: with OR >= 1 the treated outcome is never below the untreated one.
    assert (binary["y1"] >= binary["y0"]).all()
    neutral = binary["effect"] == 1.0
    assert (binary.loc[neutral, "y1"] == binary.loc[neutral, "y0"]).all()
    assert (binary.loc[~neutral, "y1"] > binary.loc[~neutral, "y0"]).any()


def test_realized_odds_ratios_match_the_ones_implied_by_p0_and_p1(truth):
    targeted = truth[(truth["outcome"] == truth["aktivitet"].map(EFFECT_OUTCOME)) & (truth["effect_kind"] == "odds_ratio")
                     & (truth["effect"] > 1)]
    for activity, group in targeted.groupby("aktivitet"):
        implied = _odds(group["p1"].mean()) / _odds(group["p0"].mean())
        realized = _odds(group["y1"].mean()) / _odds(group["y0"].mean())
        assert implied > 1.05, activity
        assert abs(math.log(realized / implied)) < 0.2, (activity, realized, implied)
    leisure = targeted[(targeted["aktivitet"] == "fritidsjob") & (targeted["horizon"] == 0)]
    assert 2.2 < _odds(leisure["p1"].mean()) / _odds(leisure["p0"].mean()) < 3.0


def test_absence_falls_by_the_configured_points(truth):
    absence = truth[truth["outcome"] == "skolefravaer_pct"]
    for activity in ("mentorforloeb", "projekt_eventforloeb"):
        mine = absence[absence["aktivitet"] == activity]
        shift = (mine["y1"] - mine["y0"]).groupby(mine["horizon"]).mean()
        eps = 1e-9  # sums of one-decimal numbers
        assert -0.8 - eps <= shift[2] <= -0.7, activity
        assert -0.5 - eps <= shift[1] <= -0.4 and -0.3 - eps <= shift[0] <= -0.25
        assert (mine["y1"] >= 0).all()
    others = absence[~absence["aktivitet"].isin(["mentorforloeb", "projekt_eventforloeb"])]
    assert (others["y1"] == others["y0"]).all()


def test_the_panel_shows_the_treated_outcome(truth, small_world):
    import duckdb

    panel = duckdb.sql(f"select * from read_parquet('{small_world[0]}/register/personaar_*.parquet')").df()
    targeted = truth[truth["outcome"] == truth["aktivitet"].map(EFFECT_OUTCOME)]
    targeted = targeted.assign(aar=targeted["participation_year"] + targeted["horizon"])
    # Persons in both absence activities show both effects; everyone else shows y1.
    both = targeted[targeted["outcome"] == "skolefravaer_pct"].groupby(["cpr", "aar"]).size()
    single = targeted.merge(both[both > 1].rename("n").reset_index(), on=["cpr", "aar"], how="left")
    single = single[single["n"].isna()]
    shown = single.merge(panel, on=["cpr", "aar"])
    assert len(shown) == len(single)
    for outcome, group in shown.groupby("outcome"):
        assert np.allclose(group[outcome].astype(float), group["y1"]), outcome
    changed = shown[shown["y1"] != shown["y0"]]
    assert len(changed) > 50


def test_participants_differ_from_eligible_non_participants_at_baseline(evaluation):
    pool = evaluation.execute(f"""
        select treated, avg((baseline = '1')::int) as had_job, avg((origin_group = 'ikke_vestlig')::int) as nonwestern,
               avg((parents_employed = '0')::int) as parents_out_of_work, count(*) as n
        from ({eligible(evaluation, 'fritidsjob', '{prev}.fritidsjob::int')}) group by treated""").df()
    pool = pool.set_index("treated")
    assert pool.loc[True, "n"] > 200 and pool.loc[False, "n"] > 10 * pool.loc[True, "n"]
    assert pool.loc[True, "had_job"] < pool.loc[False, "had_job"] - 0.1
    assert pool.loc[True, "nonwestern"] > pool.loc[False, "nonwestern"] + 0.1
    assert pool.loc[True, "parents_out_of_work"] > pool.loc[False, "parents_out_of_work"] + 0.05


def test_matching_on_the_selection_cells_recovers_the_effect_and_a_naive_comparison_does_not(evaluation, truth):
    result = compare(evaluation, "fritidsjob", "fritidsjob", 0, "{prev}.fritidsjob::int")
    treated = truth[(truth["aktivitet"] == "fritidsjob") & (truth["outcome"] == "fritidsjob") & (truth["horizon"] == 0)]
    assert result.treated == len(treated)
    assert result.treated_rate == pytest.approx(treated["y1"].mean())
    truth_or = _odds(treated["y1"].mean()) / _odds(treated["y0"].mean())
    assert abs(math.log(result.matched_odds_ratio / truth_or)) < 0.3
    assert abs(math.log(result.naive_odds_ratio / truth_or)) > 0.5


def test_effect_parameters_are_parameters(tmp_path):
    from dagster_project.generator import generate

    params = EffectParameters(fritidsjob_girls=(1.0, 1.0, 1.0), fritidsjob_boys=(1.0, 1.0, 1.0),
                              netvaerksmoedre=(8.0, 8.0, 8.0))
    manifest = generate(tmp_path / "landing", tmp_path / "truth", scale=0.05, seed=5, params=params)
    truth = pd.read_parquet(tmp_path / "truth" / "potential_outcomes.parquet")
    leisure = truth[(truth["aktivitet"] == "fritidsjob") & (truth["outcome"] == "fritidsjob")]
    assert (leisure["y1"] == leisure["y0"]).all()
    mothers = truth[(truth["aktivitet"] == "netvaerksmoedre") & (truth["outcome"] == "i_uddannelse")]
    assert np.allclose(_logit(mothers["p1"]) - _logit(mothers["p0"]), math.log(8.0))
    assert json.loads((tmp_path / "truth" / "effects.json").read_text())["parameters"]["netvaerksmoedre"] == [8.0] * 3
    assert manifest["seed"] == 5


def test_suspicions_among_10_to_14_year_olds_follow_the_area_targets(small_world):
    manifest = small_world[2]
    targets = manifest["suspicion_10_14"]
    assert targets["2011-14"]["2011"]["target_per_1000"] == 15.0
    assert targets["2011-14"]["2017"]["target_per_1000"] == 11.0
    assert all(v["target_per_1000"] == 4.0 for v in targets["never"].values())
    for group in ("2011-14", "never"):
        years = targets[group].values()
        persons = sum(v["persons_10_14"] for v in years)
        realized = sum(v["realized_per_1000"] * v["persons_10_14"] for v in years) / persons
        expected = sum(v["target_per_1000"] * v["persons_10_14"] for v in years) / persons
        assert abs(realized / expected - 1) < 0.3, group


def test_manifest_counts_what_was_written(small_world):
    landing, _, manifest = small_world
    registrations = sum(len(pd.read_csv(p)) for p in landing.glob("deltagere/*/*.csv"))
    assert sum(v["episodes"] for v in manifest["participants"].values()) == registrations
    assert manifest["sources"]["S5"]["rows"] == registrations
    assert manifest["sources"]["S6"]["rows"] == manifest["panel"]["person_years"]
    assert manifest["sources"]["S3"]["rows"] == sum(sum(c.values()) for c in manifest["list_sizes"].values())
    assert manifest["sources"]["S4"]["files"] == 18 and manifest["sources"]["S3"]["files"] == 16
    assert manifest["sources"]["S7"]["rows"] == 99 * 72
