"""The universal upscaler's ultra mode: the request, its price query, and both against the spec."""

from __future__ import annotations

import pytest

from leodesk.core.api import serialize as ser
from leodesk.core.variations import (
    Kind,
    Source,
    UniversalOptions,
    VariationJob,
    job_body,
    job_from_body,
    pricing_request,
    universal_request,
)
from tests.helpers.spec import validate_request

SOURCE = Source("img-1", "gen-1", width=1024, height=768, prompt="a koi pond")


def test_ultra_sends_its_style_similarity_and_detail_contrast_not_the_plain_style() -> None:
    opts = UniversalOptions(
        "CINEMATIC", 4, 1.5, ultra_style="REALISTIC", similarity=8, detail_contrast=2
    )
    body = ser.universal_upscale_body(universal_request(SOURCE, opts))
    validate_request("CreateUniversalUpscalerJob", body)
    assert body["ultraUpscaleStyle"] == "REALISTIC" and "upscalerStyle" not in body
    assert (body["similarity"], body["detailContrast"], body["upscaleMultiplier"]) == (8, 2, 1.5)
    plain = ser.universal_upscale_body(universal_request(SOURCE, UniversalOptions("CINEMATIC")))
    assert plain["upscalerStyle"] == "CINEMATIC"
    assert not {"ultraUpscaleStyle", "similarity", "detailContrast"} & set(plain)


def test_ultra_is_priced_as_universal_upscaler_ultra() -> None:
    ultra = pricing_request(Kind.UNIVERSAL, SOURCE, UniversalOptions(ultra_style="ARTISTIC"))
    assert ultra is not None and ultra.service == "UNIVERSAL_UPSCALER_ULTRA"
    assert dict(ultra.params) == {"inputWidth": 1024, "inputHeight": 768, "upscaleMultiplier": 1.5}
    body = ser.pricing_body(ultra)
    validate_request("pricingCalculator", body)
    plain = pricing_request(Kind.UNIVERSAL, SOURCE, UniversalOptions())
    assert plain is not None and plain.service == "UNIVERSAL_UPSCALER"


def test_ultra_options_survive_the_queue_and_bad_ones_are_refused() -> None:
    job = VariationJob(
        Kind.UNIVERSAL, SOURCE, UniversalOptions(ultra_style="ARTISTIC", similarity=9)
    )
    assert job_from_body(job_body(job)).options == job.options
    with pytest.raises(ValueError):
        UniversalOptions(ultra_style="GENERAL")
    with pytest.raises(ValueError):
        UniversalOptions(ultra_style="ARTISTIC", detail_contrast=11)
