"""A client for Statistics Denmark's Statbank API (source S7).

    POST <base>/v1/data
    {"table": "FOLK1A", "format": "CSV", "valuePresentation": "Code",
     "variables": [{"code": "OMRÅDE", "values": ["*"]}, {"code": "Tid", "values": ["*"]}]}

answers ';'-separated CSV (parsed by ``readers.parse_statbank_csv``). Each attempt has a
timeout; connection errors, timeouts, answers cut short (fewer bytes than
Content-Length) and 5xx answers are retried with exponential backoff; a 4xx answer is
not (asking again will not help). When the attempts are used up, or on a 4xx,
``StatbankError`` names the URL, the status and an excerpt of the body.

The base URL comes from ``BOLIGSOCIAL_STATBANK_URL`` (``https://api.statbank.dk`` for the
real service); unset, the embedded default reads the bundled snapshot instead.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from dagster_project.core.errors import SourceUnavailable
from dagster_project.sources.statbank.readers import FOLK1A_VARIABLES, TABLE, parse_statbank_csv

URL_VARIABLE = "BOLIGSOCIAL_STATBANK_URL"
EXCERPT_BYTES = 300

log = logging.getLogger(__name__)


class StatbankError(SourceUnavailable):
    """The Statbank API did not give a usable answer."""

    def __init__(self, message: str, *, url: str, status: int | None = None, excerpt: str | None = None):
        self.url, self.status, self.excerpt = url, status, excerpt
        super().__init__(message)

    def as_metadata(self) -> dict[str, str]:
        return {"url": self.url, "status": str(self.status or ""), "body_excerpt": self.excerpt or ""}


def statbank_url() -> str | None:
    value = os.environ.get(URL_VARIABLE, "").strip()
    return value.rstrip("/") or None


def request_body(table: str, variables: list[dict]) -> dict:
    return {"table": table, "format": "CSV", "valuePresentation": "Code", "variables": variables}


@dataclass
class StatbankClient:
    base_url: str
    timeout: float = 30.0  # seconds per attempt (connect and each read)
    retries: int = 3  # attempts after the first
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @property
    def data_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/v1/data"

    def fetch(self, table: str, variables: list[dict]) -> bytes:
        """The raw CSV answer for ``table`` and ``variables``."""
        url = self.data_url
        payload = json.dumps(request_body(table, variables), ensure_ascii=False).encode("utf-8")
        last: StatbankError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                wait = self.backoff * 2 ** (attempt - 1)
                log.warning("Statbank: %s; retrying in %.1f s (attempt %d of %d)", last, wait, attempt + 1,
                            self.retries + 1)
                self.sleep(wait)
            try:
                return self._post(url, payload)
            except StatbankError as exc:
                if exc.status is not None and exc.status < 500:
                    raise
                last = exc
        assert last is not None
        raise StatbankError(f"{last} (gave up after {self.retries + 1} attempts)", url=url, status=last.status,
                            excerpt=last.excerpt)

    def _post(self, url: str, payload: bytes) -> bytes:
        request = urllib.request.Request(url, data=payload, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Accept": "text/csv"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            excerpt = _excerpt(exc)
            raise StatbankError(f"POST {url} answered HTTP {exc.code} {exc.reason}: {excerpt!r}", url=url,
                                status=exc.code, excerpt=excerpt) from None
        except http.client.IncompleteRead as exc:
            expected = len(exc.partial) + (exc.expected or 0)
            raise StatbankError(f"POST {url}: answer cut short (truncated): {len(exc.partial)} of {expected} bytes",
                                url=url) from None
        except (TimeoutError, socket.timeout):
            raise StatbankError(f"POST {url}: no answer within {self.timeout:g} s (timeout)", url=url) from None
        except urllib.error.URLError as exc:
            raise StatbankError(f"POST {url}: cannot connect ({exc.reason})", url=url) from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise StatbankError(f"POST {url}: connection failed ({type(exc).__name__}: {exc})", url=url) from None

    def folk1a(self) -> pd.DataFrame:
        """Population by kommune and quarter (FOLK1A), parsed, with provenance naming the URL."""
        return parse_statbank_csv(self.fetch(TABLE, FOLK1A_VARIABLES), f"POST {self.data_url} table {TABLE}")


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(EXCERPT_BYTES)
    except Exception:  # the body of an error may itself be cut short; the status says enough
        return ""
    return body.decode("utf-8", errors="replace").strip()
