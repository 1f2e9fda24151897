"""The embedded default's outcome sources S3-S7: each file as its contract
(docs/source_contracts.md) says, and consistent with the others (lists from indicators
by docs/list_rules.md, indicators from the panel by docs/generator.md)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from dagster_project.reference import activities, municipalities
from dagster_project.settings import REFERENCE_SEEDS_DIR

YEARS = range(2008, 2026)
LIST_YEARS = range(2010, 2026)
CPR = re.compile(r"^(?P<dd>6[1-9]|[78]\d|9[01])(?P<mm>0[1-9]|1[0-2])(?P<yy>\d\d)-\d{4}$")
PANEL_INDICATORS = {
    # indicator: (denominator condition, numerator condition, per), over residents, age = aar - foedselsaar
    "UDEN_ARB_UDD_PCT": ("age between 18 and 64", "not coalesce(beskaeftiget, false) and not i_uddannelse", 100),
    "IKKE_VESTLIG_PCT": ("true", "herkomst like 'ikke_vestlig%'", 100),
    "NEET_15_24_PCT": ("age between 15 and 24", "not coalesce(beskaeftiget, false) and not i_uddannelse", 100),
    "MISTANKE_10_14_PR_1000": ("age between 10 and 14", "mistanke_sigtelse", 1000),
    "SIGTEDE_15_17_PR_1000": ("age between 15 and 17", "mistanke_sigtelse", 1000),
    "AFGANGSEKSAMEN_PCT": ("age = 16", "afgangseksamen", 100),
    "FRITIDSJOB_13_17_PCT": ("age between 13 and 17", "fritidsjob", 100),
}


@pytest.fixture(scope="module")
def landing(small_world) -> Path:
    return small_world[0]


@pytest.fixture(scope="module")
def register(landing) -> pd.DataFrame:
    return pd.read_csv(landing / "register/boligomraader.csv", dtype={"kommunekode": int})


@pytest.fixture(scope="module")
def indicators(landing) -> pd.DataFrame:
    frames = []
    for year in YEARS:
        raw = (landing / f"indikatorer/indikatorer_{year}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        frames.append(pd.read_csv(io.BytesIO(raw), sep=";", dtype=str, keep_default_na=False))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def panel(landing) -> pd.DataFrame:
    import duckdb

    return duckdb.sql(f"select * from read_parquet('{landing}/register/personaar_*.parquet')").df()


def _number(text: str) -> Decimal | None:
    return None if text == ".." else Decimal(text.replace(",", "."))


# -- S4 -----------------------------------------------------------------------------------

def test_indicator_files_have_every_area_indicator_and_year_once(indicators, register):
    assert list(indicators.columns) == ["OMRAADE", "INDIKATOR", "TID", "INDHOLD"]
    names = {"BEBOERE", "UDEN_ARB_UDD_PCT", "DOEMTE_PCT", "DOEMTE_RATIO", "GRUNDSKOLE_PCT", "INDKOMST_REGION_PCT",
             "IKKE_VESTLIG_PCT", "NEET_15_24_PCT", "MISTANKE_10_14_PR_1000", "SIGTEDE_15_17_PR_1000",
             "AFGANGSEKSAMEN_PCT", "FRITIDSJOB_13_17_PCT", "VALGDELTAGELSE_PCT"}
    assert set(indicators["INDIKATOR"]) == names
    assert set(indicators["OMRAADE"]) == set(register["boligomraade_id"])
    assert len(indicators) == len(register) * len(names) * len(YEARS)
    assert not indicators.duplicated(["OMRAADE", "INDIKATOR", "TID"]).any()


def test_indicator_values_are_published_rounded_with_a_decimal_comma(indicators):
    pattern = {"BEBOERE": r"^\d+$", "DOEMTE_RATIO": r"^\d+,\d\d$"}
    for name, group in indicators.groupby("INDIKATOR"):
        values = group.loc[group["INDHOLD"] != "..", "INDHOLD"]
        assert values.str.match(pattern.get(name, r"^\d+,\d$")).all(), name
    assert (indicators.loc[indicators["INDIKATOR"] == "BEBOERE", "INDHOLD"] != "..").all()
    turnout = indicators[indicators["INDIKATOR"] == "VALGDELTAGELSE_PCT"]
    elections = turnout["TID"].astype(int).isin([2009, 2013, 2017, 2021, 2025])
    assert (turnout.loc[~elections, "INDHOLD"] == "..").all()
    assert (turnout.loc[elections, "INDHOLD"] != "..").mean() > 0.9


def test_panel_indicators_equal_a_recomputation_from_the_panel(indicators, panel):
    """docs/generator.md: k / n over the area's residents, rounded half up, '..' when n < 20."""
    import duckdb

    # DuckDB's queries below read this frame by its name.
    residents = panel[panel["boligomraade_id"].notna()].assign(age=lambda f: f["aar"] - f["foedselsaar"])  # noqa: F841
    published = indicators.set_index(["OMRAADE", "INDIKATOR", "TID"])["INDHOLD"]
    counts = duckdb.sql("select boligomraade_id, aar, count(*) as n from residents group by all").df()
    for _, row in counts.iterrows():
        assert published[(row.boligomraade_id, "BEBOERE", str(row.aar))] == str(row.n)
    checked = 0
    for name, (population, hit, per) in PANEL_INDICATORS.items():
        frame = duckdb.sql(f"""select boligomraade_id, aar, count(*) filter (where {population}) as n,
                                      count(*) filter (where {population} and coalesce({hit}, false)) as k
                               from residents group by all""").df()
        for _, row in frame.iterrows():
            n, k = int(row.n), int(row.k)
            if n < 20:
                expected = ".."
            else:
                tenths = (2 * per * 10 * k + n) // (2 * n)  # half up, exactly
                expected = f"{tenths // 10},{tenths % 10}"
            assert published[(row.boligomraade_id, name, str(row.aar))] == expected, (name, row.boligomraade_id)
            checked += 1
    assert checked == len(counts) * len(PANEL_INDICATORS)


# -- S3 -----------------------------------------------------------------------------------

LIST_HEADER = ["Område", "Kommune", "Beboere", "Uden for arbejde/uddannelse (%)", "Dømte ift. landsgennemsnit",
               "Kun grunduddannelse (%)", "Indkomst ift. region (%)", "Ikke-vestlige (%)", "Kategori"]
CATEGORIES = {
    range(2010, 2018): {"ghettoområde"},
    range(2018, 2021): {"udsat boligområde", "ghettoområde", "hårdt ghettoområde"},
    range(2021, 2026): {"udsat boligområde", "parallelsamfund", "omdannelsesområde", "forebyggelsesområde"},
}


def _read_list(landing: Path, year: int) -> list[dict[str, str]]:
    raw = (landing / f"lister/liste_{year}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    text = raw[3:].decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == LIST_HEADER
    return [dict(zip(LIST_HEADER, r, strict=True)) for r in rows[1:]]


def _resolve(register: pd.DataFrame) -> dict[tuple[str, int], str]:
    """(list name, kommune name) -> boligomraade_id through the alias seed and the register."""
    with open(REFERENCE_SEEDS_DIR / "ref_area_aliases.csv", encoding="utf-8", newline="") as f:
        aliases = {r["list_name"]: r["register_name"] for r in csv.DictReader(f)}
    names = {m.code: m.name for m in municipalities()}
    by_name = {(r.navn, names[r.kommunekode]): r.boligomraade_id for r in register.itertuples()}
    return {**by_name, **{(alias, kommune): area for (navn, kommune), area in by_name.items()
                          for alias, target in aliases.items() if target == navn}}


def test_list_files_follow_their_contract_and_resolve_to_one_area(landing, register):
    resolve = _resolve(register)
    listed = 0
    for year in LIST_YEARS:
        allowed = next(c for years, c in CATEGORIES.items() if year in years)
        seen = set()
        for row in _read_list(landing, year):
            area = resolve[(row["Område"], row["Kommune"])]
            assert area not in seen
            seen.add(area)
            assert row["Kategori"] in allowed
            assert re.fullmatch(r"\d+", row["Beboere"]) and int(row["Beboere"]) >= 1000
            assert re.fullmatch(r"\d+,\d\d", row["Dømte ift. landsgennemsnit"])
            for column in ("Uden for arbejde/uddannelse (%)", "Kun grunduddannelse (%)", "Indkomst ift. region (%)",
                           "Ikke-vestlige (%)"):
                assert re.fullmatch(r"\d+,\d", row[column]), column
            listed += 1
    assert listed > 0


def _rules(values: dict[str, dict[str, Decimal | None]], history: dict[int, dict[str, str]], year: int
           ) -> dict[str, str]:
    """docs/list_rules.md, written again from the document."""
    def gt(v, t):
        return v is not None and v > t

    def ge(v, t):
        return v is not None and v >= t

    def lt(v, t):
        return v is not None and v < t

    ghetto_like = {"ghettoområde", "hårdt ghettoområde", "parallelsamfund", "omdannelsesområde"}
    out = {}
    for area, v in values.items():
        if v["BEBOERE"] < 1000:
            continue
        if year <= 2017:
            met = gt(v["UDEN_ARB_UDD_PCT"], 40) + gt(v["IKKE_VESTLIG_PCT"], 50) + gt(v["DOEMTE_PCT"], Decimal("2.7"))
            if year >= 2014:
                met += gt(v["GRUNDSKOLE_PCT"], 50) + lt(v["INDKOMST_REGION_PCT"], 55)
            if met >= (2 if year <= 2013 else 3):
                out[area] = "ghettoområde"
            continue
        udsat = (gt(v["UDEN_ARB_UDD_PCT"], 40) + ge(v["DOEMTE_RATIO"], 3) + gt(v["GRUNDSKOLE_PCT"], 60)
                 + lt(v["INDKOMST_REGION_PCT"], 55)) >= 2
        if udsat:
            if gt(v["IKKE_VESTLIG_PCT"], 50):
                always = all(history[year - k].get(area) in ghetto_like for k in range(1, 5))
                if year <= 2020:
                    out[area] = "hårdt ghettoområde" if always else "ghettoområde"
                else:
                    out[area] = "omdannelsesområde" if always else "parallelsamfund"
            else:
                out[area] = "udsat boligområde"
        elif year >= 2021 and gt(v["IKKE_VESTLIG_PCT"], 30) and (
                gt(v["UDEN_ARB_UDD_PCT"], 30) + ge(v["DOEMTE_RATIO"], 2) + gt(v["GRUNDSKOLE_PCT"], 60)
                + lt(v["INDKOMST_REGION_PCT"], 65)) >= 2:
            out[area] = "forebyggelsesområde"
    return out


def test_lists_equal_the_rules_applied_to_the_indicators(landing, register, indicators):
    resolve = _resolve(register)
    history: dict[int, dict[str, str]] = {}
    for year in LIST_YEARS:
        frame = indicators[indicators["TID"] == str(year)]
        values: dict[str, dict[str, Decimal | None]] = {}
        for row in frame.itertuples():
            values.setdefault(row.OMRAADE, {})[row.INDIKATOR] = _number(row.INDHOLD)
        expected = _rules(values, history, year)
        rows = _read_list(landing, year)
        written = {resolve[(r["Område"], r["Kommune"])]: r for r in rows}
        assert {a: r["Kategori"] for a, r in written.items()} == expected, year
        for area, row in written.items():
            v = values[area]
            assert int(row["Beboere"]) == v["BEBOERE"]
            assert _number(row["Uden for arbejde/uddannelse (%)"]) == v["UDEN_ARB_UDD_PCT"]
            assert _number(row["Dømte ift. landsgennemsnit"]) == v["DOEMTE_RATIO"]
            assert _number(row["Kun grunduddannelse (%)"]) == v["GRUNDSKOLE_PCT"]
            assert _number(row["Indkomst ift. region (%)"]) == v["INDKOMST_REGION_PCT"]
            assert _number(row["Ikke-vestlige (%)"]) == v["IKKE_VESTLIG_PCT"]
        history[year] = expected


def test_list_rules_at_their_boundaries():
    from dagster_project.generator.lists import classify

    def year_values(**overrides):
        # Six areas; unlisted by default (residents below 1,000).
        base = {"BEBOERE": 999, "UDEN_ARB_UDD_PCT": 0, "IKKE_VESTLIG_PCT": 0, "DOEMTE_PCT": 0, "DOEMTE_RATIO": 0,
                "GRUNDSKOLE_PCT": 0, "INDKOMST_REGION_PCT": 1000, "NEET_15_24_PCT": 0}
        return {k: np.array(overrides.get(k, [v] * 6), dtype=np.int64) for k, v in base.items()}

    #            area: 0 exactly at thresholds, 1 just over, 2 suppressed, 3 small, 4 ghetto every year, 5 forebyggelse
    ghetto = dict(BEBOERE=[1000, 1000, 1000, 999, 2000, 1500],
                  UDEN_ARB_UDD_PCT=[400, 401, -1, 500, 500, 301],
                  IKKE_VESTLIG_PCT=[500, 501, -1, 900, 600, 301],
                  DOEMTE_PCT=[27, 28, -1, 50, 30, 0],
                  DOEMTE_RATIO=[299, 300, -1, 500, 400, 200],
                  GRUNDSKOLE_PCT=[600, 601, -1, 900, 700, 0],
                  INDKOMST_REGION_PCT=[550, 549, -1, 100, 400, 649])
    categories = classify({year: year_values(**ghetto) for year in range(2010, 2026)})
    assert categories[2010][:5] == [None, "ghettoområde", None, None, "ghettoområde"]
    assert categories[2017][5] is None
    assert categories[2018][:5] == [None, "hårdt ghettoområde", None, None, "hårdt ghettoområde"]
    # At every threshold of the udsat rules but over the looser ones of forebyggelse.
    assert categories[2021] == ["forebyggelsesområde", "omdannelsesområde", None, None, "omdannelsesområde",
                                "forebyggelsesområde"]
    # Off the ghetto list for a year: a parallelsamfund for the next four years, then omdannelse again.
    values = {year: year_values(**ghetto) for year in range(2010, 2026)}
    values[2019]["IKKE_VESTLIG_PCT"][4] = 500
    categories = classify(values)
    assert [categories[y][4] for y in range(2018, 2026)] == [
        "hårdt ghettoområde", "udsat boligområde", "ghettoområde", "parallelsamfund", "parallelsamfund",
        "parallelsamfund", "omdannelsesområde", "omdannelsesområde"]


# -- S5 -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def registrations(landing) -> pd.DataFrame:
    frames = []
    for path in sorted(landing.glob("deltagere/*/registreringer_*.csv")):
        text = path.read_bytes().decode("utf-8")
        assert not text.startswith("\ufeff")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        assert list(frame.columns) == ["cpr", "helhedsplan_id", "aktivitet", "startdato", "slutdato", "registreret"]
        frames.append(frame.assign(round=path.parent.name, file_year=int(path.stem.split("_")[1])))
    return pd.concat(frames, ignore_index=True)


def test_registrations_follow_their_contract(landing, registrations):
    from dagster_project.sources.lbf.readers import read_grants

    assert set(registrations["round"]) == {"2011-14", "2015-18", "2019-26"}
    assert set(registrations["aktivitet"]) == {a.code for a in activities()}
    plans = pd.concat([read_grants(r, landing) for r in ("2011-14", "2015-18", "2019-26")]).drop_duplicates("plan_id")
    plans = plans.set_index("plan_id")
    start = pd.to_datetime(registrations["startdato"], format="%Y-%m-%d")
    end = pd.to_datetime(registrations["slutdato"], format="%Y-%m-%d")
    registered = pd.to_datetime(registrations["registreret"], format="%Y-%m-%dT%H:%M:%S")
    assert (start.dt.year == registrations["file_year"]).all() and start.dt.year.max() <= 2025
    assert (end >= start).all() and (registered >= start).all()
    plan = plans.loc[registrations["helhedsplan_id"]]
    assert (plan["funding_round"].to_numpy() == registrations["round"].to_numpy()).all()
    assert (start.dt.date.to_numpy() >= plan["start_date"].to_numpy()).all()
    assert (start.dt.date.to_numpy() <= plan["end_date"].to_numpy()).all()
    assert registrations["cpr"].str.match(CPR).all()
    assert not registrations.duplicated(["cpr", "aktivitet"]).any(), "an activity at most once per person"


def test_participants_live_in_a_covered_area_and_fit_the_target_group(landing, registrations, panel):
    from dagster_project.sources.lbf.readers import read_grants

    estates = pd.read_csv(landing / "register/afdelinger.csv")
    plans = pd.concat([read_grants(r, landing) for r in ("2011-14", "2015-18", "2019-26")]).drop_duplicates("plan_id")
    plan_areas = {
        plan.plan_id: set(estates.loc[estates["afdeling_id"].isin(plan.estate_ids.split(",")), "boligomraade_id"])
        for plan in plans.itertuples()
    }
    target = {a.code: a for a in activities()}
    rows = registrations.assign(aar=registrations["file_year"]).merge(panel, on=["cpr", "aar"], how="left")
    assert rows["koen"].notna().all(), "every participant is in the panel in the participation year"
    for row in rows.itertuples():
        assert row.boligomraade_id in plan_areas[row.helhedsplan_id]
        activity = target[row.aktivitet]
        assert activity.min_age <= row.aar - row.foedselsaar <= activity.max_age
        assert activity.gender in (None, row.koen)


# -- S6 and CPR ---------------------------------------------------------------------------

def test_panel_files_have_the_contract_types(landing):
    expected = pa.schema([
        ("cpr", pa.string()), ("aar", pa.int32()), ("koen", pa.string()), ("foedselsaar", pa.int32()),
        ("herkomst", pa.string()), ("boligomraade_id", pa.string()), ("fritidsjob", pa.bool_()),
        ("i_uddannelse", pa.bool_()), ("beskaeftiget", pa.bool_()), ("afgangseksamen", pa.bool_()),
        ("skolefravaer_pct", pa.float64()), ("mistanke_sigtelse", pa.bool_()),
        ("foraelder_beskaeftiget", pa.bool_()),
    ])
    for year in YEARS:
        table = pq.read_table(landing / f"register/personaar_{year}.parquet")
        assert table.schema.remove_metadata() == expected
        assert pc.all(pc.equal(table["aar"], year)).as_py()
        assert table["i_uddannelse"].null_count == 0


def test_panel_outcomes_are_defined_at_the_contract_ages(panel, register):
    age = panel["aar"] - panel["foedselsaar"]
    ages = {"fritidsjob": (13, 17), "beskaeftiget": (16, 66), "afgangseksamen": (15, 17),
            "skolefravaer_pct": (6, 16), "mistanke_sigtelse": (10, 200), "foraelder_beskaeftiget": (0, 17)}
    for column, (lo, hi) in ages.items():
        inside = age.between(lo, hi)
        assert panel.loc[inside, column].notna().all(), column
        assert panel.loc[~inside, column].isna().all(), column
    assert (age >= 1).all(), "nobody is aged 0 on 1 January"
    assert set(panel["koen"]) == {"M", "K"}
    assert set(panel["herkomst"]) == {"dansk", "vestlig_indvandrer", "vestlig_efterkommer",
                                      "ikke_vestlig_indvandrer", "ikke_vestlig_efterkommer"}
    assert set(panel["boligomraade_id"].dropna()) <= set(register["boligomraade_id"])
    absence = panel["skolefravaer_pct"].dropna()
    assert absence.between(0, 100).all()


def test_movers_are_followed_for_three_years(panel):
    residents = panel.groupby("aar")["boligomraade_id"].count()
    assert 0.8 < residents.min() / residents.max()
    elsewhere = panel[panel["boligomraade_id"].isna()]
    years_away = elsewhere.groupby("cpr").size()
    assert years_away.max() == 3
    # About 7 % of residents leave the register's areas (or die) each year.
    here = panel[panel["boligomraade_id"].notna()][["cpr", "aar"]]
    nxt = panel[panel["boligomraade_id"].notna()][["cpr", "aar"]].assign(aar=lambda f: f["aar"] - 1, stays=True)
    stays = here[here["aar"] < 2025].merge(nxt, on=["cpr", "aar"], how="left")["stays"].fillna(False)
    assert 0.05 < 1 - stays.mean() < 0.10


def test_cpr_numbers_are_valid_erstatningspersonnumre_and_unique(panel):
    persons = panel.drop_duplicates(["cpr", "koen", "foedselsaar"])
    assert persons["cpr"].is_unique, "one person per CPR number, same gender and birth year every year"
    assert not panel.duplicated(["cpr", "aar"]).any()
    parts = persons["cpr"].str.extract(CPR)
    assert parts.notna().all().all()
    birth = pd.to_datetime(persons["foedselsaar"].astype(str) + "-" + parts["mm"] + "-"
                           + (parts["dd"].astype(int) - 60).astype(str), format="%Y-%m-%d", errors="coerce")
    assert birth.notna().all(), "DD - 60 and MM form a date in the birth year"
    assert (parts["yy"].astype(int) == persons["foedselsaar"] % 100).all()
    odd = persons["cpr"].str[-1].astype(int) % 2 == 1
    assert (odd == (persons["koen"] == "M")).all(), "odd for men, even for women"


# -- S7 -----------------------------------------------------------------------------------

def test_folk1a_snapshot_has_the_api_answer_format(landing):
    raw = (landing / "statbank/FOLK1A.csv").read_bytes()
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == ["OMRÅDE", "TID", "INDHOLD"]
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    codes = {f"{m.code:03d}" for m in municipalities()} | {"000"}
    assert set(frame["OMRÅDE"]) == codes and len(codes) == 99
    quarters = [f"{y}K{q}" for y in YEARS for q in range(1, 5)]
    assert set(frame["TID"]) == set(quarters) and len(frame) == 99 * len(quarters)
    frame["INDHOLD"] = frame["INDHOLD"].astype(int)
    wide = frame.pivot(index="TID", columns="OMRÅDE", values="INDHOLD")
    assert (wide["000"] == wide.drop(columns="000").sum(axis=1)).all()
    assert 5.4e6 < wide.loc["2008K1", "000"] < 5.6e6 and 5.9e6 < wide.loc["2025K4", "000"] < 6.1e6
    assert wide.loc["2025K4", "101"] > wide.loc["2008K1", "101"] > 450_000
