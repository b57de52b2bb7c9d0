"""Elements as the form offers them: entries, fit to the chosen model, the library cache, the
request (platform and own elements) and recall."""

from __future__ import annotations

import json
from types import SimpleNamespace

from leodesk.core import form
from leodesk.core.api.models import Element, ElementRef, UserElement, UserElementRef
from leodesk.core.catalog import ModelInfo
from leodesk.core.elements import (
    ElementChoice,
    fits,
    from_platform,
    from_user,
    offered,
    own_key,
    split_picks,
)
from leodesk.core.library import SCHEMA_VERSION, Library
from leodesk.core.pipeline import request_json
from leodesk.ui import recall

SDXL = ModelInfo("m-xl", "XL model", sd_version="SDXL_1_0")
SD15 = ModelInfo("m-15", "1.5 model", sd_version="v1_5")
UNKNOWN = ModelInfo("m-new", "Newer model", sd_version="SDXL_9_9_FUTURE")


def platform(name: str, base: str | None, lo: int = -1, hi: int = 2) -> ElementChoice:
    got = from_platform(
        Element(
            ak_uuid=f"ak-{name}",
            name=name,
            base_model=base,
            weight_min=lo,
            weight_max=hi,
            weight_default=1,
        )
    )
    assert got is not None
    return got


def test_entries_from_platform_and_own_elements() -> None:
    glass = platform("Glass", "SDXL_1_0", 0, 1)
    assert (glass.weight_min, glass.weight_default, glass.weight_max) == (0, 1, 1)
    assert glass.clamp(5) == 1 and glass.clamp(-3) == 0
    mine = from_user(UserElement(id=7, name="Mochi", base_model="FLUX_DEV", status="COMPLETE"))
    assert mine is not None and mine.key == own_key(7) == "user:7" and mine.own
    assert from_user(UserElement(id=8, name="Training", status="PENDING")) is None
    assert from_platform(Element(name="no id")) is None
    swapped = from_platform(Element(ak_uuid="x", weight_min=2, weight_max=-1))
    assert swapped is not None and swapped.weight_min == -1 and swapped.weight_max == 2


def test_only_elements_of_the_model_family_are_offered_unknown_ones_with_a_note() -> None:
    xl, old, odd = platform("XL", "SDXL_0_9"), platform("Old", "v1_5"), platform("Odd", None)
    assert fits(xl, SDXL) is True and fits(old, SDXL) is False and fits(odd, SDXL) is None
    assert [(c.name, f) for c, f in offered([xl, old, odd], SDXL)] == [("XL", True), ("Odd", None)]
    assert [(c.name, f) for c, f in offered([xl, old], SD15)] == [("Old", True)]
    assert {f for _, f in offered([xl, old], UNKNOWN)} == {None}


def test_the_library_caches_both_lists_across_opens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "library.db"
    lib = Library.open(db)
    assert lib.schema_version() == SCHEMA_VERSION
    mine = from_user(UserElement(id=3, name="Mine", base_model="SDXL_1_0"))
    assert mine is not None
    lib.save_elements("platform", [platform("A", "SDXL_1_0"), platform("B", "v1_5", 0, 1)])
    lib.save_elements("own", [mine])
    lib.close()
    again = Library.open_readonly(db)
    assert [e.name for e in again.load_elements("platform")] == ["A", "B"]
    assert again.load_elements("platform")[1].weight_max == 1
    assert again.load_elements("own") == [mine]
    assert again.elements_fetched_ms("own") is not None
    again.close()
    lib = Library.open(db)
    lib.forget_element(mine.key)
    assert lib.load_elements("own") == []
    lib.close()


def test_the_request_sends_offered_picks_and_recall_brings_them_back() -> None:
    state = form.FormState(
        prompt="a fox",
        elements=(ElementRef("ak-a", 0.5), ElementRef("ak-gone", 1.0)),
        user_elements=(UserElementRef(3, 0.8), UserElementRef(9, 1.0)),
    )
    a = platform("a", "SDXL_1_0").as_element()
    req = form.build_request(state, elements=[a], own_elements=[3])
    assert req.elements == (ElementRef("ak-a", 0.5),)
    assert req.user_elements == (UserElementRef(3, 0.8),)
    saved = form.parse_state(json.loads(json.dumps(state.to_json())))
    assert saved["elements"] == state.elements and saved["user_elements"] == state.user_elements

    draft = recall.draft_state(SimpleNamespace(request_json=request_json(req)))
    assert draft["elements"] == {"ak-a": 0.5} and draft["user_elements"] == {"3": 0.8}
    assert form.parse_state(draft)["user_elements"] == (UserElementRef(3, 0.8),)
    picks = {"ak-a": 0.5, own_key(3): 0.8}
    assert split_picks(picks) == ((ElementRef("ak-a", 0.5),), (UserElementRef(3, 0.8),))
