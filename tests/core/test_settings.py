"""Settings: defaults, lenient loading, atomic saving, and no secrets on disk."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import stat
from pathlib import Path

import pytest

from leodesk.core.settings import (
    SETTINGS_VERSION,
    SecretFieldError,
    Settings,
    load,
    looks_secret,
    save,
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.json"


def test_defaults() -> None:
    s = Settings()
    assert s.version == SETTINGS_VERSION == 1
    assert (s.thumb_cache_mb, s.network_threads) == (512, 4)
    assert s.keep_full_images_offline is False and s.confirm_cost_above is None
    assert s.last_form == {} and s.splitter_sizes == {}
    assert s.window_geometry is None and s.window_state is None and s.last_model_id is None
    assert s.notify_sound is False and s.low_balance_below == 200
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.notify_sound = True  # type: ignore[misc]


def test_missing_file_gives_defaults(path: Path) -> None:
    assert load(path) == Settings()
    assert not path.exists() and not path.parent.exists()


def test_round_trip(path: Path) -> None:
    geometry = base64.b64encode(b"\x01\xd9\xd0\xcb\x00\x03").decode()
    s = dataclasses.replace(
        Settings(),
        thumb_cache_mb=1024,
        network_threads=2,
        keep_full_images_offline=True,
        confirm_cost_above=12.5,
        last_form={"prompt": "a fox", "num_images": 4, "elements": [{"akUUID": "x"}]},
        window_geometry=geometry,
        window_state=base64.b64encode(b"state").decode(),
        splitter_sizes={"main": (300, 900), "gallery": (1, 2, 3)},
        last_model_id="m-1",
        notify_sound=True,
    )
    save(s, path)
    assert load(path) == s
    on_disk = json.loads(path.read_text("utf-8"))
    assert on_disk["version"] == SETTINGS_VERSION
    assert on_disk["splitter_sizes"]["main"] == [300, 900]


def test_save_is_atomic_and_private(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save(Settings(last_model_id="light"), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    def crash(src: str, dst: str) -> None:
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        save(Settings(last_model_id="dark"), path)
    monkeypatch.undo()
    assert load(path).last_model_id == "light"  # the old file is intact
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]  # no temp left


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2, 3]", b'"text"', b"\xff\xfe\x00garbage", b""],
    ids=["syntax", "list", "string", "binary", "empty"],
)
def test_a_corrupt_file_is_kept_as_bak(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert load(path) == Settings()
    backup = path.with_name("settings.json.bak")
    assert backup.read_bytes() == content
    assert not path.exists()
    save(Settings(last_model_id="dark"), path)  # the next save starts a fresh file
    assert load(path).last_model_id == "dark"


def test_unknown_keys_and_bad_values_fall_back_per_field(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "version": 99,  # a newer app wrote this: read what we understand
                "from_the_future": {"x": 1},
                "thumb_cache_mb": "lots",
                "network_threads": 500,
                "keep_full_images_offline": 1,
                "confirm_cost_above": 30,
                "window_geometry": "not base64!!",
                "window_state": base64.b64encode(b"ok").decode(),
                "splitter_sizes": {"main": [1, 2], "bad": ["x"], "neg": [-1]},
                "theme": "neon",  # a key no longer written: ignored
                "last_model_id": 7,
                "last_form": {"prompt": "p", "api_key": "sk-123", "nested": {"token": "t"}},
            }
        )
    )
    s = load(path)
    assert s.version == SETTINGS_VERSION
    assert s.thumb_cache_mb == 512 and s.network_threads == 4
    assert s.keep_full_images_offline is False  # 1 is not a boolean
    assert s.confirm_cost_above == 30.0
    assert s.window_geometry is None and s.window_state == base64.b64encode(b"ok").decode()
    assert s.splitter_sizes == {"main": (1, 2)}
    assert s.last_model_id is None
    assert s.last_form == {"prompt": "p", "nested": {}}  # secrets never come back in
    save(s, path)  # and therefore saving still works


def test_a_file_with_keys_no_longer_kept_still_loads(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "theme": "dark",
                "blur_nsfw": False,
                "gallery_thumb_size": 512,  # out of range: the default
                "network_threads": 2,
                "last_model_id": "m-1",
            }
        )
    )
    s = load(path)
    assert (s.network_threads, s.last_model_id) == (2, "m-1")
    # theme and gallery_thumb_size are read again (Preferences); 512 is out of the slider's
    # range, so the default; blur_nsfw is gone
    default = Settings().gallery_thumb_size
    assert (s.theme, s.gallery_thumb_size) == ("dark", default)
    save(s, path)
    on_disk = json.loads(path.read_text("utf-8"))
    assert "blur_nsfw" not in on_disk
    assert (on_disk["theme"], on_disk["gallery_thumb_size"]) == ("dark", default)
    assert load(path) == s


def test_an_unreadable_file_gives_defaults_and_is_left_alone(path: Path) -> None:
    path.mkdir(parents=True)  # a directory where the file should be
    assert load(path) == Settings()
    assert path.is_dir()


@pytest.mark.parametrize(
    "name",
    [
        "api_key",
        "apiKey",
        "APIKEY",
        "access_token",
        "refreshToken",
        "client_secret",
        "password",
        "auth",
        "bearer",
        "credentials",
        "Key",
    ],
)
def test_secret_looking_names(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize(
    "name",
    [
        "keep_full_images_offline",
        "last_model_id",
        "monkey",
        "hotkey",
        "keyboard_layout",
        "window_state",
        "prompt",
        "num_images",
        "akUUID",
        "tokenizer_name_x",
    ],
)
def test_ordinary_names(name: str) -> None:
    assert not looks_secret(name)


def test_save_refuses_a_secret_field(path: Path) -> None:
    @dataclasses.dataclass(frozen=True)
    class Leaky(Settings):
        api_key: str = "sk-live-123"

    with pytest.raises(SecretFieldError, match="api_key"):
        save(Leaky(), path)
    assert not path.exists()


@pytest.mark.parametrize(
    "form",
    [{"apiKey": "x"}, {"nested": {"access_token": "x"}}, {"list": [{"secret": 1}]}],
)
def test_save_refuses_secrets_in_the_form(path: Path, form: dict[str, object]) -> None:
    with pytest.raises(SecretFieldError):
        save(Settings(last_form=form), path)
    assert not path.exists()


def test_no_settings_field_looks_secret() -> None:
    assert not [f.name for f in dataclasses.fields(Settings) if looks_secret(f.name)]


def test_save_rejects_values_json_cannot_hold(path: Path) -> None:
    with pytest.raises(ValueError):
        save(Settings(last_form={"when": object()}), path)
    with pytest.raises(ValueError):
        save(Settings(last_form={"x": float("nan")}), path)
    assert not path.parent.exists()  # refused before anything touched the disk


def test_notification_settings_round_trip_and_fall_back(path: Path) -> None:
    s = Settings()
    assert (s.notify_batch_finished, s.notify_job_failed, s.notify_moderation) == (True,) * 3
    assert s.notify_low_balance is True and s.notify_sound is False
    assert s.low_balance_below == 200
    changed = dataclasses.replace(
        s, notify_job_failed=False, notify_sound=True, low_balance_below=1500
    )
    save(changed, path)
    assert load(path) == changed
    path.write_text(
        json.dumps(
            {
                "notify_batch_finished": "no",  # not a boolean
                "notify_moderation": False,
                "notify_low_balance": 0,  # not a boolean
                "low_balance_below": -5,  # out of range
                "notify_sound": True,
            }
        )
    )
    s = load(path)
    assert s.notify_batch_finished is True and s.notify_low_balance is True
    assert s.notify_moderation is False and s.notify_sound is True
    assert s.low_balance_below == 200
    path.write_text(json.dumps({"low_balance_below": True}))  # a bool is not a number
    assert load(path).low_balance_below == 200
