"""ModelInfo and its facts: families of an open sdVersion enum, carrying cached facts over a
fresh list, the JSON the library keeps."""

from __future__ import annotations

import pytest

from leodesk.core.catalog import ModelInfo, carry_facts, needing_facts, version_family


@pytest.mark.parametrize(
    ("version", "family"),
    [
        ("SDXL_0_8", "SDXL"),
        ("SDXL_0_9", "SDXL"),
        ("SDXL_1_0", "SDXL"),
        ("SDXL_LIGHTNING", "SDXL"),
        ("FLUX", "FLUX"),
        ("FLUX_DEV", "FLUX"),
        ("FLUX_KONTEXT", "FLUX"),  # a later Flux value: still Flux
        ("PHOENIX", "PHOENIX"),
        ("v1_5", "SD1"),
        ("v2", "SD2"),
        ("v3", None),  # in the spec, but the form has no rules for it
        ("KINO_2_0", None),
        ("GPT_IMAGE_1", None),  # newer than the spec
        ("", None),
        (None, None),
    ],
)
def test_version_family(version: str | None, family: str | None) -> None:
    assert version_family(version) == family
    model = ModelInfo(id="m", name="M", sd_version=version)
    assert model.version_known is (family is not None)
    assert model.is_sdxl is (family == "SDXL")
    assert model.is_flux is (family == "FLUX")
    assert model.is_phoenix is (family == "PHOENIX")


def test_lightning_is_sdxl_and_lightning() -> None:
    model = ModelInfo(id="m", name="M", sd_version="SDXL_LIGHTNING")
    assert model.is_sdxl and model.is_lightning
    assert not ModelInfo(id="m", name="M", sd_version="SDXL_1_0").is_lightning


def test_no_table_of_versions_by_id() -> None:
    # A well-known id without facts is a model of unknown version, like any other.
    phoenix = ModelInfo(id="6b645e3a-d64f-4341-a6d8-7a3690fbf042", name="Leonardo Phoenix")
    assert phoenix.sd_version is None and not phoenix.is_phoenix and not phoenix.version_known


def test_with_facts_and_ready() -> None:
    listed = ModelInfo(id="m", name="M", description="d", featured=True)
    assert not listed.facts_known and listed.ready
    known = listed.with_facts(sd_version="PHOENIX", width=1024, height=1024, status="COMPLETE")
    assert (known.sd_version, known.width, known.height, known.facts_known) == (
        "PHOENIX",
        1024,
        1024,
        True,
    )
    assert (known.name, known.description, known.featured) == ("M", "d", True)
    training = listed.with_facts(sd_version="SDXL_0_9", width=1024, height=1024, status="PENDING")
    assert not training.ready


def test_carry_facts_keeps_what_was_read_and_takes_the_new_list() -> None:
    cached = [
        ModelInfo(id="a", name="Old A").with_facts(
            sd_version="FLUX", width=1024, height=1024, status="COMPLETE"
        ),
        ModelInfo(id="gone", name="Gone").with_facts(
            sd_version="v1_5", width=512, height=512, status="COMPLETE"
        ),
        ModelInfo(id="b", name="B unread"),
    ]
    fresh = [ModelInfo(id="b", name="B"), ModelInfo(id="a", name="New A"), ModelInfo("c", "C")]
    merged = carry_facts(fresh, cached)
    assert [m.id for m in merged] == ["b", "a", "c"]
    assert merged[1].name == "New A" and merged[1].sd_version == "FLUX" and merged[1].facts_known
    assert not merged[0].facts_known and not merged[2].facts_known
    assert [m.id for m in needing_facts(merged)] == ["b", "c"]
    # A list row that is a whole record (own models) is not overwritten by the cache.
    own = ModelInfo(id="a", name="A", kind="own").with_facts(
        sd_version="SDXL_1_0", width=832, height=1216, status="COMPLETE"
    )
    assert carry_facts([own], cached) == [own]


def test_needing_facts_lists_each_id_once() -> None:
    models = [ModelInfo(id="x", name="X"), ModelInfo(id="x", name="X"), ModelInfo(id="", name="")]
    assert [m.id for m in needing_facts(models)] == ["x"]


def test_json_round_trip_keeps_the_facts() -> None:
    model = ModelInfo(id="m", name="M", kind="own", thumbnail_url="u").with_facts(
        sd_version="SOMETHING_NEW", width=640, height=832, status="COMPLETE"
    )
    assert ModelInfo.from_json(model.to_json()) == model
    # A cache written before facts were kept: read as "facts not known yet".
    old = {"id": "m", "name": "M", "sd_version": "SDXL_1_0", "width": 1024, "height": 1024}
    assert not ModelInfo.from_json(old).facts_known
    assert ModelInfo.from_json({**old, "facts_known": "yes"}).facts_known is False
