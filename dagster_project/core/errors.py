"""The error every reader raises when a landing file breaks its source contract."""

from __future__ import annotations

from dagster_project.core.cpr import mask_cpr


class SourceContractError(ValueError):
    """A landing file breaks its source contract. Names the file, row, column and rule."""

    def __init__(self, file: str, rule: str, *, row: int | str | None = None, column: str | None = None,
                 value: object = None):
        # A CPR number can sit in any field of a broken row (a cpr and a date swapped): the
        # offending value is masked here, so no reader can put one in a message or a log.
        column = None if column is None else mask_cpr(str(column))
        value = None if value is None else mask_cpr(str(value))
        self.file, self.rule, self.row, self.column, self.value = file, rule, row, column, value
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        text = f"{', '.join(where)}: rule '{rule}' violated"
        if value is not None:
            text += f" by value {_shorten(value)!r}"
        super().__init__(text)

    def as_metadata(self) -> dict[str, str]:
        return {k: str(v) for k, v in
                {"file": self.file, "row": self.row, "column": self.column, "rule": self.rule,
                 "value": None if self.value is None else _shorten(self.value)}.items() if v is not None}


def _shorten(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SourceUnavailable(RuntimeError):
    """A source that is not a file (an API) gave no usable answer. Names where it asked."""

    def as_metadata(self) -> dict[str, str]:
        return {}
