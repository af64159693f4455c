"""The end of the ``coopsim`` program: the interpreter's Python-level shutdown, then ``os._exit``.

A process that read or wrote Parquet can abort at exit (code 134, "terminate called
without an active exception"): pyarrow's C++ thread pools are destroyed while a thread is
still joinable (apache/arrow#34314), after the command's work is done and saved.
:func:`leave` runs what a normal exit runs in Python — the threads' exit hooks (among them
loky's, which stops the worker processes) and the ``atexit`` functions (logging,
temporary folders, Dask) — flushes the standard streams and ends the process with
``os._exit``, skipping the native destructors. Only the program calls it; a Python caller
of :func:`coopsim.cli.main` exits as usual.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading

__all__ = ["leave"]


def leave(code: int) -> None:
    """End the process with exit status ``code`` (never returns)."""
    shutdown = getattr(threading, "_shutdown", None)  # what Py_FinalizeEx calls first
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code)
