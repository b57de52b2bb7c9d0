"""leodesk.core.canvas: preparing canvas pictures and masks, outpaint geometry, LCM data URLs
and canvas requests."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from leodesk.core.api import CanvasUploadIds, GenerationRequest
from leodesk.core.api.dataurl import DataUrlError
from leodesk.core.canvas import (
    MAX_SIDE,
    OUTPAINT_OVERLAP,
    CanvasError,
    binary_mask,
    canvas_request,
    decode_data_url,
    grow_each_side,
    grow_to_aspect,
    lcm_data_url,
    lcm_size,
    outpaint,
    outpaint_grown,
    prepare_canvas,
)


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def levels(mask: Image.Image) -> set[int]:
    """The grey levels present in an L image."""
    return {level for level, count in enumerate(mask.histogram()) if count}


def square_mask(size: tuple[int, int], box: tuple[int, int, int, int]) -> Image.Image:
    mask = Image.new("L", size, 0)
    mask.paste(255, box)
    return mask


def test_inpaint_prepares_png_init_and_a_binary_mask() -> None:
    init = Image.new("RGB", (200, 120), (10, 20, 30))
    mask = square_mask((200, 120), (40, 40, 80, 80))
    mask.putpixel((0, 0), 100)  # grey under the threshold: kept
    mask.putpixel((1, 0), 200)  # grey over it: painted
    prepared = prepare_canvas(init, mask, "inpaint")
    assert (prepared.width, prepared.height) == (200, 120)
    assert prepared.note is None
    im, m = opened(prepared.init_png), opened(prepared.mask_png)
    assert im.format == m.format == "PNG"
    assert im.size == m.size == (200, 120)
    assert levels(m) == {0, 255}
    assert m.getpixel((0, 0)) == 0 and m.getpixel((1, 0)) == 255
    assert m.getpixel((50, 50)) == 255 and m.getpixel((150, 100)) == 0


def test_a_mask_of_another_size_is_refused_with_both_sizes() -> None:
    with pytest.raises(CanvasError, match=r"The mask is 100x50 but the image is 200x120"):
        prepare_canvas(Image.new("RGB", (200, 120)), Image.new("L", (100, 50)), "INPAINT")


@pytest.mark.parametrize("mode", ["INPAINT", "OUTPAINT"])
def test_an_empty_mask_asks_to_paint_first(mode: str) -> None:
    init = Image.new("RGB", (64, 64))
    with pytest.raises(CanvasError, match="Paint the area to change first"):
        prepare_canvas(init, Image.new("L", (64, 64), 0), mode)
    with pytest.raises(CanvasError, match="Paint the area to change first"):
        prepare_canvas(init, None, mode)
    # a transparent layer with nothing painted is empty too
    with pytest.raises(CanvasError, match="Paint the area"):
        prepare_canvas(init, Image.new("RGBA", (64, 64), (255, 255, 255, 0)), mode)


def test_sketch_without_a_mask_regenerates_everything() -> None:
    sketch = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    sketch.paste((255, 0, 0, 255), (10, 10, 20, 20))
    prepared = prepare_canvas(sketch, None, "SKETCH2IMG")
    assert levels(opened(prepared.mask_png)) == {255}
    im = opened(prepared.init_png).convert("RGB")
    assert im.getpixel((0, 0)) == (255, 255, 255)  # the clear sheet becomes white
    assert im.getpixel((15, 15)) == (255, 0, 0)


def test_a_painted_layer_counts_its_opaque_pixels_whatever_their_colour() -> None:
    layer = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    layer.paste((200, 0, 0, 255), (0, 0, 16, 32))  # a red tint: dark in luminance
    binary = binary_mask(layer)
    assert binary.getpixel((5, 5)) == 255 and binary.getpixel((20, 5)) == 0


def test_a_large_picture_is_scaled_down_with_a_note_and_the_mask_follows() -> None:
    init = Image.new("RGB", (3000, 1000), (1, 2, 3))
    mask = square_mask((3000, 1000), (0, 0, 1500, 1000))
    prepared = prepare_canvas(init, mask, "INPAINT")
    assert (prepared.width, prepared.height) == (MAX_SIDE, 512)
    assert prepared.note is not None and "scaled down to 1536×512" in prepared.note
    m = opened(prepared.mask_png)
    assert m.size == (1536, 512) and levels(m) == {0, 255}
    assert m.getpixel((700, 100)) == 255 and m.getpixel((800, 100)) == 0


def test_sides_become_multiples_of_eight_for_image_and_mask_alike() -> None:
    init = Image.new("RGB", (101, 67))
    mask = square_mask((101, 67), (0, 0, 50, 67))
    prepared = prepare_canvas(init, mask, "INPAINT")
    assert prepared.width % 8 == 0 and prepared.height % 8 == 0
    assert opened(prepared.init_png).size == opened(prepared.mask_png).size
    assert (prepared.width, prepared.height) == (104, 64)
    assert prepared.note is not None and "multiples of 8" in prepared.note


def test_a_tiny_picture_and_an_unknown_mode_are_refused() -> None:
    with pytest.raises(CanvasError, match="at least 32"):
        prepare_canvas(Image.new("RGB", (20, 200)), None, "SKETCH2IMG")
    with pytest.raises(CanvasError, match="Unknown canvas mode"):
        prepare_canvas(Image.new("RGB", (64, 64)), None, "UNZOOM")


def test_a_painted_speck_lost_in_scaling_is_reported() -> None:
    init = Image.new("RGB", (3072, 3072))
    mask = square_mask((3072, 3072), (100, 100, 101, 101))
    with pytest.raises(CanvasError, match="vanished"):
        prepare_canvas(init, mask, "INPAINT")


# ----------------------------------------------------------------------------- outpaint


def test_outpaint_grows_the_canvas_and_masks_the_new_area_with_an_overlap() -> None:
    image = Image.new("RGB", (100, 80), (200, 40, 40))
    init, mask = outpaint(image, 24, 0, 16, 8)
    assert init.size == mask.size == (124, 104)
    # the old picture is untouched, in place
    assert init.crop((24, 16, 124, 96)).tobytes() == image.tobytes()
    # new bands are white; the old picture is white only within the overlap of grown sides
    assert mask.getpixel((0, 50)) == 255 and mask.getpixel((60, 0)) == 255
    assert mask.getpixel((60, 103)) == 255
    assert mask.getpixel((24 + OUTPAINT_OVERLAP - 1, 50)) == 255
    assert mask.getpixel((24 + OUTPAINT_OVERLAP, 50)) == 0
    assert mask.getpixel((123, 50)) == 0  # the right side did not grow: no overlap there
    assert mask.getpixel((60, 16 + OUTPAINT_OVERLAP)) == 0
    assert mask.getpixel((60, 96 - OUTPAINT_OVERLAP)) == 255  # bottom grew by 8
    prepared = prepare_canvas(init, mask, "OUTPAINT")
    assert (prepared.width, prepared.height) == (128, 104)


def test_outpaint_fills_the_new_area_from_the_edges_never_black() -> None:
    image = Image.new("RGB", (64, 64), (0, 0, 255))
    image.paste((255, 255, 0), (0, 0, 64, 8))  # a yellow top edge
    init, _ = outpaint(image, 32, 32, 32, 0)
    for x, y in ((2, 60), (120, 60), (60, 2), (2, 2)):
        assert max(init.getpixel((x, y))) > 100, (x, y, init.getpixel((x, y)))
    r, g, _b = init.getpixel((64, 4))
    assert r > 150 and g > 150  # above the yellow edge it stays yellow-ish


def test_outpaint_margins_are_checked() -> None:
    image = Image.new("RGB", (64, 64))
    with pytest.raises(CanvasError, match="at least one side"):
        outpaint(image, 0, 0, 0, 0)
    with pytest.raises(CanvasError, match="left"):
        outpaint(image, -5, 0, 0, 0)


def test_grow_to_aspect_only_adds_and_centres() -> None:
    assert grow_to_aspect(100, 100, "16:9") == (39, 39, 0, 0)
    left, right, top, bottom = grow_to_aspect(1600, 900, 1.0)
    assert (left, right) == (0, 0) and top + bottom == 700 and abs(top - bottom) <= 1
    assert grow_to_aspect(160, 90, 16 / 9) == (0, 0, 0, 0)
    w, h = 300, 200
    left, right, top, bottom = grow_to_aspect(w, h, "4/5")
    assert abs((w + left + right) / (h + top + bottom) - 0.8) < 0.01
    with pytest.raises(CanvasError, match="aspect ratio"):
        grow_to_aspect(100, 100, "wide")


def test_grow_each_side_is_a_quarter_per_side() -> None:
    assert grow_each_side(400, 200) == (100, 100, 50, 50)
    with pytest.raises(CanvasError):
        grow_each_side(400, 200, 0)


# ----------------------------------------------------------------------------- realtime


def test_lcm_data_url_uses_the_nearest_allowed_sizes() -> None:
    url, width, height = lcm_data_url(Image.new("RGB", (700, 500)))
    assert (width, height) == (640, 512)
    assert url.startswith("data:image/jpeg;base64,")
    assert opened(decode_data_url(url)).size == (640, 512)
    _, width, height = lcm_data_url(Image.new("RGBA", (3000, 3000)))
    assert (width, height) == (1024, 1024)
    _, width, height = lcm_data_url(Image.new("RGB", (100, 100)), 512)
    assert (width, height) == (512, 512)
    with pytest.raises(CanvasError, match="not 700"):
        lcm_data_url(Image.new("RGB", (100, 100)), (700, 512))


def test_decode_data_url_refuses_what_is_not_an_image() -> None:
    with pytest.raises(DataUrlError, match="not a data URL"):
        decode_data_url("https://example.com/x.png")
    with pytest.raises(DataUrlError, match="corrupt"):
        decode_data_url("data:image/png;base64,****")
    with pytest.raises(DataUrlError, match="not a JPEG"):
        decode_data_url("data:image/png;base64,aGVsbG8=")


# ----------------------------------------------------------------------------- requests


def test_canvas_request_sets_the_canvas_fields_and_drops_other_inits() -> None:
    form = GenerationRequest(
        prompt="p",
        num_images=2,
        init_image_id="old-init",
        init_generation_image_id="old-gen-image",
        init_strength=0.3,
        width=1024,
        height=768,
    )
    ids = CanvasUploadIds("init-1", "mask-1")
    inpaint = canvas_request(form, "INPAINT", ids, "img-7", size=(640, 480))
    assert inpaint.canvas_request is True and inpaint.canvas_request_type == "INPAINT"
    assert (inpaint.canvas_init_id, inpaint.canvas_mask_id) == ("init-1", "mask-1")
    assert (inpaint.width, inpaint.height) == (640, 480)
    assert inpaint.init_image_id is None and inpaint.init_generation_image_id is None
    assert inpaint.init_strength is None and inpaint.made_from == "img-7"
    assert inpaint.num_images == 2 and inpaint.prompt == "p"
    sketch = canvas_request(form, "SKETCH2IMG", ids, None, size=(640, 480))
    assert sketch.init_strength == 0.3 and sketch.made_from is None
    img2img = canvas_request(GenerationRequest(prompt="p"), "IMG2IMG", ids, None, size=(64, 64))
    assert img2img.init_strength == 0.5
    with pytest.raises(CanvasError, match="multiple of 8"):
        canvas_request(form, "INPAINT", ids, None, size=(641, 480))
    strong = GenerationRequest(prompt="p", init_strength=0.95)
    with pytest.raises(CanvasError, match="init strength"):
        canvas_request(strong, "IMG2IMG", ids, None, size=(64, 64))
    assert canvas_request(strong, "INPAINT", ids, None, size=(64, 64)).init_strength is None


@pytest.mark.parametrize(
    ("size", "sent"),
    [
        ((1024, 1024), (1024, 1024)),
        ((1920, 1080), (1024, 640)),  # 16:9 → 1.6, the nearest allowed shape
        ((768, 512), (1024, 640)),
        ((1024, 1536), (640, 1024)),
        ((1536, 1152), (640, 512)),  # 4:3 → 5:4, not 1024 × 640 (1.6 distorts more)
        ((300, 300), (512, 512)),  # a small sheet is not sent larger than it needs
    ],
)
def test_live_pictures_keep_their_shape(size: tuple[int, int], sent: tuple[int, int]) -> None:
    assert lcm_size(*size) == sent
    url, w, h = lcm_data_url(Image.new("RGB", size, (40, 90, 160)))
    assert (w, h) == sent
    with Image.open(io.BytesIO(decode_data_url(url))) as im:
        assert im.size == sent and im.format == "JPEG"


def test_a_canvas_grown_in_the_app_is_filled_from_its_edges() -> None:
    # the app's grown canvas: the old picture in the middle, a transparent border around it
    grown = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    grown.paste(Image.new("RGBA", (200, 100), (200, 40, 40, 255)), (100, 100))
    painted = Image.new("L", (400, 300), 0)
    painted.paste(255, (150, 130, 170, 150))  # the user also painted inside the picture
    init, mask = outpaint_grown(grown, painted)
    assert init.mode == "RGB" and init.size == (400, 300)
    assert init.getpixel((5, 150))[0] > 150  # the border took the edge's red, not black
    assert mask is not None and mask.getpixel((5, 5)) == 255  # the new area is regenerated
    assert mask.getpixel((200, 145)) == 0  # the middle of the old picture is kept
    assert mask.getpixel((160, 140)) == 255  # what the user painted is regenerated too
    assert mask.getpixel((100 + OUTPAINT_OVERLAP // 2, 150)) == 255  # the seam blends


def test_an_ungrown_canvas_is_left_as_it_is() -> None:
    picture = Image.new("RGBA", (64, 64), (10, 20, 30, 255))
    assert outpaint_grown(picture, None) == (picture, None)
    with pytest.raises(CanvasError, match="empty"):
        outpaint_grown(Image.new("RGBA", (64, 64), (0, 0, 0, 0)), None)
