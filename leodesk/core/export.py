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
from typing import Any

from PIL import Image, PngImagePlugin

SOFTWARE = "leodesk"


@dataclass(frozen=True)
class ExportItem:
    """One image to export: its file, its record and (if known) its generation's record."""

    source: Path
    image: Any  # leodesk.core.library.ImageRecord
    generation: Any = None  # leodesk.core.library.GenerationRecord | None


def metadata(image: Any, generation: Any = None) -> dict[str, Any]:
    """The parameters of an image as a JSON-able dict (None values left out)."""
    g = generation
    data: dict[str, Any] = {
        "prompt": getattr(g, "prompt", None) or getattr(image, "prompt", None),
        "negative_prompt": getattr(g, "negative_prompt", None)
        or getattr(image, "negative_prompt", None),
        "model_id": getattr(g, "model_id", None) or getattr(image, "model_id", None),
        "seed": getattr(g, "seed", None) if g is not None else getattr(image, "seed", None),
        "width": getattr(g, "width", None),
        "height": getattr(g, "height", None),
        "guidance_scale": getattr(g, "guidance_scale", None),
        "steps": getattr(g, "steps", None),
        "scheduler": getattr(g, "scheduler", None),
        "preset_style": getattr(g, "preset_style", None),
        "sd_version": getattr(g, "sd_version", None),
        "alchemy": getattr(g, "alchemy", None),
        "photo_real": getattr(g, "photo_real", None),
        "prompt_magic": getattr(g, "prompt_magic", None),
        "init_strength": getattr(g, "init_strength", None),
        "created_at": getattr(g, "created_at", None),
        "generation_id": getattr(image, "generation_id", None),
        "image_id": getattr(image, "id", None),
        "parent_image_id": getattr(image, "parent_image_id", None),
    }
    request = getattr(g, "request_json", None)
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
    prompt = str(getattr(item.image, "prompt", "") or "image")
    words = "".join(c if c.isalnum() else "-" for c in prompt[:48]).strip("-")
    while "--" in words:
        words = words.replace("--", "-")
    seed = getattr(item.generation, "seed", None) or getattr(item.image, "seed", None)
    parts = [words or "image"]
    if seed is not None:
        parts.append(str(seed))
    parts.append(str(getattr(item.image, "id", "x"))[:8])
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
