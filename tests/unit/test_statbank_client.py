"""S7: the Statbank client against a real HTTP server on 127.0.0.1 that speaks the
protocol (POST /v1/data with the JSON body), and the parser shared with the snapshot."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import duckdb
import pytest

from dagster_project.core.errors import SourceContractError
from dagster_project.resources import WarehouseResource
from dagster_project.sources.raw_assets import RAW_ASSET_BY_KEY
from dagster_project.sources.statbank import source as statbank_source
from dagster_project.sources.statbank.client import URL_VARIABLE, StatbankClient, StatbankError, request_body
from dagster_project.sources.statbank.readers import FOLK1A_VARIABLES, parse_statbank_csv, read_folk1a_snapshot
from tests.landing_samples import folk1a_csv, write_folk1a_snapshot

raw_statbank_folk1a = RAW_ASSET_BY_KEY["raw_statbank_folk1a"]
EXPECTED_BODY = {"table": "FOLK1A", "format": "CSV", "valuePresentation": "Code",
                 "variables": [{"code": "OMRÅDE", "values": ["*"]}, {"code": "Tid", "values": ["*"]}]}


@dataclass
class Statbank:
    """What the local server answers, attempt by attempt; the last behaviour repeats."""

    url: str
    behaviours: list[Callable[[BaseHTTPRequestHandler], None]] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)


def answer(body: bytes, status: int = 200, *, length: int | None = None) -> Callable:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "text/csv; charset=utf-8")
        if length != -1:
            handler.send_header("Content-Length", str(len(body) if length is None else length))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.close_connection = True
    return respond


def stall(seconds: float) -> Callable:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        answer(folk1a_csv(2020, 2020))(handler)
    return respond


@pytest.fixture
def statbank() -> Iterator[Statbank]:
    state = Statbank(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                request = json.loads(body.decode("utf-8"))
            except ValueError:
                request = None
            state.requests.append({"path": self.path, "body": request, "type": self.headers.get("Content-Type")})
            if self.path != "/v1/data":
                return answer(b"unknown endpoint", 404)(self)
            if request != EXPECTED_BODY:
                return answer(b'{"errorTypeCode": "INVALID-REQUEST"}', 400)(self)
            index = min(len(state.requests), len(state.behaviours)) - 1
            state.behaviours[index](self)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def client(url: str, **kwargs) -> StatbankClient:
    return StatbankClient(url, timeout=kwargs.pop("timeout", 5), retries=kwargs.pop("retries", 2), backoff=0.01,
                          **kwargs)


def test_client_posts_the_protocols_json_and_parses_the_answer(statbank):
    statbank.behaviours = [answer(folk1a_csv(2019, 2020))]
    frame = client(statbank.url).folk1a()
    assert statbank.requests == [{"path": "/v1/data", "body": EXPECTED_BODY, "type": "application/json; charset=utf-8"}]
    assert len(frame) == 2 * 4 * 99
    assert frame.loc[(frame.omraade == "000") & (frame.tid == "2019K1"), "indhold"].item() > 4_000_000
    assert set(frame["_source_file"]) == {f"POST {statbank.url}/v1/data table FOLK1A"}
    assert request_body("FOLK1A", FOLK1A_VARIABLES) == EXPECTED_BODY


def test_http_500_is_retried_then_reported_with_url_status_and_body(statbank):
    statbank.behaviours = [answer(b"Internal Server Error: database unavailable", 500)]
    with pytest.raises(StatbankError) as err:
        client(statbank.url, retries=2).folk1a()
    assert len(statbank.requests) == 3
    message = str(err.value)
    assert f"{statbank.url}/v1/data" in message and "HTTP 500" in message and "database unavailable" in message
    assert "3 attempts" in message and err.value.status == 500


def test_a_500_followed_by_an_answer_succeeds(statbank):
    statbank.behaviours = [answer(b"busy", 503), answer(folk1a_csv(2020, 2020))]
    assert len(client(statbank.url).folk1a()) == 4 * 99
    assert len(statbank.requests) == 2


def test_a_bad_request_is_not_retried(statbank):
    statbank.behaviours = [answer(folk1a_csv(2020, 2020))]
    wrong = client(statbank.url)
    with pytest.raises(StatbankError) as err:
        wrong.fetch("FOLK1A", [{"code": "OMRÅDE", "values": ["101"]}])
    assert len(statbank.requests) == 1 and err.value.status == 400 and "INVALID-REQUEST" in str(err.value)


def test_an_answer_shorter_than_its_content_length_is_truncated(statbank):
    body = folk1a_csv(2020, 2020)
    statbank.behaviours = [answer(body[: len(body) // 2], length=len(body))]
    with pytest.raises(StatbankError) as err:
        client(statbank.url, retries=1).folk1a()
    assert "truncated" in str(err.value) and len(statbank.requests) == 2


def test_an_answer_cut_mid_line_without_length_names_the_line(statbank):
    body = folk1a_csv(2020, 2020, bom=False)
    cut = body[: body.index(b"\r\n", 500) + 6]  # stops inside a line
    statbank.behaviours = [answer(cut, length=-1)]
    with pytest.raises(SourceContractError) as err:
        client(statbank.url).folk1a()
    assert "truncated" in err.value.rule and err.value.row == cut.count(b"\n") + 1


def test_a_slow_server_times_out(statbank):
    statbank.behaviours = [stall(1.5)]
    with pytest.raises(StatbankError, match="timeout"):
        client(statbank.url, timeout=0.3, retries=0).folk1a()


def test_no_server_is_a_connection_error():
    with pytest.raises(StatbankError, match="cannot connect"):
        client("http://127.0.0.1:9", retries=1).folk1a()


@pytest.mark.parametrize(("body", "row", "column", "rule"), [
    (b"OMRADE;TID;INDHOLD\n000;2020K1;5822763\n", 1, "OMRÅDE", "required column is missing"),
    (b"OMR\xc3\x85DE;TID;INDHOLD\n000;2020K1;5822763\n101;2020K1\n", 3, None, "row must have 3 fields separated by ';'"),
    (b"OMR\xc3\x85DE;TID;INDHOLD\n000;2020K1;5822763\n101;2020K1;6,5\n", 3, "INDHOLD", "whole number"),
    (b"OMR\xc3\x85DE;TID;INDHOLD\n000;2020K1;5822763\n101;2020K1;..\n", 3, "INDHOLD", "whole number"),
])
def test_malformed_answers_name_the_line(body, row, column, rule):
    with pytest.raises(SourceContractError) as err:
        parse_statbank_csv(body, "answer")
    assert (err.value.row, err.value.column, err.value.rule) == (row, column, rule)


def test_snapshot_is_read_with_its_byte_order_mark(tmp_path):
    frame = read_folk1a_snapshot(write_folk1a_snapshot(tmp_path), tmp_path)
    assert frame["omraade"].iloc[0] == "000" and len(frame) == 18 * 4 * 99
    assert frame["_source_locator"].iloc[0] == "line 2"


def test_the_raw_asset_uses_the_api_when_its_url_is_set(statbank, tmp_path, monkeypatch):
    statbank.behaviours = [answer(folk1a_csv(2019, 2020))]
    monkeypatch.setenv(URL_VARIABLE, statbank.url)
    resource = WarehouseResource(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "work"))
    with dg.instance_for_test() as instance:
        result = dg.materialize([raw_statbank_folk1a], resources={"warehouse": resource}, instance=instance)
    assert result.success
    raw = tmp_path / "work" / "raw" / "raw_statbank_folk1a"
    assert duckdb.sql(f"select count(*) from '{raw}/all.parquet'").fetchone()[0] == 2 * 4 * 99
    sidecar = json.loads((raw / "all.json").read_text())
    assert sidecar["sources"][0]["file"] == f"POST {statbank.url}/v1/data table FOLK1A"


def test_the_raw_asset_fails_clearly_when_the_api_does(statbank, tmp_path, monkeypatch):
    statbank.behaviours = [answer(b"maintenance", 502)]
    monkeypatch.setenv(URL_VARIABLE, statbank.url)
    monkeypatch.setattr(statbank_source, "StatbankClient", functools.partial(StatbankClient, backoff=0.01))
    resource = WarehouseResource(landing_dir=str(tmp_path / "landing"), work_dir=str(tmp_path / "work"))
    with dg.instance_for_test() as instance:
        result = dg.materialize([raw_statbank_folk1a], resources={"warehouse": resource}, instance=instance,
                                raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "HTTP 502" in failure.step_failure_data.user_failure_data.description
    assert not (tmp_path / "work" / "raw" / "raw_statbank_folk1a").exists()
