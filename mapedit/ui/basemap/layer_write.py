"""Storing a new (or adjusted) base layer without freezing the window.

Writing 180,000 buildings or embedding a 36 Mpx image into the project is one store
transaction of several seconds. :class:`LayerWrite` runs it in a worker
(``Project.write_layer``: the store's connection is locked, so an edit the clerk makes
meanwhile on the GUI thread is refused with a clear "still saving" notice after a short wait,
never interleaved), reports progress, and then puts the layer into the dataset on the GUI
thread (``Project.layer_written``). The project's own write is not "another program": the
window's outside-change check sees nothing to reload.

Cancelling abandons the transaction (rolled back: nothing stored). Whoever started the write
must let it end before going away (:meth:`LayerWrite.finish`), so the stack and the file never
disagree.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from mapedit.ui.basemap.jobs import Cancelled, Job
from mapedit.ui.commands import current_user


class LayerWrite(QObject):
    """One layer written in the background. ``progressed(fraction)``; then ``written(layer)``
    (the layer as the stack now holds it) or ``failed(exception)`` (:class:`Cancelled` when
    cancelled); always on the GUI thread."""

    progressed = Signal(float)
    written = Signal(object)
    failed = Signal(object)

    def __init__(self, project, layer, replace: bool = False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.layer = layer
        self.replace = replace
        self.who = current_user()
        self.result = None
        self.error: BaseException | None = None
        self._job: Job | None = None
        self._ended = False

    def start(self) -> LayerWrite:
        """Check what can be checked here (a layer id taken meanwhile), then write."""
        if not self.replace and self.layer.id in self.project.dataset.layers:
            from mapedit.errors import InputError

            raise InputError(f"图层 {self.layer.id} 已存在",  # i18n: ok - bilingual error
                             f"layer {self.layer.id} exists already")
        job = Job(_write, self.project, self.layer, self.who, self.replace, parent=self)
        # bound methods of this QObject: queued onto the GUI thread (a lambda would run in
        # the worker)
        job.progressed.connect(self._on_progress)
        job.succeeded.connect(self._on_outcome)
        job.failed.connect(self._on_outcome)
        self._job = job
        job.start()
        return self

    def running(self) -> bool:
        return self._job is not None and not self._ended

    def cancel(self) -> None:
        """Ask the write to stop (rolled back) — unless it has committed already."""
        if self._job is not None:
            self._job.cancel()

    def finish(self, timeout: float = 600.0) -> bool:
        """Wait for the worker and end here, now (closing a window while it writes): the
        layer is then in the stack if it was stored. False if it did not end in time."""
        if self._job is None or self._ended:
            return True
        if not self._job.wait(timeout):
            return False
        self._end()
        return True

    def _on_progress(self, fraction: float, _text: str = "") -> None:
        if not self._ended:
            self.progressed.emit(fraction)

    def _on_outcome(self, _value: object) -> None:
        self._end()

    def _end(self) -> None:
        """GUI thread, once: take the stored layer into the dataset, or report the failure."""
        if self._ended or self._job is None:
            return
        self._ended = True
        job = self._job
        if job.error is not None:
            self.error = job.error
            self.failed.emit(job.error)
            return
        from mapedit.io.layer_factory import default_index

        try:
            index = None if self.replace else default_index(self.project.dataset.layers,
                                                            self.layer)
            self.result = self.project.layer_written(self.layer, index)
        except Exception as exc:  # noqa: BLE001 - stored, but the stack order was refused
            self.error = exc
            self.failed.emit(exc)
            return
        self.written.emit(self.result)


def _write(control, project, layer, who: str, replace: bool) -> None:
    """Worker thread: the store transaction, abandoned (rolled back) when cancelled."""

    def progress(fraction: float) -> None:
        control.check()
        control.progress(fraction)

    control.check()
    project.write_layer(layer, who=who, replace=replace, progress=progress)


__all__ = ["Cancelled", "LayerWrite"]
