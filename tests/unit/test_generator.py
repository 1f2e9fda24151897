"""The embedded default generator: deterministic, realistic, in the providers' formats."""

from __future__ import annotations

import hashlib

import pytest

from dagster_project.generator import build_manifest, generate
from dagster_project.generator.world import build_world
from dagster_project.reference import municipalities


def _digests(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path):
    generate(tmp_path / "a", tmp_path / "ta", scale=0.05, seed=7)
    generate(tmp_path / "b", tmp_path / "tb", scale=0.05, seed=7)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "ta") == _digests(tmp_path / "tb")
    generate(tmp_path / "c", tmp_path / "tc", scale=0.05, seed=8)
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")


def test_writes_every_landing_file_of_s1_and_s2(small_world):
    landing = small_world[0]
    for name in ("lbf/bevillinger_2011-14.csv", "lbf/bevillinger_2015-18.xlsx", "lbf/bevillinger_2019-26.json",
                 "register/boligomraader.csv", "register/afdelinger.csv"):
        assert (landing / name).stat().st_size > 0, name


@pytest.fixture(scope="module")
def denmark():
    return build_world(1.0, 2011)


def test_scale_one_has_the_size_of_denmark(denmark):
    manifest = build_manifest(denmark)
    rounds = manifest["funding_rounds"]
    assert [rounds[r]["plans"] for r in ("2011-14", "2015-18", "2019-26")] == [89, 66, 60]
    assert sum(r["plans"] for r in rounds.values()) == 215
    assert 400 <= manifest["areas"] <= 440
    assert 1000 <= manifest["estates"] <= 1200
    assert 470_000 <= manifest["residents"] <= 580_000
    # The 2011-14 round: about 395 afdelinger, 215,300 residents and 880 m DKK.
    assert 340 <= rounds["2011-14"]["estates"] <= 460
    assert 180_000 <= rounds["2011-14"]["residents"] <= 250_000
    assert 750e6 <= rounds["2011-14"]["grant_lbf_ore"] / 100 <= 1_000e6


def test_areas_are_funded_in_several_rounds(denmark):
    rounds_per_area = {}
    for funding_round, plans in denmark.plans.items():
        for plan in plans:
            for area in plan.areas:
                rounds_per_area.setdefault(area.area_id, set()).add(funding_round)
    repeated = [a for a, r in rounds_per_area.items() if len(r) > 1]
    assert len(repeated) >= 30
    assert any(len(r) == 3 for r in rounds_per_area.values())


def test_plans_follow_lbf_rules(denmark):
    codes = {m.code for m in municipalities()}
    for plans in denmark.plans.values():
        for plan in plans:
            total = plan.lbf_ore + plan.municipality_ore + plan.housing_org_ore
            assert (plan.municipality_ore + plan.housing_org_ore) / total >= 0.25
            assert plan.municipality_code in codes
            assert all(a.municipality_code == plan.municipality_code for a in plan.areas)
            assert plan.end > plan.start


def test_names_use_danish_letters(denmark):
    names = " ".join(a.name for a in denmark.areas)
    assert all(ch in names for ch in "æøå")


def test_alias_seed_matches_the_name_catalogue():
    import csv

    from dagster_project.generator.names import alias_rows
    from dagster_project.settings import REFERENCE_SEEDS_DIR

    with open(REFERENCE_SEEDS_DIR / "ref_area_aliases.csv", encoding="utf-8", newline="") as f:
        seed = [(r["list_name"], r["register_name"]) for r in csv.DictReader(f)]
    assert seed == alias_rows()
    assert len({alias for alias, _ in seed}) == len(seed)


def test_about_a_fifth_of_the_areas_have_a_variant_spelling_on_the_lists(denmark):
    import csv

    from dagster_project.generator.area_model import build_area_model
    from dagster_project.generator.lists import list_name
    from dagster_project.settings import REFERENCE_SEEDS_DIR

    model = build_area_model(denmark, 2011)
    assert 0.15 < model.uses_alias.mean() < 0.25
    with open(REFERENCE_SEEDS_DIR / "ref_area_aliases.csv", encoding="utf-8", newline="") as f:
        aliases = {r["list_name"]: r["register_name"] for r in csv.DictReader(f)}
    for a, area in enumerate(denmark.areas):
        name = list_name(model, a)
        if model.uses_alias[a]:
            assert name != area.name and aliases[name] == area.name
        else:
            assert name == area.name


def test_funding_groups_and_plan_coverage_at_scale_one(denmark):
    from dagster_project.generator.area_model import build_area_model

    model = build_area_model(denmark, 2011)
    groups = {g: model.first_round.count(g) for g in ("2011-14", "2015-18", "2019-26", "never")}
    assert groups["2011-14"] > 100 and groups["never"] > 150 and groups["2015-18"] > 0 and groups["2019-26"] > 0
    assert not any(model.coverage[2010]) and any(model.coverage[2012]) and any(model.coverage[2025])
