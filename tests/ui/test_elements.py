"""The form's Elements section in the running app over the simulator: the platform's and the
user's own elements fitting the chosen model, with previews; several ticked with weights, sent,
stored with the generation and recalled; an own element deleted after a confirmation."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QListWidget, QMessageBox, QPushButton, QWidget

from leodesk.core.api.models import ElementRef
from leodesk.core.elements import own_key
from leodesk.qt.thumbnails import key_for
from leodesk.sim import catalog as sim_catalog
from tests.helpers.spec import validate_request
from tests.ui.helpers import (
    Apps,
    activate,
    child,
    click_row,
    generate,
    replace_text,
    sim_runtime,
    wait_idle,
    wait_models,
)

AK = {e.name: e.ak_uuid for e in sim_catalog.PLATFORM_ELEMENTS}


def _names(elements: QListWidget) -> list[str]:
    return [elements.item(i).text().split("  ·  ")[0] for i in range(elements.count())]


def _row(elements: QListWidget, name: str) -> int:
    names = _names(elements)
    assert name in names, names
    return names.index(name)


def _select(qtbot: Any, elements: QListWidget, name: str) -> int:
    """Click the element's row (scrolled into view); its row."""
    row = _row(elements, name)
    elements.scrollToItem(elements.item(row))
    rect = elements.visualItemRect(elements.item(row))
    qtbot.mouseClick(elements.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert elements.currentRow() == row
    return row


def _tick(qtbot: Any, elements: QListWidget, name: str, weight: str, spin: QWidget) -> None:
    """Click the element's row, tick it with Space, type its weight."""
    row = _select(qtbot, elements, name)
    QTest.keyClick(elements, Qt.Key.Key_Space)
    assert elements.item(row).checkState() == Qt.CheckState.Checked
    _type_weight(qtbot, spin, weight)


def _type_weight(qtbot: Any, spin: QWidget, weight: str) -> None:
    replace_text(qtbot, spin, weight)
    QTest.keyClick(spin, Qt.Key.Key_Tab)


def _model(window: Any, name: str) -> Any:
    return next(m for m in window.ctx.platform_models.models() if m.name == name)


def test_elements_fit_the_model_are_sent_stored_recalled_and_deleted(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    form = window.form
    qtbot.mouseClick(child(form, QWidget, "elementsSectionToggle"), Qt.MouseButton.LeftButton)
    elements = child(form, QListWidget, "elementsList")
    spin = child(form, QWidget, "elementWeightSpin")
    form.set_model(_model(window, "Leonardo Kino XL"))  # SDXL
    # the list comes from the cache, then the refresh; the fit once the model's facts are read
    qtbot.waitUntil(lambda: "My Cat Mochi" in _names(elements), timeout=10000)
    qtbot.waitUntil(lambda: "Neon Glow" not in _names(elements), timeout=10000)
    shown = _names(elements)
    # SDXL elements, own ones first; SD 1.5, Phoenix and Flux ones are not offered
    assert shown[:2] == ["My Cat Mochi", "Brush Texture"]
    assert {"Crystal Glass", "Ink Wash", "Clay Figures"} <= set(shown)
    assert not {"Neon Glow", "Paper Cutout", "Botanical Plate", "Logo Mascot"} & set(shown)
    clay = elements.item(_row(elements, "Clay Figures")).text()
    assert "Hand-made plasticine" in clay and "Weight 0 to 1 (default 1)" in clay
    # previews from the simulator's CDN
    url = next(e for e in window.ctx.elements.platform if e.name == "Clay Figures").url_image
    qtbot.waitUntil(
        lambda: window.ctx.model_thumbs.pixmap(key_for("element", url)) is not None, timeout=10000
    )

    _tick(qtbot, elements, "Clay Figures", "0.4", spin)
    _tick(qtbot, elements, "Crystal Glass", "1.5", spin)
    _tick(qtbot, elements, "My Cat Mochi", "0.8", spin)
    # the weight box takes the selected element's range: Clay Figures 0 to 1
    _select(qtbot, elements, "Clay Figures")
    assert (spin.minimum(), spin.maximum(), spin.value()) == (0, 1, 0.4)
    _type_weight(qtbot, spin, "0.65")
    assert child(form, QWidget, "elementsHintLabel").text().startswith("3 of ")

    records = generate(qtbot, window, "a clay cat on a glass table")
    posts = [r for r in sim.requests if r.method == "POST" and r.path == "/generations"]
    body = posts[-1].json
    validate_request("createGeneration", body)
    assert {e["akUUID"]: e["weight"] for e in body["elements"]} == {
        AK["Crystal Glass"]: 1.5,
        AK["Clay Figures"]: 0.65,
    }
    assert body["userElements"] == [{"userLoraId": 1001, "weight": 0.8}]

    # recall: a new draft brings the elements back with their weights
    activate(qtbot, window)
    ids = [r.id for r in records]
    rows = [i for i in range(window.gallery.model().rowCount())]
    first = next(i for i in rows if window.gallery.model().image_id(i) in ids)
    click_row(qtbot, window.gallery, first)
    for name in ("Crystal Glass", "My Cat Mochi"):
        _select(qtbot, elements, name)
        QTest.keyClick(elements, Qt.Key.Key_Space)  # untick in this draft
    assert form.request().elements == (ElementRef(AK["Clay Figures"], 0.65),)
    assert form.request().user_elements is None
    # the details panel names them with their weights; ↩ brings them back into this draft
    shown = child(window, QWidget, "meta_elements").text()
    assert set(shown.split(", ")) == {"Crystal Glass 1.5", "Clay Figures 0.65", "My Cat Mochi 0.8"}
    qtbot.mouseClick(child(window, QWidget, "recall_elements"), Qt.MouseButton.LeftButton)
    assert len(form.request().elements or ()) == 2 and form.request().user_elements
    assert child(window, QWidget, "draftTabs").count() == 1
    for name in ("Crystal Glass", "My Cat Mochi"):
        _select(qtbot, elements, name)
        QTest.keyClick(elements, Qt.Key.Key_Space)
    assert form.request().user_elements is None
    qtbot.mouseClick(child(window, QWidget, "recallAllButton"), Qt.MouseButton.LeftButton)
    assert child(window, QWidget, "draftTabs").count() == 2
    recalled = form.form_state()
    assert {e.ak_uuid: e.weight for e in recalled.elements} == {
        AK["Crystal Glass"]: 1.5,
        AK["Clay Figures"]: 0.65,
    }
    assert [(u.user_lora_id, u.weight) for u in recalled.user_elements] == [(1001, 0.8)]
    ticked = [
        _names(elements)[i]
        for i in range(elements.count())
        if elements.item(i).checkState() == Qt.CheckState.Checked
    ]
    assert sorted(ticked) == ["Clay Figures", "Crystal Glass", "My Cat Mochi"]

    # delete an own element: Cancel keeps it, Yes deletes it on the server and in the cache
    delete = child(form, QPushButton, "elementDeleteButton")
    _select(qtbot, elements, "Crystal Glass")
    assert not delete.isEnabled()
    _select(qtbot, elements, "Brush Texture")
    assert delete.isEnabled()
    for answer in (QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes):
        _answer_next_box(qtbot, answer)
        qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
        if answer is QMessageBox.StandardButton.Cancel:
            assert "Brush Texture" in _names(elements)
    qtbot.waitUntil(lambda: "Brush Texture" not in _names(elements), timeout=10000)
    cached = {e.key for e in window.ctx.backend.reader.load_elements("own")}
    assert own_key(1001) in cached and own_key(1002) not in cached
    assert sim.state.user_element_by_id(1002) == {"user_loras_by_pk": None}
    wait_idle(qtbot, window)


def _answer_next_box(
    qtbot: Any, answer: QMessageBox.StandardButton, name: str = "Brush Texture"
) -> None:
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        assert box.objectName() == "deleteElementConfirm"
        assert name in box.text()
        qtbot.mouseClick(box.button(answer), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, click)


def test_the_cached_elements_show_at_once_when_the_server_is_gone(
    qtbot: Any, apps: Apps, make_sim: Any
) -> None:
    sim = make_sim(seed=5)
    first = apps.start(sim_runtime(sim))
    elements = child(first.form, QListWidget, "elementsList")
    qtbot.waitUntil(lambda: "My Cat Mochi" in _names(elements), timeout=10000)
    wait_idle(qtbot, first)
    runtime = sim_runtime(sim)
    apps.shutdown_all()
    sim.stop()  # offline from here on
    again = apps.start(runtime)
    listed = child(again.form, QListWidget, "elementsList")
    # from the library, before any answer could come
    assert "My Cat Mochi" in _names(listed) and "Crystal Glass" in _names(listed)
    hint = child(again.form, QWidget, "elementsHintLabel").text()
    assert hint.endswith("elements chosen")
    wait_idle(qtbot, again, timeout=30000)


def test_a_delete_the_server_refuses_is_said_and_the_element_stays(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    window = apps.start(sim_runtime(sim))
    form = window.form
    qtbot.mouseClick(child(form, QWidget, "elementsSectionToggle"), Qt.MouseButton.LeftButton)
    elements = child(form, QListWidget, "elementsList")
    qtbot.waitUntil(lambda: "My Cat Mochi" in _names(elements), timeout=10000)
    sim.add_fault("DELETE", "/elements/1001", "500", times=50)
    _select(qtbot, elements, "My Cat Mochi")
    _answer_next_box(qtbot, QMessageBox.StandardButton.Yes, "My Cat Mochi")
    qtbot.mouseClick(child(form, QPushButton, "elementDeleteButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage().startswith("Not deleted"), timeout=30000
    )
    assert "My Cat Mochi" in _names(elements)
    assert own_key(1001) in {e.key for e in window.ctx.backend.reader.load_elements("own")}
    wait_idle(qtbot, window)


def test_an_element_preview_arriving_does_not_refresh_the_form(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    form = window.form
    elements = child(form, QListWidget, "elementsList")
    form.set_model(_model(window, "Leonardo Kino XL"))  # SDXL: Clay Figures is offered
    qtbot.waitUntil(lambda: "Clay Figures" in _names(elements), timeout=10000)
    url = next(e for e in window.ctx.elements.platform if e.name == "Clay Figures").url_image
    key = key_for("element", url)
    qtbot.waitUntil(lambda: window.ctx.model_thumbs.pixmap(key) is not None, timeout=10000)
    item = elements.item(_row(elements, "Clay Figures"))
    item.setIcon(QIcon())
    refreshed: list[bool] = []
    form.state_changed.connect(lambda: refreshed.append(True))
    window.ctx.model_thumbs.ready.emit(key)  # as when the preview comes in
    assert not item.icon().isNull()  # the preview is shown
    assert refreshed == []  # and the form did not redo its rules for it
