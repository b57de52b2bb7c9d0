"""Canvas Editor requests: ``POST /generations`` with ``canvasRequest: true``.

The init and the mask come from ``POST /canvas-init-image`` (or any uploaded init image) and
must be uploaded by this account; the mask must be exactly the init's size, and both sides a
multiple of 8 within 32..1536. The generation then has the init's size whatever ``width`` and
``height`` say, is priced as an image generation of that size, and its images are the init
with the masked (white) area regenerated (see :func:`leodesk.sim.derived.render_canvas`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import images
from .generations import Generations
from .records import CanvasSource
from .rules import MSG_INVALID_INIT_IMAGE, ApiError
from .uploads import InitImages

#: Request types that regenerate only the masked area, so they need a mask.
MASKED_TYPES = frozenset({"INPAINT", "OUTPAINT"})
MIN_SIDE, MAX_SIDE = 32, 1536
MSG_INVALID_MASK_IMAGE = "invalid mask image id"  # sim text


def _canvas_error(message: str, key: str) -> ApiError:
    return ApiError(400, message, "unexpected", path=f"$.{key}")


class Canvas(Generations, InitImages):
    """The checks of a canvas generation, before it is planned like any generation."""

    def _canvas_source(self, body: Mapping[str, Any]) -> CanvasSource | None:
        if not body.get("canvasRequest"):
            return None
        kind = body.get("canvasRequestType")
        if kind is None:
            raise _canvas_error("canvasRequest requires canvasRequestType", "canvasRequestType")
        init_id, mask_id = body.get("canvasInitId"), body.get("canvasMaskId")
        if init_id is None:
            raise _canvas_error("canvasRequest requires canvasInitId", "canvasInitId")
        if mask_id is None and kind in MASKED_TYPES:
            raise _canvas_error(f"canvasRequestType {kind} requires canvasMaskId", "canvasMaskId")
        width, height = self._canvas_size(init_id, "canvasInitId", MSG_INVALID_INIT_IMAGE)
        if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
            raise _canvas_error(
                f"canvas init image size {width}x{height} is invalid: each side must be "
                f"between {MIN_SIDE} and {MAX_SIDE} pixels",
                "canvasInitId",
            )
        if width % 8 or height % 8:
            raise _canvas_error(
                f"canvas init image size {width}x{height} is invalid: width and height must "
                "be multiples of 8",
                "canvasInitId",
            )
        if mask_id is not None:
            size = self._canvas_size(mask_id, "canvasMaskId", MSG_INVALID_MASK_IMAGE)
            if size != (width, height):
                raise _canvas_error(
                    f"canvas mask size {size[0]}x{size[1]} does not match the init image "
                    f"size {width}x{height}",
                    "canvasMaskId",
                )
        return CanvasSource(str(kind), str(init_id), mask_id, width, height)

    def _canvas_size(self, image_id: Any, key: str, unknown: str) -> tuple[int, int]:
        """The size of an uploaded picture of this account (400 for anything else)."""
        init = self._init_images.get(str(image_id))
        if init is None or init.data is None:
            raise _canvas_error(unknown, key)
        size = images.image_size(init.data)
        if size is None:
            raise _canvas_error(f"the image of {key} {image_id} cannot be read", key)
        return size
