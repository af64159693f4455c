"""One writer at a time in an output folder: an exclusive lock for a command's whole life.

``coopsim run`` (also ``--resume`` and ``--overwrite``) and ``coopsim report`` take an
exclusive lock on the output folder before they look at what it holds and keep it until
they have written their last file. The lock is an operating-system file lock
(:mod:`filelock`) on ``<folder>/.coopsim.lock``: the kernel releases it when the holding
process ends, however it ends (``kill -9`` included), so a dead process never keeps a
folder locked. Beside it, ``<folder>/.coopsim.lock.json`` tells who holds the lock (pid,
host, start time, command); a second command that finds the folder locked refuses with
one line naming that holder. A holder that was killed leaves its ``.json`` behind: the
next command to take the lock names that stale holder in a warning and replaces it.

Inside one process the lock is re-entrant: :func:`folder_lock` on a folder this process
already holds only counts (the command line holds it around ``run_experiment`` and the
report it writes afterwards).
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from .errors import ExperimentError

__all__ = ["folder_lock", "LOCK", "LOCK_INFO", "FolderLocked", "holder"]

LOCK = ".coopsim.lock"
LOCK_INFO = ".coopsim.lock.json"

#: folders this process holds: resolved path -> [FileLock, depth]
_HELD: dict[Path, list] = {}


class FolderLocked(ExperimentError):
    """The output folder is locked by another command (one line naming the holder)."""


def _command() -> str:
    argv = list(sys.argv) if sys.argv else []
    if argv:
        name = Path(argv[0]).name
        argv[0] = "coopsim" if name in ("cli.py", "__main__.py", "coopsim") else name
    return " ".join(argv)[:300] or "python"


def holder(folder: str | Path) -> dict | None:
    """What ``<folder>/.coopsim.lock.json`` says about the lock's holder (None if nothing)."""
    path = Path(folder) / LOCK_INFO
    try:
        info = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _describe(info: dict | None) -> str:
    if not info:
        return "another process (no lock information)"
    return (f"pid {info.get('pid')} on host {info.get('host')} since {info.get('started')} "
            f"({info.get('command')!s})")


def _alive(info: dict) -> bool | None:
    """Whether the recorded holder runs (None when it is on another host: cannot tell)."""
    if info.get("host") != socket.gethostname() or sys.platform == "win32":  # os.kill(pid, 0) kills there
        return None
    try:
        os.kill(int(info.get("pid")), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, TypeError, ValueError):
        return True
    return True


@contextlib.contextmanager
def folder_lock(folder: str | Path, command: str | None = None) -> Iterator[Path]:
    """Hold the exclusive lock of ``folder`` (created if missing) for the ``with`` block.

    Raises :class:`FolderLocked` at once (no waiting) when another process holds it.
    """
    from filelock import FileLock, Timeout

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    key = folder.resolve()
    if key in _HELD:  # re-entrant within this process
        _HELD[key][1] += 1
        try:
            yield folder
        finally:
            _HELD[key][1] -= 1
        return
    lock = FileLock(str(folder / LOCK), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise FolderLocked(str(folder), "", f"is locked by {_describe(holder(folder))}: wait for it to finish "
                                            "(or stop it), then try again") from None
    try:
        stale = holder(folder)
        if stale is not None:
            alive = _alive(stale)
            state = "that process is gone" if alive is False else "that process no longer holds it"
            print(f"coopsim: warning: {folder}: taking over the stale lock of {_describe(stale)}: {state}",
                  file=sys.stderr)
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": command or _command()}
        (folder / LOCK_INFO).write_text(json.dumps(info) + "\n", encoding="utf-8")
        _HELD[key] = [lock, 1]
        try:
            yield folder
        finally:
            del _HELD[key]
            with contextlib.suppress(OSError):
                (folder / LOCK_INFO).unlink()
    finally:
        lock.release()
