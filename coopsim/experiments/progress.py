"""Progress of a sweep where people run it: a bar in terminals and notebooks, plain lines in logs.

:func:`progress_reporter` picks the display from ``progress``:

``None`` (default)
    a tqdm bar with ETA when stderr is a terminal, nothing otherwise (a library call
    inside a script or a test stays quiet);
``True``
    a tqdm bar on stderr, also when it is not a terminal;
``"notebook"``
    a notebook widget bar (``tqdm.auto``: a text bar outside Jupyter);
``"lines"``
    plain lines every ``LINE_SECONDS`` seconds or ``LINE_FRACTION`` of the runs,
    whichever comes first, for output that is no terminal (a log file, a CI job,
    ``!coopsim run`` in a notebook): ``h3_iteration: 120/600 runs (20%), 14 s elapsed,
    ETA 56 s``. ``coopsim run`` uses them whenever stderr is not a terminal;
``False``
    nothing.
"""
from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["PROGRESS_CHOICES", "LINE_SECONDS", "LINE_FRACTION", "progress_reporter", "format_seconds"]

PROGRESS_CHOICES = (None, True, False, "notebook", "lines")
#: a plain progress line at least this often (seconds) ...
LINE_SECONDS = 10.0
#: ... or when this share of the runs has finished since the last line
LINE_FRACTION = 0.1


def format_seconds(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``2 h 07 min``."""
    s = int(round(max(0.0, seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


class Reporter:
    """Counts finished runs; shows them on a tqdm bar, as plain lines, or not at all."""

    def __init__(self, total: int, initial: int = 0, desc: str = "runs", *, bar: Any = None,
                 stream: TextIO | None = None, clock=time.monotonic):
        self.total, self.done, self.desc = int(total), int(initial), desc
        self.errors = 0
        self.bar, self.stream, self.clock = bar, stream, clock
        self.start = clock()
        self.initial = int(initial)
        self._last_time, self._last_done = self.start, self.done
        if self.stream is not None and self.total:
            self._line(f"{self.desc}: {self.total - self.done} runs to do"
                       + (f" ({self.done} done earlier)" if self.done else ""))

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def update(self, n: int, errors: int = 0) -> None:
        self.errors += errors
        self.done += n
        if self.bar is not None:
            if errors:
                self.bar.set_postfix(errors=self.errors, refresh=False)
            self.bar.update(n)
        if self.stream is None:
            return
        now = self.clock()
        due = (now - self._last_time >= LINE_SECONDS
               or self.done - self._last_done >= max(1.0, LINE_FRACTION * self.total))
        if due and self.done < self.total:
            self._report(now)

    def _report(self, now: float, final: bool = False) -> None:
        elapsed = now - self.start
        new = self.done - self.initial
        pct = 100.0 * self.done / self.total if self.total else 100.0
        text = f"{self.desc}: {self.done}/{self.total} runs ({pct:.0f}%), {format_seconds(elapsed)} elapsed"
        if final:
            text += ", finished"
        elif new > 0:
            text += f", ETA {format_seconds(elapsed / new * (self.total - self.done))}"
        if self.errors:
            text += f", {self.errors} failed"
        self._line(text)
        self._last_time, self._last_done = now, self.done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.stream is not None and self.done > self._last_done:
            self._report(self.clock(), final=self.done >= self.total)
            self.stream = None


def progress_reporter(progress: Any, total: int, initial: int = 0, desc: str = "runs",
                      stream: TextIO | None = None) -> Reporter:
    """The display for ``progress`` (see the module docstring) on ``stream`` (default stderr)."""
    if progress not in PROGRESS_CHOICES or (progress is not None and not isinstance(progress, (bool, str))):
        from .._validation import ParameterError

        raise ParameterError("progress", progress, "True, False, None, 'notebook' or 'lines'")
    stream = sys.stderr if stream is None else stream
    if progress is False:
        return Reporter(total, initial, desc)
    if progress is None:
        if not bool(getattr(stream, "isatty", lambda: False)()):
            return Reporter(total, initial, desc)
        progress = True
    if progress == "lines":
        return Reporter(total, initial, desc, stream=stream)
    if progress == "notebook":
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    bar = tqdm(total=total, initial=initial, desc=desc, unit="run", smoothing=0.1, dynamic_ncols=True, file=stream)
    return Reporter(total, initial, desc, bar=bar)
