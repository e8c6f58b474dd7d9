"""Long base-map work (reading a file, building a pyramid, importing 100,000 buildings) off the
GUI thread, with progress and cancellation, results delivered back on the GUI thread.

A :class:`Job` runs one plain function in a Python thread; the function gets a
:class:`JobControl` to report progress (0..1) and to see whether the clerk cancelled. The job
emits ``progressed``, then ``succeeded(result)`` or ``failed(exception)`` through queued
signals, so slots run on the GUI thread and may touch widgets and the project. Nothing the
function does is visible to the project until a slot applies the result: a failure or a
cancellation leaves nothing half-done.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """The clerk cancelled the job."""


class JobControl:
    """What the worker function sees: ``progress(f)`` and ``cancelled``."""

    def __init__(self, job: Job) -> None:
        self._job = job
        self.event = threading.Event()
        """Set when cancelled (pass it to functions taking a ``cancel`` event)."""

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` when the clerk cancelled."""
        if self.event.is_set():
            raise Cancelled()

    def progress(self, fraction: float, text: str = "") -> None:
        try:
            self._job.progressed.emit(max(0.0, min(1.0, float(fraction))), text)
        except RuntimeError:  # the dialog is gone
            pass


class Job(QObject):
    """``Job(fn, *args)``; ``start()``; connect ``succeeded``/``failed``/``progressed``."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, fn: Callable[..., Any], *args: Any, parent: QObject | None = None,
                 **kwargs: Any) -> None:
        super().__init__(parent)
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self.control = JobControl(self)
        self._thread: threading.Thread | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()

    def start(self) -> Job:
        self._thread = threading.Thread(target=self._run, name="mapedit-job", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.control.event.set()

    def running(self) -> bool:
        return self._thread is not None and not self.done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the function returned (tests; closing a dialog)."""
        return self.done.wait(timeout)

    def _run(self) -> None:
        try:
            self.result = self._fn(self.control, *self._args, **self._kwargs)
            outcome, value = self.succeeded, self.result
        except BaseException as exc:  # noqa: BLE001 - delivered to the GUI thread
            if not isinstance(exc, Cancelled):
                log.debug("job failed", exc_info=True)
            self.error = exc
            outcome, value = self.failed, exc
        self.done.set()
        try:
            outcome.emit(value)
            self.finished.emit()
        except RuntimeError:  # the receiver is gone
            pass
