"""Export images with their generation's parameters: PNG text chunks and a JSON sidecar.

A PNG carries two text chunks: ``parameters`` (one human-readable block, the de facto format
image tools read: prompt, then ``Negative prompt:``, then ``key: value`` pairs) and ``leodesk``
(the same as JSON, exact). ``export`` writes ``<name>.png`` and, optionally, ``<name>.json``.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, PngImagePlugin

if TYPE_CHECKING:
    from leodesk.core.library import GenerationRecord, ImageRecord

SOFTWARE = "leodesk"


@dataclass(frozen=True)
class ExportItem:
    """One image to export: its file, its record and (if known) its generation's record."""

    source: Path
    image: ImageRecord
    generation: GenerationRecord | None = None


def metadata(image: ImageRecord, generation: GenerationRecord | None = None) -> dict[str, Any]:
    """The parameters of an image as a JSON-able dict (None values left out)."""
    g = generation
    data: dict[str, Any] = {
        "prompt": (g.prompt if g is not None else None) or image.prompt,
        "negative_prompt": (g.negative_prompt if g is not None else None) or image.negative_prompt,
        "model_id": (g.model_id if g is not None else None) or image.model_id,
        "seed": g.seed if g is not None else image.seed,
        "width": g.width if g is not None else None,
        "height": g.height if g is not None else None,
        "guidance_scale": g.guidance_scale if g is not None else None,
        "steps": g.steps if g is not None else None,
        "scheduler": g.scheduler if g is not None else None,
        "preset_style": g.preset_style if g is not None else None,
        "sd_version": g.sd_version if g is not None else None,
        "alchemy": g.alchemy if g is not None else None,
        "photo_real": g.photo_real if g is not None else None,
        "prompt_magic": g.prompt_magic if g is not None else None,
        "init_strength": g.init_strength if g is not None else None,
        "created_at": g.created_at if g is not None else None,
        "generation_id": image.generation_id,
        "image_id": image.id,
        "parent_image_id": image.parent_image_id,
    }
    request = g.request_json if g is not None else None
    if request:
        try:
            sent = json.loads(request)
        except ValueError:
            sent = None
        if isinstance(sent, dict):
            data["request"] = {k: v for k, v in sent.items() if v is not None}
    return {k: v for k, v in data.items() if v not in (None, "")}


def parameters_text(meta: Mapping[str, Any]) -> str:
    """The ``parameters`` chunk: prompt, negative prompt, then ``key: value`` pairs."""
    lines = [str(meta.get("prompt", ""))]
    if meta.get("negative_prompt"):
        lines.append(f"Negative prompt: {meta['negative_prompt']}")
    pairs = []
    for label, key in (
        ("Steps", "steps"),
        ("Sampler", "scheduler"),
        ("CFG scale", "guidance_scale"),
        ("Seed", "seed"),
        ("Size", None),
        ("Model", "model_id"),
        ("Style", "preset_style"),
        ("Alchemy", "alchemy"),
        ("PhotoReal", "photo_real"),
    ):
        if key is None:
            if meta.get("width") and meta.get("height"):
                pairs.append(f"Size: {meta['width']}x{meta['height']}")
        elif meta.get(key) is not None:
            pairs.append(f"{label}: {meta[key]}")
    if pairs:
        lines.append(", ".join(pairs))
    return "\n".join(lines)


def png_bytes(source: Path, meta: Mapping[str, Any]) -> bytes:
    """The image at ``source`` as PNG with ``meta`` in its text chunks."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt("parameters", parameters_text(meta))
    info.add_itxt("leodesk", json.dumps(meta, ensure_ascii=False, sort_keys=True))
    info.add_text("Software", SOFTWARE)
    out = io.BytesIO()
    with Image.open(source) as opened:
        opened.load()
        im: Image.Image = opened
        if im.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            im = im.convert("RGBA")
        im.save(out, "PNG", pnginfo=info, optimize=False, compress_level=3)
    return out.getvalue()


def read_png_metadata(path: Path) -> dict[str, Any]:
    """The ``leodesk`` chunk of a PNG leodesk wrote ({} if there is none)."""
    with Image.open(path) as im:
        text = getattr(im, "text", {}) or {}
    raw = text.get("leodesk")
    if not raw:
        return {}
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_name(item: ExportItem) -> str:
    """``<prompt words>_<seed>_<image id prefix>`` — readable and unique."""
    prompt = str(item.image.prompt or "image")
    words = "".join(c if c.isalnum() else "-" for c in prompt[:48]).strip("-")
    while "--" in words:
        words = words.replace("--", "-")
    seed = (item.generation.seed if item.generation is not None else None) or item.image.seed
    parts = [words or "image"]
    if seed is not None:
        parts.append(str(seed))
    parts.append(str(item.image.id)[:8])
    return "_".join(parts)


def export(
    items: Iterable[ExportItem],
    dest: Path,
    *,
    sidecar: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[Path]:
    """Write each item as PNG (+ JSON sidecar) into ``dest``; returns the PNG paths written."""
    todo = list(items)
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for n, item in enumerate(todo, start=1):
        if cancelled is not None and cancelled():
            break
        meta = metadata(item.image, item.generation)
        name = file_name(item)
        target = dest / f"{name}.png"
        _atomic_write(target, png_bytes(item.source, meta))
        if sidecar:
            text = json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True)
            _atomic_write(dest / f"{name}.json", text.encode("utf-8"))
        written.append(target)
        if on_progress is not None:
            on_progress(n, len(todo))
    return written
