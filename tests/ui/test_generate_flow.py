"""Generate end to end as an artist would: pick a model, type, Ctrl+Enter, watch the gallery."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from leodesk.qt.models.catalog_model import MODEL_ROLE


def _wait_models(qtbot: Any, window: Any) -> None:
    qtbot.waitUntil(lambda: window.browser.proxy.rowCount() > 3, timeout=10000)


def test_pick_model_type_prompt_generate(qtbot: Any, app_window: Any, sim: Any) -> None:
    w = app_window
    _wait_models(qtbot, w)
    qtbot.waitUntil(lambda: w.balance_label.text().endswith("credits"), timeout=10000)
    credits_before = w.balance_label.text()

    # search and click a model
    qtbot.keyClicks(w.browser.search, "vision")
    qtbot.waitUntil(lambda: w.browser.proxy.rowCount() == 1, timeout=5000)
    idx = w.browser.proxy.index(0, 0)
    rect = w.browser.view.visualRect(idx)
    qtbot.mouseClick(w.browser.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    chosen = idx.data(MODEL_ROLE)
    assert w.form.model() == chosen

    # type a prompt and press Ctrl+Enter
    prompt = w.form.findChild(object, "promptEdit")
    prompt.setFocus()
    qtbot.keyClicks(prompt, "a lighthouse on a cliff at dusk")
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    n = w.form.request().num_images or 4
    qtbot.waitUntil(lambda: w.gallery.model().rowCount() == n, timeout=20000)
    jobs = w.jobs.model.jobs()
    assert len(jobs) == 1 and jobs[0].state == "done"

    # exactly one submit, with the model and the prompt, never public
    posts = [r for r in sim.requests if r.method == "POST" and r.path == "/generations"]
    assert len(posts) == 1
    assert posts[0].json["prompt"] == "a lighthouse on a cliff at dusk"
    assert posts[0].json["modelId"] == chosen.id
    assert posts[0].json["public"] is False

    # thumbnails arrive in the gallery (decoration becomes a real picture)
    model = w.gallery.model()
    key = model.thumb_key(model.record(0))
    qtbot.waitUntil(lambda: w.ctx.thumbs.pixmap(key) is not None, timeout=10000)
    # the balance refreshes after the job
    qtbot.waitUntil(lambda: w.balance_label.text() != credits_before, timeout=10000)


def test_failed_and_moderated_jobs_show_their_messages(qtbot: Any, app_window: Any) -> None:
    w = app_window
    _wait_models(qtbot, w)
    prompt = w.form.findChild(object, "promptEdit")
    prompt.setFocus()
    qtbot.keyClicks(prompt, "a nsfwword scene")
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(j.state == "failed" for j in w.jobs.model.jobs()), timeout=10000)
    assert "moderation" in w.jobs.detail.text().lower()

    prompt.clear()
    qtbot.keyClicks(prompt, "simfail castle")
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: sum(j.state == "failed" for j in w.jobs.model.jobs()) == 2, timeout=15000
    )
    assert "refunded" in w.jobs.detail.text()
    assert w.gallery.model().rowCount() == 0
