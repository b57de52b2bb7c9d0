"""Undo history for the canvas: each step keeps only the old pixels of the rects it changed.

A :class:`PixelStep` holds, per layer, a few rects and their pixels before the change. Undoing
swaps them with the current pixels (which then serve the redo), so one structure serves both
ways. A stroke collects its backups tile by tile while it paints (:class:`TileBackup`): a tile is
copied the first time a dab touches it, never the whole layer. Steps that change the canvas size
(outpaint's grow, a new picture) are :class:`SizeStep` s, which carry whole layers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage, QPainter

__all__ = ["History", "PixelStep", "SizeStep", "TileBackup", "put_pixels"]

TILE = 64


def put_pixels(target: QImage, at: QPoint, pixels: QImage) -> None:
    """Copy ``pixels`` into ``target`` at ``at``, replacing (not blending) what is there."""
    p = QPainter(target)
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
    p.drawImage(at, pixels)
    p.end()


@dataclass
class PixelStep:
    """Old pixels of some rects of named layers: ``patches[layer] = [(rect, pixels), ...]``."""

    patches: dict[str, list[tuple[QRect, QImage]]] = field(default_factory=dict)

    def add(self, layer: str, rect: QRect, pixels: QImage) -> None:
        self.patches.setdefault(layer, []).append((QRect(rect), pixels))

    def swap(self, layers: dict[str, QImage]) -> QRect:
        """Put the kept pixels back and keep the current ones instead; the changed rect."""
        dirty = QRect()
        for name, patches in self.patches.items():
            image = layers[name]
            swapped = []
            for rect, pixels in patches:
                swapped.append((rect, image.copy(rect)))
                put_pixels(image, rect.topLeft(), pixels)
                dirty = dirty.united(rect)
            self.patches[name] = swapped
        return dirty

    @property
    def nbytes(self) -> int:
        return sum(px.sizeInBytes() for ps in self.patches.values() for _, px in ps)

    def empty(self) -> bool:
        return not any(self.patches.values())


@dataclass
class SizeStep:
    """A change of whole layers (a new size, a new picture): the layers before it, and the id of
    the library image the canvas was opened from. Layers a step leaves alone are the same
    objects before and after it, so steps before and after it keep applying to them."""

    layers: dict[str, QImage]
    source_id: str | None = None
    #: the layers the step replaces (what it holds alone, for the history's bound)
    replaced: tuple[str, ...] = ("base", "sketch", "mask")

    def swap(
        self, current: dict[str, QImage], source_id: str | None
    ) -> tuple[dict[str, QImage], str | None]:
        old = (self.layers, self.source_id)
        self.layers, self.source_id = dict(current), source_id
        return old

    @property
    def nbytes(self) -> int:
        return sum(self.layers[name].sizeInBytes() for name in self.replaced)


Step = PixelStep | SizeStep


class TileBackup:
    """Old pixels of one layer, copied tile by tile as a stroke first touches each tile."""

    def __init__(self, layer: str, image: QImage) -> None:
        self.layer = layer
        self.image = image
        self.tiles: dict[tuple[int, int], QImage] = {}
        self.bounds = QRect()

    def cover(self, rect: QRect) -> None:
        """Keep the old pixels of every tile ``rect`` touches (before it is painted)."""
        rect = rect.intersected(self.image.rect())
        if rect.isEmpty():
            return
        self.bounds = self.bounds.united(rect)
        for ty in range(rect.top() // TILE, rect.bottom() // TILE + 1):
            for tx in range(rect.left() // TILE, rect.right() // TILE + 1):
                if (tx, ty) not in self.tiles:
                    tile = QRect(tx * TILE, ty * TILE, TILE, TILE).intersected(self.image.rect())
                    self.tiles[(tx, ty)] = self.image.copy(tile)

    def step(self) -> PixelStep:
        step = PixelStep()
        for (tx, ty), pixels in self.tiles.items():
            step.add(
                self.layer, QRect(tx * TILE, ty * TILE, pixels.width(), pixels.height()), pixels
            )
        return step


class History:
    """A bounded undo / redo stack of steps (by count and by bytes held)."""

    def __init__(self, max_steps: int = 100, max_bytes: int = 512 * 1024 * 1024) -> None:
        self.max_steps = max_steps
        self.max_bytes = max_bytes
        self.undo_steps: list[Step] = []
        self.redo_steps: list[Step] = []
        self.on_change: Callable[[], None] = lambda: None

    def push(self, step: Step) -> None:
        self.undo_steps.append(step)
        self.redo_steps.clear()
        while len(self.undo_steps) > 1 and (
            len(self.undo_steps) > self.max_steps or self.nbytes > self.max_bytes
        ):
            self.undo_steps.pop(0)
        self.on_change()

    def take_undo(self) -> Step | None:
        if not self.undo_steps:
            return None
        step = self.undo_steps.pop()
        self.redo_steps.append(step)
        self.on_change()
        return step

    def take_redo(self) -> Step | None:
        if not self.redo_steps:
            return None
        step = self.redo_steps.pop()
        self.undo_steps.append(step)
        self.on_change()
        return step

    def clear(self) -> None:
        self.undo_steps.clear()
        self.redo_steps.clear()
        self.on_change()

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.undo_steps) + sum(s.nbytes for s in self.redo_steps)

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_steps)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_steps)
