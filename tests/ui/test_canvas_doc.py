"""CanvasDocument: strokes, soft edges, mask operations, exact undo / redo, grow for outpaint."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPointF, QRect, QSize
from PySide6.QtGui import QColor, QImage

from leodesk.qt.canvas_doc import CanvasDocument, Tool, grow_by_fraction, grow_to_aspect


def mask_values(doc: CanvasDocument) -> list[list[int]]:
    m = doc.export_mask()
    bits = bytes(m.constBits())
    bpl = m.bytesPerLine()
    return [list(bits[y * bpl : y * bpl + m.width()]) for y in range(m.height())]


def painted_box(doc: CanvasDocument) -> QRect:
    box = QRect()
    for y, row in enumerate(mask_values(doc)):
        xs = [x for x, v in enumerate(row) if v]
        if xs:
            box = box.united(QRect(xs[0], y, xs[-1] - xs[0] + 1, 1))
    return box


@pytest.fixture
def doc(qapp: Any) -> CanvasDocument:
    d = CanvasDocument()
    d.new_blank(256, 192, QColor(90, 90, 90))
    return d


def stroke(doc: CanvasDocument, tool: str, *points: tuple[float, float]) -> None:
    doc.begin_stroke(tool, QPointF(*points[0]))
    for p in points[1:]:
        doc.stroke_to(QPointF(*p))
    doc.end_stroke()


def test_a_stroke_masks_its_path_and_nothing_else(doc: CanvasDocument) -> None:
    changes: list[QRect] = []
    doc.changed.connect(changes.append)
    doc.set_brush_size(20)
    doc.set_hardness(1.0)
    rev = doc.revision
    assert doc.mask_is_empty()
    stroke(doc, Tool.MASK_BRUSH, (40, 60), (200, 60))
    values = mask_values(doc)
    assert all(values[60][x] == 255 for x in range(40, 201))
    assert values[60][20] == 0 and values[60][225] == 0 and values[85][120] == 0
    assert painted_box(doc) == QRect(30, 50, 180, 20)
    # every change said where it was, and bumped the revision
    union = QRect()
    for r in changes:
        union = union.united(r)
    assert union.contains(painted_box(doc))
    assert doc.revision >= rev + len(changes) > rev
    assert not doc.mask_is_empty()
    assert doc.sketch_is_empty()


def test_hardness_gives_a_soft_edge(doc: CanvasDocument) -> None:
    doc.set_brush_size(60)

    def ramp() -> list[int]:
        return [mask_values(doc)[96][128 + d] for d in range(0, 31)]

    doc.set_hardness(1.0)
    stroke(doc, Tool.MASK_BRUSH, (128, 96))
    hard = ramp()
    doc.clear_mask()
    doc.set_hardness(0.1)
    stroke(doc, Tool.MASK_BRUSH, (128, 96))
    soft = ramp()
    assert sum(0 < v < 255 for v in hard) <= 2  # a one-pixel rim
    assert sum(0 < v < 255 for v in soft) >= 15  # a long fade
    assert soft == sorted(soft, reverse=True) and soft[0] > 200 and soft[-1] < 20


def test_eraser_and_colour_tools_touch_their_own_layer(doc: CanvasDocument) -> None:
    doc.set_brush_size(30)
    doc.set_hardness(1.0)
    doc.fill_mask()
    stroke(doc, Tool.MASK_ERASER, (128, 20), (128, 170))
    values = mask_values(doc)
    assert values[96][128] == 0 and values[96][60] == 255
    doc.set_colour(QColor(0, 0, 255))
    stroke(doc, Tool.COLOUR_BRUSH, (20, 20), (60, 20))
    assert doc.sketch.pixelColor(40, 20) == QColor(0, 0, 255)
    assert doc.export_sketch_composite().pixelColor(40, 20) == QColor(0, 0, 255)
    assert doc.export_sketch_composite().pixelColor(40, 120) == QColor(90, 90, 90)
    assert mask_values(doc) == values  # the colour brush left the mask alone
    doc.set_brush_size(40)  # wider: the first stroke's anti-aliased rim goes too
    stroke(doc, Tool.COLOUR_ERASER, (0, 20), (100, 20))
    assert doc.sketch_is_empty()


def test_undo_and_redo_restore_exact_pixels(doc: CanvasDocument) -> None:
    doc.set_brush_size(25)
    doc.set_hardness(0.4)
    states = [(doc.export_mask(), doc.sketch.copy())]
    stroke(doc, Tool.MASK_BRUSH, (10, 10), (240, 180), (30, 170))
    states.append((doc.export_mask(), doc.sketch.copy()))
    doc.set_colour(QColor(10, 200, 30))
    stroke(doc, Tool.COLOUR_BRUSH, (100, 10), (110, 180))
    states.append((doc.export_mask(), doc.sketch.copy()))
    for op in (doc.invert_mask, doc.clear_mask, doc.fill_mask):
        op()
        states.append((doc.export_mask(), doc.sketch.copy()))
    stroke(doc, Tool.MASK_ERASER, (0, 96), (256, 96))
    states.append((doc.export_mask(), doc.sketch.copy()))
    for want in reversed(states[:-1]):
        assert doc.undo()
        assert (doc.export_mask(), doc.sketch) == want
    assert not doc.undo() and not doc.can_undo
    for want in states[1:]:
        assert doc.redo()
        assert (doc.export_mask(), doc.sketch) == want
    assert not doc.can_redo


def test_invert_and_fill(doc: CanvasDocument) -> None:
    doc.set_brush_size(10)
    stroke(doc, Tool.MASK_BRUSH, (50, 50))
    doc.invert_mask()
    values = mask_values(doc)
    assert values[50][50] == 0 and values[0][0] == 255 and values[191][255] == 255
    doc.fill_mask()
    assert all(v == 255 for row in mask_values(doc) for v in row)
    doc.clear_mask()
    assert doc.mask_is_empty()


def test_a_stroke_keeps_only_the_tiles_it_touched(qapp: Any) -> None:
    doc = CanvasDocument()
    doc.new_blank(1536, 1536)
    doc.set_brush_size(30)
    stroke(doc, Tool.MASK_BRUSH, (100, 100), (300, 120))
    whole = doc.mask.sizeInBytes()
    assert 0 < doc.history.nbytes < whole / 50


def test_history_is_bounded(doc: CanvasDocument) -> None:
    doc.history.max_steps = 5
    for k in range(9):
        stroke(doc, Tool.MASK_BRUSH, (10 + k * 20, 10))
    assert len(doc.history.undo_steps) == 5


def test_grow_adds_masked_transparent_area_and_undoes(doc: CanvasDocument) -> None:
    sizes: list[QSize] = []
    doc.size_changed.connect(sizes.append)
    doc.set_brush_size(10)
    stroke(doc, Tool.MASK_BRUSH, (5, 5))
    before = (doc.export_base(), doc.export_mask())
    doc.grow(16, 32, 8, 0)
    assert doc.size() == QSize(256 + 48, 192 + 8) == sizes[-1]
    values = mask_values(doc)
    assert values[100][5] == 255 and values[4][100] == 255 and values[100][300] == 255
    assert values[100][100] == 0  # the old picture is not mask
    assert values[8 + 5][16 + 5] == 255  # the old mask moved with the picture
    assert doc.base.pixelColor(5, 100).alpha() == 0
    assert doc.base.pixelColor(100, 100) == QColor(90, 90, 90)
    assert doc.export_base().copy(QRect(16, 8, 256, 192)) == before[0]
    doc.undo()
    assert (doc.export_base(), doc.export_mask()) == before and sizes[-1] == QSize(256, 192)
    doc.redo()
    assert doc.size() == QSize(304, 200)


def test_grow_presets_make_sides_multiples_of_8() -> None:
    assert grow_by_fraction(1024, 768) == (256, 256, 192, 192)
    left, right, top, bottom = grow_by_fraction(1000, 700)
    assert (1000 + left + right) % 8 == 0 and (700 + top + bottom) % 8 == 0
    assert left >= 250 and top >= 175
    for w, h, aw, ah in ((1024, 768, 16, 9), (1024, 1024, 9, 16), (1000, 600, 1, 1)):
        left, right, top, bottom = grow_to_aspect(w, h, aw, ah)
        nw, nh = w + left + right, h + top + bottom
        assert nw >= w and nh >= h and min(left, right, top, bottom) >= 0
        assert abs(nw / nh - aw / ah) < 0.02
    assert grow_to_aspect(1024, 1024, 1, 1) == (0, 0, 0, 0)


def test_set_base_and_load_are_undoable_and_carry_the_source_id(doc: CanvasDocument) -> None:
    stroke(doc, Tool.MASK_BRUSH, (50, 50))
    mask = doc.export_mask()
    red = QImage(256, 192, QImage.Format.Format_RGB32)
    red.fill(QColor(255, 0, 0))
    doc.set_base(red, "result-1")  # the same size: the mask stays
    assert doc.base.pixelColor(3, 3) == QColor(255, 0, 0) and doc.export_mask() == mask
    assert doc.source_id == "result-1"
    doc.undo()
    assert doc.base.pixelColor(3, 3) == QColor(90, 90, 90) and doc.source_id is None
    doc.redo()
    stroke(doc, Tool.MASK_BRUSH, (150, 50))  # painting after a new base undoes in order
    doc.undo()
    assert doc.export_mask() == mask and doc.source_id == "result-1"
    doc.load(QImage(64, 64, QImage.Format.Format_RGB32), "other")
    assert doc.size() == QSize(64, 64) and doc.mask_is_empty() and doc.source_id == "other"
    doc.undo()  # opening another picture loses nothing
    assert doc.size() == QSize(256, 192) and doc.export_mask() == mask
    assert doc.source_id == "result-1" and doc.base.pixelColor(3, 3) == QColor(255, 0, 0)


def test_opening_an_untouched_canvas_leaves_no_step(qapp: Any) -> None:
    doc = CanvasDocument()
    doc.new_blank(64, 64)
    doc.load(QImage(32, 32, QImage.Format.Format_RGB32), "a")
    assert not doc.can_undo
