"""The synthetic world behind the embedded default: areas, estates, housing
organisations and the helhedsplaner funded in each round.

Deterministic for a given (scale, seed). At scale 1.0 it has the size of Denmark's
social housing sector as docs/generator.md describes it: about 420 areas, 1,100 estates
and 89 / 66 / 60 plans in the three rounds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from dagster_project.generator.names import PREFIXES, catalogue
from dagster_project.reference import FUNDING_ROUNDS, focus_areas, municipalities

AREAS_AT_SCALE_1 = 420
PLANS_AT_SCALE_1 = {"2011-14": 89, "2015-18": 66, "2019-26": 60}
PERSONS_PER_DWELLING = 2.1

# Where the almene boligområder are: weight by municipality (default 1.0). The large
# cities and the Copenhagen suburbs hold most areas; small islands hold none.
MUNICIPALITY_WEIGHTS = {
    101: 40, 751: 22, 461: 18, 851: 14, 147: 5, 151: 5, 153: 7, 159: 5, 161: 3, 163: 4, 165: 6,
    167: 7, 169: 7, 175: 4, 183: 5, 185: 3, 187: 2, 190: 2, 217: 5, 219: 4, 259: 5, 265: 5,
    253: 3, 330: 6, 370: 5, 316: 3, 326: 3, 376: 4, 360: 3, 561: 8, 621: 7, 630: 6, 607: 4,
    615: 6, 730: 7, 657: 5, 661: 4, 791: 4, 740: 4, 540: 4, 479: 4, 580: 3, 510: 3, 813: 3,
    860: 3, 400: 2, 155: 0, 825: 0, 741: 0, 563: 0, 492: 0, 223: 0.3, 230: 0.5, 157: 0.5,
}

# Local co-financing (kommune + boligorganisation) as a share of the plan's budget.
MIN_LOCAL_SHARE = 0.25
LBF_KR_PER_RESIDENT = {"2011-14": (2800, 5200), "2015-18": (3200, 6000), "2019-26": (4500, 8500)}
START_WINDOWS = {
    "2011-14": (dt.date(2012, 1, 1), dt.date(2015, 6, 1)),
    "2015-18": (dt.date(2016, 1, 1), dt.date(2019, 6, 1)),
    "2019-26": (dt.date(2019, 7, 1), dt.date(2022, 7, 1)),
}
FOCUS_AREAS_PER_PLAN = {"2011-14": (3, 6), "2015-18": (2, 4), "2019-26": (2, 4)}

_ORG_FORMS = ("Boligselskabet {}", "Boligforeningen {}", "Almenbo {}", "{} Almennyttige Boligselskab",
              "Boligkontoret {}", "Arbejdernes Boligforening {}")


@dataclass(frozen=True)
class HousingOrganisation:
    number: int
    name: str
    municipality_code: int


@dataclass(frozen=True)
class Estate:
    estate_id: str
    organisation: HousingOrganisation
    area_id: str
    dwellings: int
    built_year: int


@dataclass
class Area:
    area_id: str
    name: str
    municipality_code: int
    disadvantage: float
    estates: list[Estate] = field(default_factory=list)

    @property
    def residents(self) -> int:
        return int(round(sum(e.dwellings for e in self.estates) * PERSONS_PER_DWELLING))


@dataclass(frozen=True)
class BudgetLine:
    focus_area: str
    lbf_ore: int
    municipality_ore: int
    housing_org_ore: int


@dataclass(frozen=True)
class Plan:
    funding_round: str
    plan_id: str
    name: str
    municipality_code: int
    areas: tuple[Area, ...]
    start: dt.date
    end: dt.date
    lines: tuple[BudgetLine, ...]

    @property
    def estates(self) -> list[Estate]:
        return [e for a in self.areas for e in a.estates]

    @property
    def organisations(self) -> list[HousingOrganisation]:
        seen: dict[int, HousingOrganisation] = {}
        for e in self.estates:
            seen.setdefault(e.organisation.number, e.organisation)
        return list(seen.values())

    @property
    def lbf_ore(self) -> int:
        return sum(line.lbf_ore for line in self.lines)

    @property
    def municipality_ore(self) -> int:
        return sum(line.municipality_ore for line in self.lines)

    @property
    def housing_org_ore(self) -> int:
        return sum(line.housing_org_ore for line in self.lines)


@dataclass
class World:
    scale: float
    seed: int
    organisations: list[HousingOrganisation]
    areas: list[Area]
    plans: dict[str, list[Plan]]

    @property
    def estates(self) -> list[Estate]:
        return [e for a in self.areas for e in a.estates]


def scaled(count_at_scale_1: int, scale: float, minimum: int) -> int:
    return max(minimum, int(round(count_at_scale_1 * scale)))


def build_world(scale: float, seed: int) -> World:
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    rng = np.random.default_rng(seed)
    organisations, areas = _build_areas(rng, scale)
    plans: dict[str, list[Plan]] = {}
    funded_before: set[str] = set()
    for funding_round in FUNDING_ROUNDS:
        plans[funding_round] = _build_plans(rng, funding_round, areas, scale, funded_before)
        funded_before |= {a.area_id for p in plans[funding_round] for a in p.areas}
    return World(scale=scale, seed=seed, organisations=organisations, areas=areas, plans=plans)


def _build_areas(rng: np.random.Generator, scale: float) -> tuple[list[HousingOrganisation], list[Area]]:
    munis = municipalities()
    weights = np.array([MUNICIPALITY_WEIGHTS.get(m.code, 1.0) for m in munis])
    n_areas = scaled(AREAS_AT_SCALE_1, scale, minimum=12)
    # Every municipality with weight draws areas in proportion; the largest cities always
    # get at least one, so even a tiny scale has a København and an Aarhus.
    counts = rng.multinomial(n_areas, weights / weights.sum())
    for code in (101, 751, 461):
        i = next(i for i, m in enumerate(munis) if m.code == code)
        if counts[i] == 0:
            j = int(np.argmax(counts))
            counts[j] -= 1
            counts[i] += 1

    organisations: list[HousingOrganisation] = []
    used_numbers: set[int] = set()
    areas: list[Area] = []
    for muni, n in zip(munis, counts, strict=True):
        if n == 0:
            continue
        n_orgs = int(min(6, max(1, round(n / 2.5))))
        local_orgs = []
        for k in range(n_orgs):
            number = int(rng.integers(1000, 9999))
            while number in used_numbers:
                number = int(rng.integers(1000, 9999))
            used_numbers.add(number)
            form = _ORG_FORMS[int(rng.integers(len(_ORG_FORMS)))]
            label = muni.name if k == 0 else PREFIXES[int(rng.integers(len(PREFIXES)))] + "bo"
            org = HousingOrganisation(number, form.format(label), muni.code)
            local_orgs.append(org)
            organisations.append(org)
        estate_counter = {o.number: 0 for o in local_orgs}
        names_here: set[str] = set()
        for seq in range(1, int(n) + 1):
            name = _area_name(rng, names_here)
            area = Area(area_id=f"BO{muni.code:03d}-{seq:02d}", name=name, municipality_code=muni.code,
                        disadvantage=float(rng.normal()))
            # About 2.6 estates per area, one or two organisations per area.
            n_estates = 1 + int(rng.poisson(1.6))
            owners = [local_orgs[int(rng.integers(len(local_orgs)))] for _ in range(min(2, n_estates))]
            for e in range(n_estates):
                org = owners[e % len(owners)]
                estate_counter[org.number] += 1
                dwellings = int(np.clip(rng.lognormal(np.log(200), 0.55), 40, 1500))
                built = int(np.clip(rng.normal(1970, 11), 1940, 2005))
                area.estates.append(Estate(f"{org.number:04d}-{estate_counter[org.number]:03d}", org,
                                           area.area_id, dwellings, built))
            areas.append(area)
    return organisations, areas


def _area_name(rng: np.random.Generator, taken: set[str]) -> str:
    """A name from the catalogue, unique within the municipality."""
    names = catalogue()
    while True:
        name = names[int(rng.integers(len(names)))]
        if name not in taken:
            taken.add(name)
            return name


def _build_plans(rng: np.random.Generator, funding_round: str, areas: list[Area], scale: float,
                 funded_before: set[str]) -> list[Plan]:
    n_plans = scaled(PLANS_AT_SCALE_1[funding_round], scale, minimum=2)
    # Large, disadvantaged areas are funded first, and areas funded before are likely funded again.
    score = np.array([a.disadvantage + 0.6 * np.log(a.residents / 1000) + (1.2 if a.area_id in funded_before else 0.0)
                      for a in areas])
    propensity = np.exp(1.3 * score)
    available = np.ones(len(areas), dtype=bool)
    round_short = funding_round.replace("-", "")
    lo, hi = START_WINDOWS[funding_round]
    plans = []
    for number in range(1, n_plans + 1):
        p = propensity * available
        if p.sum() == 0:
            break
        seed_index = int(rng.choice(len(areas), p=p / p.sum()))
        seed_area = areas[seed_index]
        n_areas = int(rng.choice([1, 2, 3], p=[0.4, 0.35, 0.25]))
        members = [seed_index] + [
            i for i in np.argsort(-propensity)
            if available[i] and i != seed_index and areas[i].municipality_code == seed_area.municipality_code
        ][: n_areas - 1]
        for i in members:
            available[i] = False
        plan_areas = tuple(areas[i] for i in members)
        residents = sum(a.residents for a in plan_areas)
        months = (hi.year - lo.year) * 12 + hi.month - lo.month
        offset = int(rng.integers(0, months + 1))
        start = dt.date(lo.year + (lo.month - 1 + offset) // 12, (lo.month - 1 + offset) % 12 + 1, 1)
        end = dt.date(start.year + 4, start.month, 1) - dt.timedelta(days=1)
        lines = _budget_lines(rng, funding_round, residents)
        name = _plan_name(rng, plan_areas)
        plans.append(Plan(funding_round, f"{round_short}-{number:03d}", name, seed_area.municipality_code,
                          plan_areas, start, end, lines))
    return plans


def _plan_name(rng: np.random.Generator, plan_areas: tuple[Area, ...]) -> str:
    names = [a.name for a in plan_areas]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]
    form = ("Boligsocial helhedsplan for {}", "Fremtidens {}", "{} i udvikling", "Helhedsplan {}")
    return form[int(rng.integers(len(form)))].format(joined)


def _budget_lines(rng: np.random.Generator, funding_round: str, residents: int) -> tuple[BudgetLine, ...]:
    lo, hi = LBF_KR_PER_RESIDENT[funding_round]
    # Whole hundreds of kroner, now and then with øre, as real budgets are.
    lbf_ore = int(round(residents * rng.uniform(lo, hi) / 100)) * 100 * 100
    if rng.random() < 0.3:
        lbf_ore += int(rng.integers(1, 100)) * 50
    share = rng.uniform(MIN_LOCAL_SHARE, 0.42)
    local_ore = int(round(lbf_ore * share / (1 - share)))
    local_ore = max(local_ore, -(-lbf_ore // 3))  # local/(lbf+local) >= 25 % exactly, after rounding
    municipality_ore = int(round(local_ore * rng.uniform(0.55, 0.85)))
    housing_org_ore = local_ore - municipality_ore

    options = focus_areas(funding_round)
    k_lo, k_hi = FOCUS_AREAS_PER_PLAN[funding_round]
    k = int(rng.integers(k_lo, min(k_hi, len(options)) + 1))
    chosen = sorted(rng.choice(len(options), size=k, replace=False))
    weights = rng.dirichlet(np.full(k, 3.0))
    split = [_split_exact(total, weights) for total in (lbf_ore, municipality_ore, housing_org_ore)]
    return tuple(
        BudgetLine(options[c], split[0][i], split[1][i], split[2][i]) for i, c in enumerate(chosen)
    )


def _split_exact(total: int, weights: np.ndarray) -> list[int]:
    """Split an amount in øre by weights so the parts add up to it exactly."""
    raw = weights / weights.sum() * total
    parts = np.floor(raw).astype(np.int64)
    remainder = total - int(parts.sum())
    for i in np.argsort(-(raw - parts))[:remainder]:
        parts[i] += 1
    return [int(x) for x in parts]
