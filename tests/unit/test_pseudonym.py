"""Keyed pseudonyms: deterministic, keyed, validated, never CPR-shaped, never echoing a number."""

from __future__ import annotations

import re

import pytest

from dagster_project import pseudonym
from dagster_project.core.errors import SourceContractError
from dagster_project.pseudonym import (
    CPR_SHAPED,
    DEMO_KEY_WARNING,
    KEY_VARIABLE,
    MASK,
    PERSON_KEY_PATTERN,
    PseudonymKeyError,
    demo_key_warning,
    person_key,
    pseudonym_key,
    pseudonymise,
)
from tests.landing_samples import erstatning_cpr


def test_same_number_same_key_and_keys_differ_between_numbers(monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    cprs = ["610190-1234", "010190-1234", "610190-1234", "311299-0001"]
    keys = pseudonymise(cprs, file="f.csv").to_pylist()
    assert keys[0] == keys[2] == person_key("610190-1234")
    assert len(set(keys)) == 3
    assert all(re.fullmatch(PERSON_KEY_PATTERN, k) for k in keys)


def test_the_key_matters(monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    demo = person_key("610190-1234")
    monkeypatch.setenv(KEY_VARIABLE, "a-secret-key-of-some-length")
    secret = person_key("610190-1234")
    monkeypatch.setenv(KEY_VARIABLE, "another-secret-key-entirely")
    assert len({demo, secret, person_key("610190-1234")}) == 3
    monkeypatch.setenv(KEY_VARIABLE, "a-secret-key-of-some-length")
    assert person_key("610190-1234") == secret


def test_keys_are_never_cpr_shaped():
    # Plain 32-digit hex holds ten digits in a row in about one key in six.
    keys = pseudonymise([erstatning_cpr(i, 1950 + i % 60) for i in range(50_000)], file="f.csv").to_pylist()
    assert not [k for k in keys if CPR_SHAPED.search(k)]
    # ... and without the dashes many would be: the grouping is what protects them.
    assert len([k for k in keys if CPR_SHAPED.search(k.replace("-", ""))]) > 100


@pytest.mark.parametrize("cpr", ["000190-1234", "320190-1234", "600190-1234", "920190-1234", "011390-1234",
                                 "010090-1234", "0101901234", "010190 1234", "01019-01234", "", "010190-123"])
def test_malformed_numbers_are_rejected_masked(cpr):
    with pytest.raises(SourceContractError) as err:
        pseudonymise(["610190-1234", cpr], file="deltagere/2011-14/registreringer_2013.csv",
                     row_of=lambda i: i + 2)
    assert err.value.row == 3 and err.value.column == "cpr"
    assert err.value.value == MASK
    digits = re.sub(r"\D", "", cpr)
    assert not digits or digits not in re.sub(r"\D", "", str(err.value) + str(err.value.as_metadata()))


def test_missing_number_is_reported_without_a_value():
    with pytest.raises(SourceContractError) as err:
        pseudonymise(["610190-1234", None], file="f.csv")
    assert (err.value.row, err.value.rule, err.value.value) == (2, "value is required", None)


@pytest.mark.parametrize("cpr", ["010190-1234", "310199-9999", "610190-1234", "911299-0000"])
def test_real_and_replacement_numbers_are_accepted(cpr):
    assert len(pseudonymise([cpr], file="f.csv")) == 1


def test_demo_key_warns_and_a_real_key_does_not(monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    assert demo_key_warning() == DEMO_KEY_WARNING
    assert pseudonym_key() == pseudonym.DEMO_KEY.encode()
    monkeypatch.setenv(KEY_VARIABLE, "   ")
    assert demo_key_warning() == DEMO_KEY_WARNING
    monkeypatch.setenv(KEY_VARIABLE, "a-secret-key-of-some-length")
    assert demo_key_warning() is None


def test_a_short_key_is_refused_without_showing_it(monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "short-key")
    with pytest.raises(PseudonymKeyError) as err:
        pseudonym_key()
    assert "short-key" not in str(err.value)


@pytest.mark.parametrize("key", [b"k" * 16, b"a-secret-key-of-some-length", b"x" * 64, b"y" * 100])
def test_keys_are_hmac_sha256_truncated_to_128_bits(key):
    import hashlib
    import hmac

    for cpr in ("610190-1234", "311299-0001"):
        expected = hmac.new(key, cpr.encode(), hashlib.sha256).hexdigest()[:32]
        assert person_key(cpr, key).replace("-", "") == expected
