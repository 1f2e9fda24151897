"""The gates of the session's full refresh: every check's metadata and Data Docs page,
the privacy gates in the publish log, and the mart suites failing on broken marts."""

from __future__ import annotations

import json
import shutil

import dagster as dg
import duckdb
import pytest

from dagster_project.core.raw_store import RawStore
from dagster_project.dbt.project import load_manifest
from dagster_project.quality.checks import gate_model, mart_suites, run_mart_suite
from dagster_project.quality.data_docs import index_page
from dagster_project.settings import get_settings
from dagster_project.sources.registry import SOURCES

pytestmark = pytest.mark.slow


def _evaluations(instance, refreshed):
    for run in refreshed.runs:
        for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
            yield record.dagster_event.event_specific_data


def test_every_gx_check_attaches_counts_and_its_data_docs_page(refreshed, instance, session_env):
    gx_checks = [e for e in _evaluations(instance, refreshed) if "suite_file" in e.metadata]
    names = {e.asset_check_key.to_user_string() for e in gx_checks}
    # every raw partition in the raw layer, each once, and every mart suite
    raw = RawStore(get_settings().raw_dir)
    stored = {(s.asset, p) for s in SOURCES for p in raw.partitions(s.asset)}
    raw_checks = [(e.asset_key.to_user_string(), e.partition) for e in gx_checks
                  if e.asset_key.to_user_string().startswith("raw_")]
    assert len(raw_checks) == len(set(raw_checks)) and set(raw_checks) == stored
    assert len(gx_checks) == len(stored) + len(mart_suites())
    assert {"dim_helhedsplan:gx_dim_helhedsplan", "dim_boligomraade:gx_dim_boligomraade",
            "raw_register_estates:expectation_suite"} <= names
    for evaluation in gx_checks:
        meta = evaluation.metadata
        assert evaluation.passed and meta["expectations"].value == meta["passed"].value > 0
        assert meta["failed"].value == meta["errored"].value == 0 and meta["rows_validated"].value > 0
        page = session_env.warehouse_dir / "data_docs" / meta["data_docs_page"].value
        assert page.is_file() and "Succeeded" in page.read_text(encoding="utf-8")


def test_data_docs_index_lists_every_suite_of_the_refresh(refreshed, session_env):
    index = index_page(session_env.warehouse_dir)
    assert index == session_env.warehouse_dir / "data_docs" / "index.html" and index.is_file()
    html = index.read_text(encoding="utf-8")
    suites = [p.stem for p in sorted((session_env.warehouse_dir / "gx" / "expectations").glob("*.json"))]
    assert {"raw_lbf_grants", "raw_register_areas", "fct_bevilling", "dim_helhedsplan__coverage"} <= set(suites)
    for suite in suites:
        assert f"expectations/{suite}.html" in html
        assert f"validations/{suite}/" in html
        assert (session_env.warehouse_dir / "data_docs" / "expectations" / f"{suite}.html").is_file()


def test_privacy_gates_passed_and_are_in_the_publish_log(refreshed, instance, session_env):
    privacy = [e for e in _evaluations(instance, refreshed)
               if e.asset_check_key.to_user_string() == "published_warehouse:privacy_gates"]
    assert len(privacy) == 1 and privacy[0].passed
    assert privacy[0].metadata["text_columns_scanned"].value > 10
    # The declared pairs of counts that add up (docs/privacy.md): all checked, none derivable.
    assert privacy[0].metadata["relations_checked"].value >= 5
    with duckdb.connect(str(session_env.warehouse_dir / "marts.duckdb"), read_only=True) as con:
        checks = json.loads(con.sql("select checks from publish_log order by published_at desc limit 1").fetchone()[0])
    assert any(c["check"] == "published_warehouse:privacy_gates" and c["passed"] for c in checks)


# A broken mart, as a bug in a model would leave it: (suite, SQL on the build copy, fragments).
BROKEN_MARTS = [
    ("lbl_aktivitet",
     "update marts.lbl_aktivitet set primary_outcome = 'karakter' where activity_code = 'lektiecafe'",
     ["activity_code 'lektiecafe'", "column 'primary_outcome'", "the primary outcome is an outcome of ref_outcomes"]),
    ("lbl_udfald",
     "delete from marts.lbl_udfald where outcome = 'i_uddannelse'",
     ["column 'outcome'", "every outcome of the reference data has a label"]),
    ("lbl_indikator",
     "update marts.lbl_indikator set unit = 'dkk' where indicator_code = 'NEET_15_24_PCT'",
     ["indicator_code 'NEET_15_24_PCT'", "column 'unit'", "the unit is persons, percent, ratio or per_1000"]),
    ("lbl_listekategori",
     "insert into marts.lbl_listekategori select * from marts.lbl_listekategori where category = 'parallelsamfund'",
     ["category 'parallelsamfund'", "one row per list category"]),
    ("lbl_pulje",
     "update marts.lbl_pulje set latest_start = latest_end + 1 where funding_round = '2015-18'",
     ["funding_round '2015-18'", "column 'dates_in_order'",
      "a round's earliest start, latest start and latest end are in order"]),
    ("fct_bevilling",
     "update marts.fct_bevilling set total_budget_dkk = total_budget_dkk * 100 "
     "where budget_line_key = (select min(budget_line_key) from marts.fct_bevilling)",
     ["line ", "budget_line_key '", "column 'total_budget_difference_dkk'",
      "the total budget is the grant plus the local co-financing"]),
    ("fct_bevilling__reconciliation",
     "delete from marts.fct_bevilling where budget_line_key = (select max(budget_line_key) from marts.fct_bevilling)",
     ["funding_round '2019-26'", "LBF grants per round in the mart equal the raw files exactly"]),
    ("dim_helhedsplan",
     "insert into marts.dim_helhedsplan select * from marts.dim_helhedsplan limit 1",
     ["plan_id '", "column 'plan_id'", "one row per helhedsplan, across all rounds"]),
    ("dim_helhedsplan__reconciliation",
     "update marts.dim_helhedsplan set grant_lbf_dkk = grant_lbf_dkk + 1 where funding_round = '2015-18'",
     ["funding_round '2015-18'", "LBF grants per round in the mart equal the raw files exactly"]),
    ("dim_helhedsplan__coverage",
     "update intermediate.int_lbf__plan_estates set area_id = null "
     "where estate_id = (select min(estate_id) from intermediate.int_lbf__plan_estates)",
     ["lbf/bevillinger_", "plan_id/estate_id '", "column 'area_id'",
      "every afdeling a plan covers is in the estate register"]),
    ("dim_boligomraade",
     "update marts.dim_boligomraade set n_plans = 0 where first_funding_round is not null "
     "and area_id = (select min(area_id) from marts.dim_boligomraade where first_funding_round is not null)",
     ["area_id '", "an area has a first funding round exactly when a plan covered it"]),
    ("dim_boligomraade__reconciliation",
     "delete from marts.dim_boligomraade where area_id = (select max(area_id) from marts.dim_boligomraade)",
     ["reconciliation 'register'", "the mart has one row for every area of the register"]),
    ("fct_omraade_aar",
     "update marts.fct_omraade_aar set voter_turnout_pct = 55.5 where area_year_key = "
     "(select min(area_year_key) from marts.fct_omraade_aar where voter_turnout_pct_suppressed)",
     ["area_year_key '", "column 'suppressed_values_are_null'", "a value flagged suppressed is NULL, never a number"]),
    ("fct_omraade_aar__reconciliation",
     "delete from marts.fct_omraade_aar where area_year_key = (select max(area_year_key) from marts.fct_omraade_aar)",
     ["reconciliation 'fct_omraade_aar'",
      "the mart has a row for every area of the register and every year 2008-2025"]),
    ("fct_omraade_aar__indicator_coverage",
     "alter view staging.stg_indicators__area_indicators rename to stg_indicators__area_indicators_all; "
     "create view staging.stg_indicators__area_indicators as select * from staging.stg_indicators__area_indicators_all "
     "where not (year = 2015 and area_id = (select min(area_id) from staging.stg_register__areas))",
     ["indikatorer/indikatorer_2015.csv", "area_id/year '", "/2015'", "column 'INDIKATOR' (missing_indicators)",
      "every area of the register with residents in the register panel that year has its rows",
      "'every indicator (13)'"]),
    ("fct_omraade_pulje",
     "update marts.fct_omraade_pulje set residents_at_start = 3 "
     "where area_round_key = (select min(area_round_key) from marts.fct_omraade_pulje)",
     ["area_round_key '", "column 'residents_at_start'", "no count of residents from 1 to 4 is published"]),
    ("fct_omraade_pulje__reconciliation",
     "update marts.fct_omraade_pulje set grant_lbf_dkk = grant_lbf_dkk + 0.01 where area_round_key = "
     "(select min(area_round_key) from marts.fct_omraade_pulje where funding_round = '2015-18')",
     ["funding_round '2015-18'", "the areas' shares of LBF's grants add up to the round's grants exactly"]),
    ("rpt_omraade_listekontrol",
     "update intermediate.int_area__lists_rules set computed_category = null where area_id || list_year = "
     "(select min(area_id || list_year) from intermediate.int_area__lists_rules where published_category is not null)",
     ["area_year '", "every area-year whose published and computed categories differ is in the list check"]),
    ("rpt_omraade_listeprognose",
     "update reports.rpt_omraade_listeprognose set met = not met "
     "where forecast_key = (select min(forecast_key) from reports.rpt_omraade_listeprognose where value is not null)",
     ["forecast_key '", "a criterion is met exactly when its margin says so"]),
    ("rpt_omraade_did",
     "update reports.rpt_omraade_did set did_estimate = did_estimate + 1 "
     "where did_key = (select min(did_key) from reports.rpt_omraade_did)",
     ["did_key '", "the estimate is the funded areas' mean change minus the comparison areas'"]),
    ("rpt_omraade_event_study",
     "update reports.rpt_omraade_event_study set att = att + 1 "
     "where event_key = (select min(event_key) from reports.rpt_omraade_event_study)",
     ["event_key '", "the estimate is the cohort's mean change minus the comparison areas'"]),
    ("rpt_omraade_event_study",
     "delete from reports.rpt_omraade_event_study where cohort in ('2011-14', 'all')",
     ["column 'unestimated_cohort'", "'2011-14'",
      "a round that first funded at least 5 areas with residents the year before (and 5 never-funded areas) "
      "has estimates"]),
    ("rpt_omraade_did_areas",
     "update reports.rpt_omraade_did_areas set pre_years = 0 "
     "where did_area_key = (select min(did_area_key) from reports.rpt_omraade_did_areas)",
     ["did_area_key '", "column 'pre_years'", "an area has a value in the pre-period"]),
    ("rpt_omraade_trend",
     "update reports.rpt_omraade_trend set period = 'post' "
     "where trend_key = (select min(trend_key) from reports.rpt_omraade_trend where period = 'pre')",
     ["trend_key '", "the period of a year is the one rpt_omraade_did uses for the round"]),
    ("int_area__lists_resolved",
     "update intermediate.int_area__lists_resolved set matching_areas = 0, area_id = null, resolution = 'unresolved' "
     "where source_file || source_locator = "
     "(select min(source_file || source_locator) from intermediate.int_area__lists_resolved)",
     ["lister/liste_", "list_year/list_area_name '", "no area of that name in the kommune",
      "every list name resolves to exactly one area"]),
    ("int_area__lists_resolved",
     "update intermediate.int_area__lists_resolved set matching_areas = 2 where list_area_name = "
     "(select min(list_area_name) from intermediate.int_area__lists_resolved)",
     ["lister/liste_", "2 areas of that name in the kommune",
      "every list name resolves to exactly one area"]),
    ("fct_deltagelse",
     "update marts.fct_deltagelse set has_leisure_job_h0 = 2 where episode_key = "
     "(select min(episode_key) from marts.fct_deltagelse where has_leisure_job_h0 is not null)",
     ["deltagere/", "episode_key '", "column 'has_leisure_job_h0'", "has_leisure_job at horizon 0 is 0 or 1"]),
    ("fct_deltagelse__reconciliation",
     "delete from marts.fct_deltagelse where episode_key = "
     "(select min(episode_key) from marts.fct_deltagelse where activity_code = 'fritidsjob')",
     ["activity_code 'fritidsjob'", "the mart has one row per registered episode"]),
    ("rpt_aktivitet_effekter",
     "update reports.rpt_aktivitet_effekter set treated_n = 3 "
     "where activity_code = 'fritidsjob' and outcome = 'fritidsjob' and horizon = 0 and subgroup = 'all'",
     ["effect_key 'fritidsjob/fritidsjob/0/all'", "column 'treated_n'",
      "treated_n is never a count from 1 to 4 (suppressed instead)"]),
    ("rpt_aktivitet_effekter__reconciliation",
     "update reports.rpt_aktivitet_effekter set treated_n = treated_n - 10 "
     "where activity_code = 'netvaerksmoedre' and outcome = 'i_uddannelse' and horizon = 2 and subgroup = 'all'",
     ["effect_key 'netvaerksmoedre/2'", "matched plus unmatched treated equal the eligible participants"]),
    ("rpt_participant_profile",
     "update reports.rpt_participant_profile set n_episodes = 2 "
     "where activity_code = 'lektiecafe' and dimension = 'gender' and category = 'K'",
     ["profile_key 'lektiecafe/gender/K'", "n_episodes is never a count from 1 to 4 (suppressed instead)"]),
    ("rpt_participant_profile__reconciliation",
     "update reports.rpt_participant_profile set n_episodes = n_episodes + 5 "
     "where activity_code = 'fritidsjob' and dimension = 'total'",
     ["dimension_key 'fritidsjob/total'", "every dimension of every activity adds up to the episodes"]),
]


def test_every_mart_suite_is_exercised_by_a_broken_mart():
    assert {name for name, _, _ in BROKEN_MARTS} == {spec["name"] for spec in mart_suites()}


@pytest.mark.parametrize("suite, sql, fragments", BROKEN_MARTS, ids=[b[0] for b in BROKEN_MARTS])
def test_a_mart_suite_fails_on_a_broken_mart_naming_row_column_and_rule(suite, sql, fragments, refreshed,
                                                                       session_env, tmp_path):
    from dagster_project.settings import get_settings

    settings = get_settings()
    # The copy keeps the build database's name: the gate views name their relations by it.
    build = tmp_path / settings.build_db.name
    shutil.copy(settings.build_db, build)
    spec = next(s for s in mart_suites() if s["name"] == suite)
    relation = gate_model(spec, load_manifest())["relation_name"]
    assert run_mart_suite(spec, build, relation).success
    with duckdb.connect(str(build)) as con:
        con.execute(sql)
    gate = run_mart_suite(spec, build, relation)
    assert not gate.success and not gate.errored
    for fragment in fragments:
        assert fragment in gate.message(), f"{fragment!r} not in:\n{gate.message()}"
