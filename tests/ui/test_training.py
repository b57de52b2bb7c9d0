"""Datasets and training in the app, on the simulator over real HTTP: files and folders dropped
on ``datasetView`` (the unsupported ones listed), gallery images added without re-upload,
images removed, a dataset deleted after a confirm, the Train dialog (``trainButton``: cost
first, limits checked), a training followed to its end, one that fails, and a restart during a
training that follows it again without sending it twice."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QWidget

from tests.ui.helpers import (
    Apps,
    child,
    choose_from_context_menu,
    click_row,
    fast_sync,
    sim_runtime,
    start_history_sim,
    sync_library,
    type_text,
    wait_models,
)


def write_images(folder: Path, n: int, shade: int = 90) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        buffer = io.BytesIO()
        Image.new("RGB", (48, 48), (30 * i % 255, shade, 160)).save(buffer, "PNG")
        (folder / f"photo{i}.png").write_bytes(buffer.getvalue())
    (folder / "notes.txt").write_text("not an image")
    return folder


def drop_paths(widget: QWidget, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target = widget.viewport() if hasattr(widget, "viewport") else widget
    pos = QPoint(target.width() // 2, target.height() // 2)
    mods = Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, mods)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, mods)
    QApplication.sendEvent(target, drop)


def click(qtbot: Any, parent: QWidget, name: str) -> None:
    button = child(parent, QPushButton, name)
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def open_datasets(qtbot: Any, window: Any) -> Any:
    window.training_link.open_action.trigger()
    datasets = window.training_link.datasets_window
    qtbot.waitExposed(datasets)
    return datasets


def new_dataset(qtbot: Any, window: Any, datasets: Any, name: str) -> str:
    window.training_link.ask_name = lambda: name
    click(qtbot, datasets, "newDatasetButton")
    qtbot.waitUntil(lambda: datasets.current_id() != "", timeout=10000)
    qtbot.waitUntil(lambda: name in datasets.title.text(), timeout=10000)
    return str(datasets.current_id())


def drop_and_wait(qtbot: Any, datasets: Any, paths: list[Path], count: int) -> str:
    view = child(datasets, QWidget, "datasetView")
    message = child(datasets, QLabel, "datasetMessage")
    message.clear()
    drop_paths(view, paths)
    qtbot.waitUntil(lambda: message.text().startswith("Added"), timeout=15000)
    qtbot.waitUntil(lambda: view.count() == count, timeout=10000)
    return str(message.text())


def open_train(qtbot: Any, window: Any, datasets: Any) -> Any:
    window.training_link.dialog = None
    click(qtbot, datasets, "trainButton")
    qtbot.waitUntil(lambda: window.training_link.dialog is not None, timeout=10000)
    dialog = window.training_link.dialog
    qtbot.waitExposed(dialog)
    return dialog


def fill_and_train(qtbot: Any, dialog: Any, name: str, prompt: str) -> None:
    type_text(qtbot, child(dialog, QLineEdit, "trainName"), name)
    type_text(qtbot, child(dialog, QLineEdit, "trainInstancePrompt"), prompt)
    cost = child(dialog, QLabel, "trainCost")
    qtbot.waitUntil(lambda: "credits" in cost.text(), timeout=10000)
    click(qtbot, dialog, "trainSendButton")


def start(qtbot: Any, apps: Apps, sim: Any) -> Any:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    window.ctx.training.poll_interval = 0.2
    return window


def test_datasets_drop_gallery_remove_train(qtbot: Any, apps: Apps, tmp_path: Path) -> None:
    sim = start_history_sim(2)
    try:
        window = start(qtbot, apps, sim)
        fast_sync(window)
        sync_library(qtbot, window)
        datasets = open_datasets(qtbot, window)
        first = new_dataset(qtbot, window, datasets, "Mochi")
        folder = write_images(tmp_path / "mochi", 5)
        text = drop_and_wait(qtbot, datasets, [folder], 5)
        assert "Added 5 images" in text and "notes.txt" in text and "not a PNG" in text
        assert sim.count("POST", "/s3/*") == 5
        # A gallery image joins through upload/gen: no S3 upload.
        window.training_link.ask_dataset = lambda: first
        click_row(qtbot, window.gallery, 0)
        rect = window.gallery.visualRect(window.gallery.model().index(0, 0))
        choose_from_context_menu(qtbot, window.gallery, rect.center(), "addToDatasetAction")
        view = child(datasets, QWidget, "datasetView")
        qtbot.waitUntil(lambda: view.count() == 6, timeout=10000)
        qtbot.waitUntil(lambda: sim.count("POST", "/datasets/*/upload/gen") == 1, timeout=5000)
        assert sim.count("POST", "/s3/*") == 5
        # Remove one uploaded image: the dataset is made again without it.
        qtbot.waitUntil(lambda: all("(" not in view.item(i).text() for i in range(6)), timeout=5000)
        qtbot.mouseClick(
            view.viewport(),
            Qt.MouseButton.LeftButton,
            pos=view.visualItemRect(view.item(0)).center(),
        )
        click(qtbot, datasets, "removeDatasetImagesButton")
        qtbot.waitUntil(lambda: datasets.current_id() not in ("", first), timeout=15000)
        qtbot.waitUntil(lambda: view.count() == 5, timeout=10000)
        rebuilt = datasets.current_id()
        assert sim.state.get_dataset(first)["datasets_by_pk"] is None
        assert len(sim.state.get_dataset(rebuilt)["datasets_by_pk"]["dataset_images"]) == 5
        # Train an element from it: cost first, then queued, followed, told.
        dialog = open_train(qtbot, window, datasets)
        fill_and_train(qtbot, dialog, "Mochi style", "mochicat")
        notices = window.ctx.notifier.history
        qtbot.waitUntil(lambda: any(n.title == "Training finished" for n in notices), timeout=20000)
        assert sim.count("POST", "/elements") == 1
        assert any(e.name == "Mochi style" for e in sim.state._user_elements.values())
        # Delete the dataset after a confirm.
        datasets.confirm = lambda _text: True
        click(qtbot, datasets, "deleteDatasetButton")
        qtbot.waitUntil(lambda: datasets.list.count() == 0, timeout=10000)
        assert sim.state.get_dataset(rebuilt)["datasets_by_pk"] is None
    finally:
        sim.stop()


def test_a_model_is_trained_and_appears_under_yours(
    qtbot: Any, apps: Apps, make_sim: Any, tmp_path: Path
) -> None:
    sim = make_sim(seed=5, generation_seconds=0.3)
    window = start(qtbot, apps, sim)
    datasets = open_datasets(qtbot, window)
    new_dataset(qtbot, window, datasets, "Small")
    drop_and_wait(qtbot, datasets, list(write_images(tmp_path / "few", 2).glob("*.png")), 2)
    dialog = open_train(qtbot, window, datasets)
    dialog.kind.setCurrentIndex(dialog.kind.findData("model"))
    check = child(dialog, QLabel, "trainCheck")
    assert "at least 5" in check.text()
    send = child(dialog, QPushButton, "trainSendButton")
    type_text(qtbot, child(dialog, QLineEdit, "trainName"), "Too small")
    assert not send.isEnabled()
    dialog.reject()
    more = list(write_images(tmp_path / "more", 4, shade=20).glob("*.png"))
    again = list((tmp_path / "few").glob("*.png"))  # the same pictures again: kept once
    text = drop_and_wait(qtbot, datasets, more + again, 6)
    assert "Added 4 images" in text and "2 already in the dataset" in text
    dialog = open_train(qtbot, window, datasets)
    dialog.kind.setCurrentIndex(dialog.kind.findData("model"))
    fill_and_train(qtbot, dialog, "Product shots v3", "prodshot")
    qtbot.waitUntil(
        lambda: any(m.name == "Product shots v3" for m in window.ctx.own_models.models()),
        timeout=20000,
    )
    assert sim.count("POST", "/models") == 1
    # Delete it from the model browser's Yours tab (after a confirm).
    browser = window.browser
    browser.tabs.setCurrentIndex(1)
    view = browser.view
    names = [view.model().index(r, 0).data() for r in range(view.model().rowCount())]
    row = next(r for r, n in enumerate(names) if "Product shots v3" in str(n))
    window.training_link.confirm_delete = lambda _name: True
    rect = view.visualRect(view.model().index(row, 0))
    choose_from_context_menu(qtbot, view, rect.center(), "deleteModelAction")
    qtbot.waitUntil(
        lambda: all(m.name != "Product shots v3" for m in window.ctx.own_models.models()),
        timeout=10000,
    )
    assert sim.count("DELETE", "/models/*") == 1
    # A second dataset is shown once made (the first stays listed).
    second = new_dataset(qtbot, window, datasets, "Second")
    assert datasets.list.count() == 2 and child(datasets, QWidget, "datasetView").count() == 0
    assert second == datasets.current_id()


def test_a_failed_training_says_why(qtbot: Any, apps: Apps, make_sim: Any, tmp_path: Path) -> None:
    sim = make_sim(seed=6, generation_seconds=0.3)
    window = start(qtbot, apps, sim)
    datasets = open_datasets(qtbot, window)
    new_dataset(qtbot, window, datasets, "Doomed")
    drop_and_wait(qtbot, datasets, [write_images(tmp_path / "d", 5)], 5)
    before = sim.state.credits
    fill_and_train(qtbot, open_train(qtbot, window, datasets), "simfail look", "doomword")
    notices = window.ctx.notifier.history
    qtbot.waitUntil(lambda: any("failed on the server" in n.text for n in notices), timeout=20000)
    assert sim.state.credits == before  # refunded


def test_a_restart_during_training_follows_it_again(
    qtbot: Any, apps: Apps, make_sim: Any, tmp_path: Path
) -> None:
    sim = make_sim(seed=8, generation_seconds=2.0)  # a training takes 8 s
    window = start(qtbot, apps, sim)
    datasets = open_datasets(qtbot, window)
    new_dataset(qtbot, window, datasets, "Long")
    drop_and_wait(qtbot, datasets, [write_images(tmp_path / "l", 5)], 5)
    fill_and_train(qtbot, open_train(qtbot, window, datasets), "Long one", "longword")

    def following() -> bool:
        jobs = window.jobs.model.jobs()
        return bool(jobs) and jobs[0].state == "pending" and bool(jobs[0].generation_id)

    qtbot.waitUntil(following, timeout=10000)
    element_id = window.jobs.model.jobs()[0].generation_id
    window.close()
    again = start(qtbot, apps, sim)
    notices = again.ctx.notifier.history
    qtbot.waitUntil(lambda: any(n.title == "Training finished" for n in notices), timeout=30000)
    assert sim.count("POST", "/elements") == 1
    assert sim.count("GET", f"/elements/{element_id}") >= 2


def test_a_lost_answer_is_looked_for_in_the_app(
    qtbot: Any, apps: Apps, make_sim: Any, tmp_path: Path
) -> None:
    sim = make_sim(seed=9, generation_seconds=0.3)
    window = start(qtbot, apps, sim)
    window.ctx.training.look_delay = 0.2
    datasets = open_datasets(qtbot, window)
    new_dataset(qtbot, window, datasets, "Lost")
    drop_and_wait(qtbot, datasets, [write_images(tmp_path / "l", 5)], 5)
    sim.add_fault("POST", "/elements", "reset", commit=True, times=1)
    fill_and_train(qtbot, open_train(qtbot, window, datasets), "Lost answer", "lostword")
    notices = window.ctx.notifier.history
    qtbot.waitUntil(lambda: any(n.title == "Training finished" for n in notices), timeout=20000)
    assert sim.count("POST", "/elements") == 1
    assert window.ctx.backend.library.unfinished_jobs() == []


def test_unfinished_uploads_resume_at_the_next_start(
    qtbot: Any, apps: Apps, make_sim: Any, tmp_path: Path
) -> None:
    sim = make_sim(seed=10, generation_seconds=0.3)
    window = start(qtbot, apps, sim)
    datasets = open_datasets(qtbot, window)
    new_dataset(qtbot, window, datasets, "Flaky")
    sim.add_fault("POST", "/s3/*", "503")  # the storage is down: nothing reaches it
    view = child(datasets, QWidget, "datasetView")
    message = child(datasets, QLabel, "datasetMessage")
    drop_paths(view, [write_images(tmp_path / "f", 2)])
    qtbot.waitUntil(lambda: "Not uploaded (2)" in message.text(), timeout=60000)
    assert "tried again" in message.text()
    window.close()
    sim.clear_faults()
    again = start(qtbot, apps, sim)
    library = again.ctx.backend.library
    ds = library.datasets()[0]
    qtbot.waitUntil(lambda: library.datasets()[0].uploaded == 2, timeout=20000)
    stored = sim.state.get_dataset(ds.id)["datasets_by_pk"]["dataset_images"]
    assert len(stored) == 2


def test_training_above_the_balance_warns_and_keeps_the_dialog(
    qtbot: Any, apps: Apps, make_sim: Any, tmp_path: Path
) -> None:
    from tests.ui.test_low_balance import Answer, set_balance

    sim = make_sim(seed=5, generation_seconds=0.3)
    window = start(qtbot, apps, sim)
    datasets = open_datasets(qtbot, window)
    new_dataset(qtbot, window, datasets, "Pots")
    drop_and_wait(qtbot, datasets, list(write_images(tmp_path / "pots", 5).glob("*.png")), 5)
    dialog = open_train(qtbot, window, datasets)
    dialog.kind.setCurrentIndex(dialog.kind.findData("model"))
    type_text(qtbot, child(dialog, QLineEdit, "trainName"), "Clay pots")
    type_text(qtbot, child(dialog, QLineEdit, "trainInstancePrompt"), "claypot")
    cost = child(dialog, QLabel, "trainCost")
    qtbot.waitUntil(lambda: "credits" in cost.text() and bool(dialog.price), timeout=10000)
    price = dialog.price
    set_balance(qtbot, window, sim, price - 1)

    answer = Answer("lowBalanceCancelButton")
    click(qtbot, dialog, "trainSendButton")
    assert answer.said == [
        f"This training costs {price:,} credits, and your balance is {price - 1:,} credits."
    ]
    assert dialog.isVisible()  # nothing lost: the settings stay for another try
    assert child(dialog, QLineEdit, "trainName").text() == "Clay pots"
    message = child(datasets, QLabel, "datasetMessage").text()
    assert message == "Not sent: your balance is below its cost"
    assert sim.count("POST", "/models") == 0

    set_balance(qtbot, window, sim, price)  # enough: sent without a question
    answer = Answer("lowBalanceCancelButton")
    click(qtbot, dialog, "trainSendButton")
    qtbot.waitUntil(lambda: sim.count("POST", "/models") == 1, timeout=10000)
    assert answer.said == []
    answer.stop()
    qtbot.waitUntil(
        lambda: any(m.name == "Clay pots" for m in window.ctx.own_models.models()), timeout=20000
    )
