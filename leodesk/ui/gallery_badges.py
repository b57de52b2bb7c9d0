"""What the gallery's cells say about an image beside its picture: the kind of variation it is
(upscale, unzoom, no background), a video's duration, and a stack when other images were made
from it. Painted from the record in memory only (no reads while painting)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from leodesk.core.library.records import ImageRecord

_PILL_BG = QColor(0, 0, 0, 170)
_PILL_TEXT = QColor(255, 255, 255)
_STACK = QColor(230, 230, 235)
_STACK_BACK = QColor(160, 160, 170)
# a badge: (its kind, long label, short label for small cells, colour of its text)
_BADGE_KINDS: tuple[tuple[str, str, str, QColor], ...] = (
    (
        "upscale",
        str(QT_TRANSLATE_NOOP("GalleryBadges", "Upscaled")),
        str(QT_TRANSLATE_NOOP("GalleryBadges", "UP")),
        QColor(129, 212, 250),
    ),
    (
        "unzoom",
        str(QT_TRANSLATE_NOOP("GalleryBadges", "Unzoomed")),
        str(QT_TRANSLATE_NOOP("GalleryBadges", "UZ")),
        QColor(206, 147, 216),
    ),
    (
        "nobg",
        str(QT_TRANSLATE_NOOP("GalleryBadges", "No background")),
        str(QT_TRANSLATE_NOOP("GalleryBadges", "BG")),
        QColor(165, 214, 167),
    ),
)
SHORT_BELOW = 150  # a picture box narrower than this gets the short labels


def badge_kinds(record: ImageRecord) -> list[str]:
    """The variation badges of ``record``: "upscale", "unzoom", "nobg" (from its transform)."""
    transform = (record.transform or "").upper()
    if not transform:
        return []
    out = []
    if "UPSCALE" in transform:
        out.append("upscale")
    if "UNZOOM" in transform:
        out.append("unzoom")
    if "NOBG" in transform or "NO_BG" in transform or "BACKGROUND" in transform:
        out.append("nobg")
    return out


def badge_label(kind: str) -> str:
    """The words a badge stands for (the cell's tooltip)."""
    for name, label, _short, _colour in _BADGE_KINDS:
        if name == kind:
            return QCoreApplication.translate("GalleryBadges", label)
    return kind


def describe(record: ImageRecord) -> str:
    """A line for the tooltip naming every badge of ``record`` ("" when it has none)."""
    parts = [badge_label(k) for k in badge_kinds(record)]
    if record.is_video:
        parts.append(QCoreApplication.translate("GalleryBadges", "Video"))
    if record.has_children:
        parts.append(QCoreApplication.translate("GalleryBadges", "Has variations made from it"))
    return " · ".join(parts)


def paint_corner_badges(painter: QPainter, inner: QRect, record: ImageRecord) -> int:
    """The variation pills and the stack mark along the top right of ``inner``, right to left;
    returns the height used (0 when nothing was drawn)."""
    kinds = badge_kinds(record)
    if not kinds and not record.has_children:
        return 0
    font = painter.font()
    font.setPixelSize(11)
    font.setBold(True)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    height = metrics.height() + 2
    right = inner.right()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if record.has_children:
        right = _paint_stack(painter, right, inner.top(), height) - 3
    short = inner.width() < SHORT_BELOW
    for name, label, abbrev, colour in _BADGE_KINDS:
        if name not in kinds:
            continue
        text = QCoreApplication.translate("GalleryBadges", abbrev if short else label)
        width = metrics.horizontalAdvance(text) + 10
        pill = QRect(right - width + 1, inner.top(), width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_PILL_BG)
        painter.drawRoundedRect(pill, 4, 4)
        painter.setPen(colour)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        right = pill.left() - 3
    return height


def _paint_stack(painter: QPainter, right: int, top: int, height: int) -> int:
    """A small stack of cards (other images were made from this one); returns its left edge."""
    box = QRect(right - height + 1, top, height, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(_PILL_BG)
    painter.drawRoundedRect(box, 4, 4)
    card = max(6, height * 3 // 5)
    x = box.left() + (height - card) // 2 - 1
    y = box.top() + (height - card) // 2 + 1
    pen = QPen(_STACK_BACK, 1.5)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(QRect(x + 3, y - 3, card, card), 1.5, 1.5)  # the card behind
    painter.setBrush(_STACK)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(QRect(x, y, card, card), 1.5, 1.5)
    return box.left()


def video_badge(duration: float | None) -> str:
    """The gallery's mark of a video: "▶ 0:05" (minutes:seconds), or "▶" before it is known."""
    if duration is None or duration <= 0:
        return "▶"
    seconds = max(1, round(duration))
    return f"▶ {seconds // 60}:{seconds % 60:02d}"


def paint_video_badge(painter: QPainter, inner: QRect, duration: float | None) -> None:
    """A dark pill at the bottom right with the play mark and the duration."""
    text = video_badge(duration)
    font = painter.font()
    font.setPixelSize(12)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    width = metrics.horizontalAdvance(text) + 12
    height = metrics.height() + 4
    pill = QRect(inner.right() - width + 1, inner.bottom() - height + 1, width, height)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(_PILL_BG)
    painter.drawRoundedRect(pill, height / 2, height / 2)
    painter.setPen(_PILL_TEXT)
    painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
