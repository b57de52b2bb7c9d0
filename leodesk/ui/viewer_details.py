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


def modes_text(generation: Any) -> str:
    """The modes a generation was made with, by name ("Alchemy, PhotoReal")."""
    on = [
        label
        for field, label in (
            ("alchemy", QCoreApplication.translate("ImageViewer", "Alchemy")),
            ("photo_real", QCoreApplication.translate("ImageViewer", "PhotoReal")),
            ("prompt_magic", QCoreApplication.translate("ImageViewer", "Prompt Magic")),
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
        return [
            (
                QCoreApplication.translate("ImageViewer", "Size"),
                f"{r.width} × {r.height}" if r.width and r.height else None,
            )
        ]
    real = (image.width(), image.height())
    rows: list[tuple[str, object]] = [
        (
            QCoreApplication.translate("ImageViewer", "Size"),
            QCoreApplication.translate("ImageViewer", "{w} × {h} px").format(w=real[0], h=real[1]),
        )
    ]
    asked = recall.value(generation, "size") if generation is not None else None
    if asked and tuple(asked) != real:
        rows.append(
            (QCoreApplication.translate("ImageViewer", "Asked for"), f"{asked[0]} × {asked[1]}")
        )
    return rows


def generation_rows(generation: Any) -> list[tuple[str, object]]:
    if generation is None:
        return []
    show = recall.display
    return [
        (QCoreApplication.translate("ImageViewer", "Style"), show(generation, "preset_style")),
        (QCoreApplication.translate("ImageViewer", "Scheduler"), show(generation, "scheduler")),
        (QCoreApplication.translate("ImageViewer", "Guidance"), show(generation, "guidance_scale")),
        (QCoreApplication.translate("ImageViewer", "Steps"), show(generation, "steps")),
        (QCoreApplication.translate("ImageViewer", "Modes"), modes_text(generation)),
    ]


def metadata_html(
    r: ImageRecord, image: QImage, generation: Any = None, model_names: dict[str, str] | None = None
) -> str:
    model = (model_names or {}).get(r.model_id or "") or r.model_name or r.model_id
    rows: list[tuple[str, object]] = [
        (QCoreApplication.translate("ImageViewer", "Prompt"), r.prompt),
        (QCoreApplication.translate("ImageViewer", "Negative"), r.negative_prompt),
        (QCoreApplication.translate("ImageViewer", "Model"), model),
        *size_rows(r, image, generation),
        (
            QCoreApplication.translate("ImageViewer", "Made by"),
            names.transform(r.transform) if r.transform else None,
        ),
        (QCoreApplication.translate("ImageViewer", "Seed"), r.seed),
        *generation_rows(generation),
        (QCoreApplication.translate("ImageViewer", "Generation"), r.generation_id),
        (QCoreApplication.translate("ImageViewer", "Image"), r.id),
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
        lines.append(
            QCoreApplication.translate("ImageViewer", "transparency: {value}").format(
                value=transparency
            )
        )
    return "\n".join(lines)


def lineage_verb(r: ImageRecord) -> str:
    if r.kind == ImageKind.MOTION:
        return QCoreApplication.translate("ImageViewer", "Motion from")
    if r.kind == ImageKind.IMAGE:
        return QCoreApplication.translate("ImageViewer", "Made from")
    return (
        QCoreApplication.translate("ImageViewer", "Upscale of")
        if r.transform in UPSCALES
        else QCoreApplication.translate("ImageViewer", "Variation of")
    )


def link(record: ImageRecord) -> str:
    """A lineage link: what the image is (its transform) and a short id."""
    if record.transform:
        what = names.transform(record.transform)
    else:
        what = (
            QCoreApplication.translate("ImageViewer", "Motion")
            if record.kind == ImageKind.MOTION
            else QCoreApplication.translate("ImageViewer", "Image")
        )
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
            chain_label = _bold(QCoreApplication.translate("ImageViewer", "Chain"))
            this = html.escape(QCoreApplication.translate("ImageViewer", "this"))
            parts.append(f"{chain_label} {this} ← {chain}")
    if children:
        children_label = _bold(QCoreApplication.translate("ImageViewer", "Children"))
        parts.append(f"{children_label} " + ", ".join(link(c) for c in children))
    return "<br>".join(parts)
