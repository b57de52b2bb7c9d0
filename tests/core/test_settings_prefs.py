"""The Preferences fields of Settings: defaults, round trip, bad values fall back per field."""

from __future__ import annotations

import json
from pathlib import Path

from leodesk.core.settings import THEMES, Settings, load, save


def test_defaults() -> None:
    s = Settings()
    assert s.theme == "system" and s.theme in THEMES
    assert s.gallery_thumb_size == 176
    assert s.default_model_id is None and s.default_width is None and s.default_height is None
    assert s.export_folder is None
    assert s.shortcuts == {}


def test_round_trip_with_a_shortcut_of_the_key_action(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    s = Settings(
        theme="dark",
        gallery_thumb_size=256,
        default_model_id="model-1",
        default_width=768,
        default_height=1024,
        export_folder=str(tmp_path / "out"),
        # the API-key menu item's name reads like a key: a shortcut to it is no secret
        shortcuts={"changeKeyAction": "Ctrl+Shift+K", "quitAction": ""},
    )
    save(s, path)
    assert load(path) == s


def test_bad_values_fall_back_per_field(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    data = {
        "theme": "purple",
        "gallery_thumb_size": 9999,
        "default_width": 10,
        "default_height": True,
        "export_folder": 5,
        "shortcuts": {"quitAction": 3, "refreshAction": "F6"},
        "notify_sound": True,
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    s = load(path)
    assert s.theme == "system" and s.gallery_thumb_size == 176
    assert s.default_width is None and s.default_height is None and s.export_folder is None
    assert s.shortcuts == {"refreshAction": "F6"}  # only the string values
    assert s.notify_sound is True
