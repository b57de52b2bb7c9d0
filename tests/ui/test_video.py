"""Video in the app, driven as a user: "Make video…" on a gallery image and "Text to video…",
the dialog's options per model (disabled with the reason), the cost first, the job through the
queue, the video item in the gallery with its poster and duration badge, and opening it.

Real simulator over loopback, real SQLite, real widgets found by objectName. The dialog is
shown and driven (not exec'd: a modal loop would block the test), the system player is a list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton

from leodesk.core.variations import video_path
from leodesk.ui.gallery import video_badge
from tests.helpers.spec import validate_request
from tests.ui.helpers import (
    Apps,
    cell_center,
    child,
    choose_from_context_menu,
    choose_in_combo,
    click_row,
    double_click,
    fast_sync,
    generate,
    replace_text,
    shown_records,
    sim_runtime,
    sync_library,
    wait_idle,
    wait_models,
)

PROMPT = "a paper lantern drifting over a lake"


@pytest.fixture
def window(qtbot: Any, sim: Any) -> Iterator[Any]:
    apps = Apps(qtbot)
    try:
        w = apps.start(sim_runtime(sim))
        wait_models(qtbot, w)
        generate(qtbot, w, PROMPT, num_images=2)
        w.played = []  # type: ignore[attr-defined]
        w.video_link.opener = lambda url, _title: w.played.append(url) or True
        w.ctx.videos.poll_interval = 0.1
        w.ctx.videos.reconcile_delay = 0.1
        yield w
        wait_idle(qtbot, w, timeout=30000)
    finally:
        apps.shutdown_all()


def _driver(qtbot: Any, steps: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A run_dialog that shows the dialog, waits for its first price, then runs ``steps``."""

    def run(dialog: Any) -> bool:
        dialog.show()
        qtbot.waitExposed(dialog)
        cost = child(dialog, QLabel, "videoCost")
        qtbot.waitUntil(lambda: "credit" in cost.text(), timeout=10000)
        accepted = steps(dialog)
        dialog.hide()
        return accepted

    return run


def _video_bodies(sim: Any, path: str) -> list[dict[str, Any]]:
    return [r.json for r in sim.requests if r.method == "POST" and r.path == path]


def _wait_video(qtbot: Any, window: Any, predicate: Callable[[Any], bool]) -> Any:
    def found() -> Any:
        return next(
            (r for r in shown_records(window) if r.is_video and r.has_file and predicate(r)), None
        )

    qtbot.waitUntil(lambda: bool(found() is not None and found().video_duration), timeout=30000)
    return found()


def test_make_video_from_the_context_menu(qtbot: Any, window: Any, sim: Any) -> None:
    source, other = shown_records(window)[:2]
    seen: dict[str, Any] = {}

    def steps(d: Any) -> bool:
        model = child(d, QComboBox, "videoModel")
        end = child(d, QComboBox, "videoEndFrame")
        interpolation = child(d, QCheckBox, "videoInterpolation")
        send = child(d, QPushButton, "videoSendButton")
        assert child(d, QPlainTextEdit, "videoPrompt").toPlainText() == PROMPT
        # Motion 2.0 (the default): no end frame, and the dialog says why
        assert not end.isEnabled() and "Kling 2.1" in end.toolTip()
        assert interpolation.isEnabled()
        # Veo 3: no frame interpolation; the duration can be chosen
        choose_in_combo(qtbot, model, "VEO3")
        assert not interpolation.isEnabled() and "interpolation" in interpolation.toolTip()
        assert child(d, QComboBox, "videoDuration").isEnabled()
        qtbot.waitUntil(lambda: "credit" in child(d, QLabel, "videoCost").text(), timeout=10000)
        seen["veo_cost"] = child(d, QLabel, "videoCost").text()
        # Kling 2.1 takes an end frame: the other gallery image
        choose_in_combo(qtbot, model, "KLING2_1")
        assert end.isEnabled()
        choose_in_combo(qtbot, end, other.id)
        qtbot.mouseClick(child(d, QCheckBox, "videoFixedSeed"), Qt.MouseButton.LeftButton)
        replace_text(qtbot, child(d, QLineEdit, "videoSeed"), "4242")
        replace_text(qtbot, child(d, QLineEdit, "videoNegativePrompt"), "text, watermark")
        qtbot.waitUntil(lambda: "credit" in child(d, QLabel, "videoCost").text(), timeout=10000)
        seen["cost"] = child(d, QLabel, "videoCost").text()
        assert send.isEnabled()
        return True

    window.video_link.run_dialog = _driver(qtbot, steps)
    view = window.gallery
    row = view.model().row_of(source.id)
    click_row(qtbot, view, row)
    texts = choose_from_context_menu(
        qtbot, view, cell_center(qtbot, view, view.model().index(row, 0)), "makeVideoAction"
    )
    assert "Make &video…" in texts
    video = _wait_video(qtbot, window, lambda r: r.parent_image_id == source.id)
    (body,) = _video_bodies(sim, "/generations-image-to-video")
    validate_request("createImageToVideoGeneration", body)
    assert body["imageId"] == source.id and body["imageType"] == "GENERATED"
    assert body["model"] == "KLING2_1" and body["endFrameImage"] == {
        "id": other.id,
        "type": "GENERATED",
    }
    assert body["seed"] == 4242 and body["negativePrompt"] == "text, watermark"
    assert body["isPublic"] is False and "frameInterpolation" not in body
    assert "400 credits" in seen["cost"] and "2000 credits" in seen["veo_cost"]
    assert video.transform == "IMAGE_TO_VIDEO" and video.video_duration == 5.0
    facts = window.ctx.backend.reader.get_video(video.id)
    assert facts is not None and facts.model == "KLING2_1" and facts.origin == "image_to_video"
    # opening the video item: the MP4 on this computer, through window.open_video
    double_click(
        qtbot, view, cell_center(qtbot, view, view.model().index(view.model().row_of(video.id), 0))
    )
    qtbot.waitUntil(lambda: bool(window.played), timeout=5000)
    path = video_path(window.ctx.backend.store.root, video.id)
    assert window.played[-1] == QUrl.fromLocalFile(str(path)) and path.is_file()


def test_text_to_video_from_the_file_menu(qtbot: Any, window: Any, sim: Any) -> None:
    def steps(d: Any) -> bool:
        send = child(d, QPushButton, "videoSendButton")
        prompt = child(d, QPlainTextEdit, "videoPrompt")
        assert not send.isEnabled()  # no prompt yet
        assert child(d, QLabel, "videoProblems").text() == "Write a prompt."
        prompt.setFocus()
        qtbot.keyClicks(prompt, "fireflies in a jar")
        enhance = child(d, QCheckBox, "videoEnhance")
        instruction = child(d, QLineEdit, "videoEnhanceInstruction")
        assert not instruction.isEnabled()
        qtbot.mouseClick(enhance, Qt.MouseButton.LeftButton)
        assert instruction.isEnabled()
        replace_text(qtbot, instruction, "make it dreamy")
        choose_in_combo(qtbot, child(d, QComboBox, "videoResolution"), "RESOLUTION_480")
        choose_in_combo(qtbot, child(d, QComboBox, "videoAspect"), "9:16")
        assert send.isEnabled()
        return True

    window.video_link.run_dialog = _driver(qtbot, steps)
    window.video_link.text_action.trigger()
    video = _wait_video(qtbot, window, lambda r: r.parent_image_id is None)
    (body,) = _video_bodies(sim, "/generations-text-to-video")
    validate_request("createTextToVideoGeneration", body)
    assert body["prompt"] == "fireflies in a jar" and body["resolution"] == "RESOLUTION_480"
    assert (body["width"], body["height"]) == (480, 832)
    assert body["promptEnhance"] is True and body["promptEnhanceInstruction"] == "make it dreamy"
    assert video.prompt == "fireflies in a jar, make it dreamy"  # the server's enhanced prompt
    with_poster = window.ctx.image_path(video)
    assert with_poster is not None and with_poster.suffix == ".jpg"


def test_video_from_a_picture_file(qtbot: Any, window: Any, sim: Any, tmp_path: Any) -> None:
    picture = tmp_path / "start.png"
    Image.new("RGB", (400, 300), (20, 160, 60)).save(picture)
    window.video_link.ask_file = lambda: picture

    def steps(d: Any) -> bool:
        assert child(d, QComboBox, "videoEndFrame").count() > 1  # gallery images offered
        prompt = child(d, QPlainTextEdit, "videoPrompt")
        prompt.setFocus()
        qtbot.keyClicks(prompt, "leaves unfold")
        return True

    window.video_link.run_dialog = _driver(qtbot, steps)
    window.video_link.file_action.trigger()
    video = _wait_video(qtbot, window, lambda r: r.prompt == "leaves unfold")
    (body,) = _video_bodies(sim, "/generations-image-to-video")
    validate_request("createImageToVideoGeneration", body)
    assert body["imageType"] == "UPLOADED" and body["prompt"] == "leaves unfold"
    assert len(_video_bodies(sim, "/init-image")) == 1
    assert video.parent_image_id is None  # an uploaded picture is no gallery image


def test_a_video_from_a_variation_uploads_its_picture(qtbot: Any, window: Any, sim: Any) -> None:
    from leodesk.core.variations import Kind

    source = shown_records(window)[0]
    window.library_actions.variations.confirm = lambda title, text: True
    window.ctx.variations.start(Kind.UPSCALE, source)
    qtbot.waitUntil(
        lambda: any(r.kind == "variation" and r.has_file for r in shown_records(window)),
        timeout=20000,
    )
    variation = next(r for r in shown_records(window) if r.kind == "variation")
    window.video_link.run_dialog = _driver(qtbot, lambda d: True)
    window.video_link.make_video(variation)
    _wait_video(qtbot, window, lambda r: True)
    (body,) = _video_bodies(sim, "/generations-image-to-video")
    assert body["imageType"] == "UPLOADED" and body["imageId"] != variation.id
    assert body["prompt"] == PROMPT  # the variation's prompt, as for any gallery image


def test_an_empty_prompt_is_never_sent(qtbot: Any, window: Any, sim: Any) -> None:
    window.video_link.run_dialog = _driver(qtbot, lambda d: True)  # "accepted" regardless
    assert window.video_link.text_to_video() is None
    assert "Write a prompt." in window.statusBar().currentMessage()
    assert not _video_bodies(sim, "/generations-text-to-video")


def test_a_cancelled_dialog_sends_nothing(qtbot: Any, window: Any, sim: Any) -> None:
    window.video_link.run_dialog = _driver(qtbot, lambda d: False)
    window.video_link.text_action.trigger()
    assert window.video_link.make_video(shown_records(window)[0]) is None
    assert not _video_bodies(sim, "/generations-text-to-video")
    assert not _video_bodies(sim, "/generations-image-to-video")


def test_the_cost_limit_asks_before_an_expensive_video(qtbot: Any, window: Any, sim: Any) -> None:
    asked: list[str] = []
    window.confirm_cost_above = 300.0
    window.confirm_cost = lambda text: asked.append(text) or False

    def steps(d: Any) -> bool:
        prompt = child(d, QPlainTextEdit, "videoPrompt")
        prompt.setFocus()
        qtbot.keyClicks(prompt, "a costly comet")
        choose_in_combo(qtbot, child(d, QComboBox, "videoModel"), "VEO3")
        qtbot.waitUntil(lambda: "2000" in child(d, QLabel, "videoCost").text(), timeout=10000)
        return True

    window.video_link.run_dialog = _driver(qtbot, steps)
    assert window.video_link.text_to_video() is None
    assert asked == ["This video costs 2,000 credits, more than your limit of 300."]
    assert "cost limit" in window.statusBar().currentMessage()
    assert not _video_bodies(sim, "/generations-text-to-video")
    window.confirm_cost = lambda text: True  # under the limit nothing is asked
    window.confirm_cost_above = 5000.0
    window.video_link.run_dialog = _driver(qtbot, steps)
    assert window.video_link.text_to_video() is not None


def test_a_synced_video_is_downloaded_when_opened(qtbot: Any, apps: Any, make_sim: Any) -> None:
    sim = make_sim(seed=5, seed_generations=2, seed_videos=2)
    window = apps.start(sim_runtime(sim))
    window.played = []
    window.video_link.opener = lambda url, _title: window.played.append(url) or True
    fast_sync(window)
    sync_library(qtbot, window)
    # (their motion variations, looked for after the sync, are child videos: not these)
    videos = [r for r in shown_records(window) if r.is_video and not r.parent_image_id]
    assert len(videos) == 2 and all(v.video_duration is None for v in videos)  # not probed
    facts = window.ctx.backend.reader.get_video(videos[1].id)
    assert facts is not None and facts.origin == "text_to_video" and facts.model == "VEO3"
    assert window.open_video(videos[1])
    qtbot.waitUntil(lambda: bool(window.played), timeout=15000)
    path = video_path(window.ctx.backend.store.root, videos[1].id)
    assert window.played == [QUrl.fromLocalFile(str(path))] and path.is_file()
    qtbot.waitUntil(
        lambda: (
            window.ctx.gallery_model.record(
                window.ctx.gallery_model.row_of(videos[1].id)
            ).video_duration
            == 4.0
        ),
        timeout=5000,
    )
    wait_idle(qtbot, window)


def test_every_control_of_the_dialog_is_named(qtbot: Any, window: Any) -> None:
    from tests.ui.test_accessibility import unnamed

    found: list[list[str]] = []

    def steps(d: Any) -> bool:
        found.append(unnamed(d))
        return False

    window.video_link.run_dialog = _driver(qtbot, steps)
    window.video_link.make_video(shown_records(window)[0])
    assert found == [[]]


def test_the_duration_badge_text() -> None:
    assert video_badge(5.0) == "▶ 0:05"
    assert video_badge(75.4) == "▶ 1:15"
    assert video_badge(None) == "▶"


def test_a_video_job_resumes_after_a_restart(qtbot: Any, apps: Any, make_sim: Any) -> None:
    sim = make_sim(seed=12, generation_seconds=30.0)  # still running when the app closes
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)

    def steps(d: Any) -> bool:
        prompt = child(d, QPlainTextEdit, "videoPrompt")
        prompt.setFocus()
        qtbot.keyClicks(prompt, "a slow tide")
        return True

    window.video_link.run_dialog = _driver(qtbot, steps)
    window.video_link.text_action.trigger()

    def pending() -> bool:
        jobs = window.jobs.model.jobs()
        return bool(jobs) and jobs[0].state == "pending" and bool(jobs[0].generation_id)

    qtbot.waitUntil(pending, timeout=10000)
    generation_id = window.jobs.model.jobs()[0].generation_id
    window.close()  # the user quits while the video is being made
    again = apps.start(sim_runtime(sim))
    again.ctx.videos.poll_interval = 0.1
    wait_models(qtbot, again)
    qtbot.waitUntil(
        lambda: [j.generation_id for j in again.jobs.model.jobs()] == [generation_id],
        timeout=10000,
    )
    assert sim.complete_all() == 1
    video = _wait_video(qtbot, again, lambda r: r.generation_id == generation_id)
    assert video.video_duration == 5.0
    assert len(_video_bodies(sim, "/generations-text-to-video")) == 1  # never sent twice
    wait_idle(qtbot, again, timeout=20000)


def test_a_video_above_the_balance_warns_first(qtbot: Any, window: Any, sim: Any) -> None:
    from tests.ui.test_low_balance import Answer, set_balance

    set_balance(qtbot, window, sim, 1999)

    def steps(d: Any) -> bool:
        prompt = child(d, QPlainTextEdit, "videoPrompt")
        prompt.setFocus()
        qtbot.keyClicks(prompt, "a comet over a harbour")
        choose_in_combo(qtbot, child(d, QComboBox, "videoModel"), "VEO3")
        qtbot.waitUntil(lambda: "2000" in child(d, QLabel, "videoCost").text(), timeout=10000)
        return True

    answer = Answer("lowBalanceCancelButton")
    window.video_link.run_dialog = _driver(qtbot, steps)
    assert window.video_link.text_to_video() is None
    assert answer.said == ["This video costs 2,000 credits, and your balance is 1,999 credits."]
    assert "balance is below its cost" in window.statusBar().currentMessage()
    assert not _video_bodies(sim, "/generations-text-to-video")
