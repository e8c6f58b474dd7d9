"""A short notice over the map: where the clerk looks when an edit is refused.

Refusals used to go to the status bar only, at the bottom edge of the window, while the clerk
looks at the map where they just clicked. :class:`MapNotice` shows the text over the top of
the map in a readable box, without a dialog to dismiss (the clerk keeps drawing), and fades it
out after a time that grows with the length of the text. It never takes a mouse click: the map
under it stays usable.
"""

from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QPropertyAnimation, Qt, QTimer
from PySide6.QtWidgets import QGraphicsOpacityEffect, QLabel, QWidget

MIN_MS = 4000
PER_CHAR_MS = 60
MAX_MS = 12000
FADE_MS = 700


class MapNotice(QLabel):
    """Fading notice laid over ``parent`` (the map)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("MapNotice")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("#MapNotice { background: rgba(255, 248, 225, 240); color: #5d2c00;"
                           " border: 1px solid #e0a040; border-radius: 5px; padding: 6px 10px;"
                           " font-size: 10pt; }")
        self._effect = QGraphicsOpacityEffect(self)
        self._effect.setOpacity(1.0)
        self.setGraphicsEffect(self._effect)
        self._fade = QPropertyAnimation(self._effect, b"opacity", self)
        self._fade.setDuration(FADE_MS)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.setEasingCurve(QEasingCurve.Type.InQuad)
        self._fade.finished.connect(self.hide)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fade.start)
        self.hide()

    def show_text(self, text: str) -> None:
        """Show ``text`` now (replacing an earlier notice) and fade it out later."""
        self._fade.stop()
        self._effect.setOpacity(1.0)
        self.setText("⚠ " + text)
        self.place()
        self.show()
        self.raise_()
        self._timer.start(self.duration_ms(text))

    @staticmethod
    def duration_ms(text: str) -> int:
        return max(MIN_MS, min(MAX_MS, PER_CHAR_MS * len(text)))

    def place(self) -> None:
        """Top centre of the map, at most 60 % of its width."""
        parent = self.parentWidget()
        if parent is None:
            return
        width = max(200, min(int(parent.width() * 0.6), 560))
        self.setFixedWidth(width)
        self.adjustSize()
        self.move(max(0, (parent.width() - width) // 2), 12)
