"""Where a report's figures are written: in this process, or in the worker processes a
sweep leaves idle.

``coopsim run FILE --workers N`` (N > 1) writes the report after its worker processes
have finished the sweep. Writing a figure — laying it out and drawing it as PDF (with its
font subset), SVG and PNG at 300 dpi — takes about 0.4 s, most of a report's time, while
the verdicts' bootstrap that comes before and between the figures needs only this
process. :class:`FigureWriter` hands each figure, pickled as it is when handed over, to
those workers (the same loky processes, reused: same count, same initializer) and goes
on; :meth:`FigureWriter.close` waits for the files. A figure unpickled in another process
draws the same bytes (``tests/test_figure_writer.py``). Without workers, or when the
workers fail, figures are written here, in the order given.
"""
from __future__ import annotations

import pickle
import queue
import threading
from collections.abc import Sequence
from pathlib import Path

__all__ = ["FigureWriter", "save_pickled"]

_DONE = object()


def save_pickled(data: bytes, path: str, formats: Sequence[str]) -> list[str]:
    """Unpickle a figure and write it with :func:`coopsim.plots.save` (run in a worker)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plots

    fig = pickle.loads(data)
    try:
        return [str(p) for p in plots.save(fig, path, formats)]
    finally:
        plt.close(fig)


class FigureWriter:
    """Writes figures with :func:`coopsim.plots.save`, here (``workers`` <= 1) or in
    ``workers`` loky processes (those of the sweep, reused) while the caller goes on;
    use as a context manager, or call :meth:`close` to wait for every file."""

    def __init__(self, workers: int = 0):
        self.workers = int(workers)
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._failed: list[tuple[bytes, str, tuple]] = []
        self._error: BaseException | None = None

    def save(self, fig, path: str | Path, formats: Sequence[str]) -> None:
        """Write ``fig`` to ``path`` in each of ``formats`` (now, or in a worker: the figure
        may be closed or changed as soon as this returns)."""
        if isinstance(formats, str):
            formats = (formats,)
        if self.workers <= 1:
            from . import plots

            plots.save(fig, path, formats)
            return
        job = (pickle.dumps(fig), str(path), tuple(formats))
        if self._thread is None:
            self._queue = queue.Queue()
            self._thread = threading.Thread(target=self._run, name="coopsim-figures", daemon=True)
            self._thread.start()
        self._queue.put(job)

    def _run(self) -> None:
        """Hand the figures waiting in the queue to the workers, a batch at a time."""
        from joblib import Parallel, delayed, parallel_config

        from .experiments.chunks import _die_with_parent

        done = False
        while not done:
            jobs = [self._queue.get()]
            while True:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done = any(j is _DONE for j in jobs)
            jobs = [j for j in jobs if j is not _DONE]
            if not jobs:
                continue
            if self._error is not None:  # the workers failed once: the rest is written here
                self._failed += jobs
                continue
            try:
                # the sweep's settings (coopsim.experiments.runner._processes): loky reuses its workers
                with parallel_config(backend="loky", initializer=_die_with_parent):
                    Parallel(n_jobs=self.workers, batch_size=1, max_nbytes=None)(
                        delayed(save_pickled)(*job) for job in jobs)
            except BaseException as err:  # noqa: BLE001 - written again here by close()
                self._error = err
                self._failed += jobs

    def close(self) -> None:
        """Wait until every figure is written; a figure its worker could not write is
        written here (an error doing so is raised)."""
        if self._thread is not None:
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None
        failed, self._failed = self._failed, []
        for data, path, formats in failed:
            save_pickled(data, path, formats)

    def __enter__(self) -> FigureWriter:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.close()
        elif self._thread is not None:  # an error in the report: wait for the workers, keep that error
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None
