"""One refresh at a time per work directory.

A refresh takes this lock first, before it loads anything heavy, and holds it until it
ends; a second refresh is refused at once, with the holder named (process, host, user,
command, start, refresh id). The lock is an advisory ``flock`` on
``<work_dir>/.refresh.lock``: the kernel releases it when the holder exits, also when it
is killed, so a crashed refresh never blocks the next one.

A refresh that Dagster runs on its own (the monthly schedule, the landing sensor) is
held by its runs in the instance instead: ``busy_runs`` names them.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import json
import os
import secrets
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".refresh.lock"
# EX_TEMPFAIL (sysexits.h): try again later. Not the code of a failed refresh.
EXIT_BUSY = 75


def new_refresh_id() -> str:
    """'20261201T104512-3fa9c1': when it started, and unique."""
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


class RefreshBusy(RuntimeError):
    """Another refresh holds the warehouse; the message names it."""


def _holder_text(holder: dict) -> str:
    parts = [f"pid {holder.get('pid')} on {holder.get('host')}", f"user {holder.get('user')}"]
    if holder.get("refresh_id"):
        parts.append(f"refresh {holder['refresh_id']}")
    if holder.get("started"):
        parts.append(f"since {holder['started']}")
    if holder.get("command"):
        parts.append(f"command: {holder['command']}")
    return ", ".join(parts)


@contextmanager
def refresh_lock(work_dir: Path, refresh_id: str | None = None) -> Iterator[dict]:
    """Hold the work directory's refresh lock, or raise RefreshBusy naming its holder.
    Yields the holder record (with a new ``refresh_id`` unless one is given)."""
    refresh_id = refresh_id or new_refresh_id()
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / LOCK_FILE
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the whole refresh)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            try:
                holder = json.loads(handle.read() or "{}")
            except ValueError:
                holder = {}
            raise RefreshBusy(f"busy: another refresh holds {path} ({_holder_text(holder) or 'holder unknown'})") \
                from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "user": getpass.getuser(),
                  "started": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                  "command": " ".join(sys.argv), "refresh_id": refresh_id}
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder))
        handle.flush()
        try:
            yield holder
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def lock_holder(work_dir: Path) -> str | None:
    """Who holds the lock now, or None if nobody does (without taking it for long)."""
    path = work_dir / LOCK_FILE
    if not path.exists():
        return None
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            try:
                return _holder_text(json.loads(handle.read() or "{}")) or "holder unknown"
            except ValueError:
                return "holder unknown"
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None
