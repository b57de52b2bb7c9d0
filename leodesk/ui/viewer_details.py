"""What the viewer says about the shown image: its details (human names for the scheduler, the
style and the modes; the real pixel size of the file once it is decoded) and its lineage links."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage

from leodesk.core.library.records import ImageKind, ImageRecord
from leodesk.ui import names, recall
from leodesk.ui.recall_elements import sent_request

UPSCALES = ("UPSCALE", "UNIVERSAL_UPSCALE")


def _tr(text: str) -> str:
    return QCoreApplication.translate("ImageViewer", text)


def modes_text(generation: Any) -> str:
    """The modes a generation was made with, by name ("Alchemy, PhotoReal")."""
    on = [
        label
        for field, label in (
            ("alchemy", _tr("Alchemy")),
            ("photo_real", _tr("PhotoReal")),
            ("prompt_magic", _tr("Prompt Magic")),
        )
        if recall.value(generation, field) is True
    ]
    transparency = sent_request(generation).get("transparency")
    if transparency and transparency != "disabled":
        on.append(names.transparency(transparency))
    return ", ".join(on)


def size_rows(r: ImageRecord, image: QImage, generation: Any) -> list[tuple[str, object]]:
    """The file's own size once decoded ("px"; until then the library's size), and the size
    asked for when it differs (an upscale is larger than its generation's size)."""
    if image.isNull():
        return [(_tr("Size"), f"{r.width} × {r.height}" if r.width and r.height else None)]
    real = (image.width(), image.height())
    rows: list[tuple[str, object]] = [(_tr("Size"), f"{real[0]} × {real[1]} px")]
    asked = recall.value(generation, "size") if generation is not None else None
    if asked and tuple(asked) != real:
        rows.append((_tr("Asked for"), f"{asked[0]} × {asked[1]}"))
    return rows


def generation_rows(generation: Any) -> list[tuple[str, object]]:
    if generation is None:
        return []
    show = recall.display
    return [
        (_tr("Style"), show(generation, "preset_style")),
        (_tr("Scheduler"), show(generation, "scheduler")),
        (_tr("Guidance"), show(generation, "guidance_scale")),
        (_tr("Steps"), show(generation, "steps")),
        (_tr("Modes"), modes_text(generation)),
    ]


def metadata_html(
    r: ImageRecord, image: QImage, generation: Any = None, model_names: dict[str, str] | None = None
) -> str:
    model = (model_names or {}).get(r.model_id or "") or r.model_name or r.model_id
    rows: list[tuple[str, object]] = [
        (_tr("Prompt"), r.prompt),
        (_tr("Negative"), r.negative_prompt),
        (_tr("Model"), model),
        *size_rows(r, image, generation),
        (_tr("Made by"), names.transform(r.transform) if r.transform else None),
        (_tr("Seed"), r.seed),
        *generation_rows(generation),
        (_tr("Generation"), r.generation_id),
        (_tr("Image"), r.id),
    ]
    body = "".join(
        f"<tr><td style='color:#999;padding-right:8px'>{html.escape(k)}</td>"
        f"<td>{html.escape(str(v))}</td></tr>"
        for k, v in rows
        if v not in (None, "", "—")
    )
    return f"<table>{body}</table>"


def raw_values(generation: Any) -> str:
    """The tooltip: the values shown by name, as the API spells them."""
    if generation is None:
        return ""
    lines = []
    for field, label, _key in recall.FIELDS:
        tip = recall.raw_tip(generation, field)
        if tip:
            lines.append(f"{label}: {tip}")
    transparency = sent_request(generation).get("transparency")
    if transparency:
        lines.append(f"transparency: {transparency}")
    return "\n".join(lines)


def lineage_verb(r: ImageRecord) -> str:
    if r.kind == ImageKind.MOTION:
        return _tr("Motion from")
    if r.kind == ImageKind.IMAGE:
        return _tr("Made from")
    return _tr("Upscale of") if r.transform in UPSCALES else _tr("Variation of")


def link(record: ImageRecord) -> str:
    """A lineage link: what the image is (its transform) and a short id."""
    if record.transform:
        what = names.transform(record.transform)
    else:
        what = _tr("Motion") if record.kind == ImageKind.MOTION else _tr("Image")
    return (
        f"<a href='image:{html.escape(record.id, quote=True)}'>"
        f"{html.escape(what)} {html.escape(record.id[:8])}</a>"
    )


def _bold(text: str) -> str:
    return f"<b>{html.escape(text)}</b>"


def lineage_html(
    r: ImageRecord | None, ancestors: list[ImageRecord], children: list[ImageRecord]
) -> str:
    parts: list[str] = []
    if ancestors and r is not None:
        parts.append(f"{_bold(lineage_verb(r))} {link(ancestors[0])}")
        if len(ancestors) > 1:
            chain = " ← ".join(link(a) for a in ancestors)
            parts.append(f"{_bold(_tr('Chain'))} {html.escape(_tr('this'))} ← {chain}")
    if children:
        parts.append(f"{_bold(_tr('Children'))} " + ", ".join(link(c) for c in children))
    return "<br>".join(parts)
