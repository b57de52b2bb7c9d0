"""Server ids are checked where replies enter (the parser) and again where they are stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from leodesk.core.api.errors import ProtocolError
from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.api.parse import (
    is_valid_id,
    parse_generation,
    parse_generation_job,
    parse_init_image_upload,
    parse_platform_model,
    parse_user_info,
    parse_variation_job,
)
from leodesk.core.library import Library

UUID = "0b7c0bd4-4f0e-4b4e-9a65-3c4b0e1f7a21"
BAD = [
    "../../..",
    "..",
    ".",
    "a/b",
    "a\\b",
    "/etc",
    "a..b",
    "x\x00y",
    "line\nbreak",
    "tab\there",
    "café",
    "a b",
    "x" * 129,
    ".hidden",
    "trailing.",
]
GOOD = [UUID, UUID.upper(), "12", "g", "no-date", "a_b", "v1.2", "x" * 128]


@pytest.mark.parametrize("value", GOOD)
def test_uuid_like_tokens_are_ids(value: str) -> None:
    assert is_valid_id(value)


@pytest.mark.parametrize("value", BAD)
def test_paths_control_characters_and_absurd_lengths_are_not(value: str) -> None:
    assert not is_valid_id(value)


@pytest.mark.parametrize("value", BAD)
def test_a_job_reply_with_a_bad_generation_id_is_a_protocol_error(value: str) -> None:
    with pytest.raises(ProtocolError) as err:
        parse_generation_job({"generationId": value}, operation="createGeneration")
    assert "generation id" in err.value.user_message
    assert "\n" not in str(err.value) and "\x00" not in str(err.value)


@pytest.mark.parametrize(
    "body",
    [
        {"id": "../x", "generated_images": []},
        {"id": UUID, "generated_images": [{"id": "../../x", "url": "https://c/x.jpg"}]},
        {
            "id": UUID,
            "generated_images": [
                {"id": UUID, "generated_image_variation_generics": [{"id": "a/b"}]}
            ],
        },
        {"id": UUID, "modelId": "../m"},
    ],
)
def test_a_generation_with_any_bad_id_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(ProtocolError):
        parse_generation(body)


def test_other_replies_check_their_ids() -> None:
    with pytest.raises(ProtocolError):
        parse_variation_job({"id": "../v"}, operation="createVariationUpscale")
    with pytest.raises(ProtocolError):
        parse_init_image_upload({"id": "a/b", "url": "https://s3/x", "fields": "{}"})
    with pytest.raises(ProtocolError):
        parse_platform_model({"id": "..", "name": "m"})
    with pytest.raises(ProtocolError):
        parse_user_info({"user": {"id": "../u"}})


def test_missing_or_mistyped_ids_stay_lenient() -> None:
    gen = parse_generation({"id": UUID, "modelId": None, "generated_images": [{"id": 5}]})
    assert gen.id == UUID and gen.model_id is None and gen.images[0].id is None
    with pytest.raises(ProtocolError, match="no job id"):
        parse_generation_job({"generationId": ""}, operation="createGeneration")


def test_the_library_refuses_bad_ids(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib.db") as lib:
        for gen in (
            Generation(id="../../x"),
            Generation(id=UUID, images=(GeneratedImage(id="a/b", url="https://c/x.jpg"),)),
            Generation(id=UUID, model_id="m\n"),
        ):
            with pytest.raises(ValueError, match="not a valid id"):
                lib.upsert_generation(gen)
            with pytest.raises(ValueError, match="not a valid id"):
                lib.upsert_generations([gen])
        assert lib.get_generation(UUID) is None
        with pytest.raises(ValueError):
            lib.set_image_file("../x", "0" * 64, "jpg")
        with pytest.raises(ValueError):
            lib.remember_upload("0" * 64, "../init")
        lib.upsert_generation(Generation(id=UUID, images=(GeneratedImage(id="img-1"),)))
        assert lib.get_generation(UUID) is not None
