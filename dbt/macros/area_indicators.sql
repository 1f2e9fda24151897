{#- The area indicators of S4, in one place: the S4 code, the column name in the marts
    and, for those the register panel (S6) can compute, how. Models loop over this list
    so that fct_omraade_aar, the list rules and the difference-in-differences report
    cannot disagree on which indicator is which.

    panel: the population (an SQL condition on stg_panel__person_years) and the persons
    counted (a condition), per `per` persons; the same definitions as docs/source_contracts.md
    (S4), so that official and panel values agree where the provider computed them so.
    decimals: how S4 publishes the value (BEBOERE an integer, DOEMTE_RATIO two decimals). -#}
{% macro area_indicators() -%}
{{ return([
    {"code": "BEBOERE", "column": "residents", "decimals": 0, "outcome": false,
     "panel": {"population": "true", "counted": "true", "per": none}},
    {"code": "UDEN_ARB_UDD_PCT", "column": "outside_work_education_pct", "decimals": 1, "outcome": true,
     "panel": {"population": "age between 18 and 64",
               "counted": "is_employed is distinct from true and not in_education", "per": 100}},
    {"code": "DOEMTE_PCT", "column": "convicted_pct", "decimals": 1, "outcome": true, "panel": none},
    {"code": "DOEMTE_RATIO", "column": "convicted_ratio_to_national", "decimals": 2, "outcome": true, "panel": none},
    {"code": "GRUNDSKOLE_PCT", "column": "basic_schooling_only_pct", "decimals": 1, "outcome": true, "panel": none},
    {"code": "INDKOMST_REGION_PCT", "column": "income_pct_of_region", "decimals": 1, "outcome": true, "panel": none},
    {"code": "IKKE_VESTLIG_PCT", "column": "non_western_pct", "decimals": 1, "outcome": true,
     "panel": {"population": "true", "counted": "origin like 'ikke_vestlig%'", "per": 100}},
    {"code": "NEET_15_24_PCT", "column": "neet_15_24_pct", "decimals": 1, "outcome": true,
     "panel": {"population": "age between 15 and 24",
               "counted": "is_employed is distinct from true and not in_education", "per": 100}},
    {"code": "MISTANKE_10_14_PR_1000", "column": "suspicions_10_14_per_1000", "decimals": 1, "outcome": true,
     "panel": {"population": "age between 10 and 14", "counted": "was_suspected_or_charged", "per": 1000}},
    {"code": "SIGTEDE_15_17_PR_1000", "column": "charged_15_17_per_1000", "decimals": 1, "outcome": true,
     "panel": {"population": "age between 15 and 17", "counted": "was_suspected_or_charged", "per": 1000}},
    {"code": "AFGANGSEKSAMEN_PCT", "column": "ninth_grade_exam_pct", "decimals": 1, "outcome": true,
     "panel": {"population": "age = 16", "counted": "took_ninth_grade_exam", "per": 100}},
    {"code": "FRITIDSJOB_13_17_PCT", "column": "leisure_job_13_17_pct", "decimals": 1, "outcome": true,
     "panel": {"population": "age between 13 and 17", "counted": "has_leisure_job", "per": 100}},
    {"code": "VALGDELTAGELSE_PCT", "column": "voter_turnout_pct", "decimals": 1, "outcome": true, "panel": none},
]) }}
{%- endmacro %}

{#- The smallest number of persons behind a published rate computed from the panel: the
    provider's own rule for S4 (a value with fewer than 20 persons in its population is
    '..'), which is stricter than the warehouse's rule of at least 5 persons behind any
    published figure. -#}
{% macro min_persons_per_rate() -%}20{%- endmacro %}

{#- Round half up to `decimals` from an exact fraction k / n * per, as S4 does: in
    integers, units = (2 * per * 10^decimals * k + n) // (2 * n). -#}
{% macro rate_half_up(k, n, per, decimals) -%}
    cast({{ integer_divide('(2 * ' ~ per ~ ' * ' ~ 10 ** decimals ~ ' * (' ~ k ~ ') + (' ~ n ~ '))', '(2 * (' ~ n ~ '))') }} as double) / {{ 10 ** decimals }}
{%- endmacro %}
