"""Turn a stored generation into prompt-form state: one field, or a whole new draft.

Pure functions over records (no I/O): the form's :meth:`PromptForm.restore_state` applies the
result, and keys left out keep their current value.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from leodesk.core.styles import style_name_of
from leodesk.ui import names
from leodesk.ui.recall_elements import element_state, element_text, sent_request

# field → (label, form-state key); the order is the metadata panel's order.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("prompt", str(QT_TRANSLATE_NOOP("Recall", "Prompt")), "prompt"),
    ("negative_prompt", str(QT_TRANSLATE_NOOP("Recall", "Negative prompt")), "negative_prompt"),
    ("model_id", str(QT_TRANSLATE_NOOP("Recall", "Model")), "model"),
    ("size", str(QT_TRANSLATE_NOOP("Recall", "Size")), "size"),
    ("num_images", str(QT_TRANSLATE_NOOP("Recall", "Images")), "num_images"),
    ("seed", str(QT_TRANSLATE_NOOP("Recall", "Seed")), "seed"),
    ("guidance_scale", str(QT_TRANSLATE_NOOP("Recall", "Guidance")), "guidance_scale"),
    ("steps", str(QT_TRANSLATE_NOOP("Recall", "Steps")), "steps"),
    ("scheduler", str(QT_TRANSLATE_NOOP("Recall", "Scheduler")), "scheduler"),
    ("preset_style", str(QT_TRANSLATE_NOOP("Recall", "Style")), "preset_style"),
    ("elements", str(QT_TRANSLATE_NOOP("Recall", "Elements")), "elements"),
    ("alchemy", str(QT_TRANSLATE_NOOP("Recall", "Alchemy")), "alchemy"),
    ("photo_real", str(QT_TRANSLATE_NOOP("Recall", "PhotoReal")), "photo_real"),
    ("prompt_magic", str(QT_TRANSLATE_NOOP("Recall", "Prompt Magic")), "prompt_magic"),
    ("init_strength", str(QT_TRANSLATE_NOOP("Recall", "Init strength")), "init_strength"),
)


def shown_label(label: str) -> str:
    """A label of :data:`FIELDS` in the user's language."""
    return QCoreApplication.translate("Recall", label)


def value(generation: Any, field: str) -> Any:
    """The stored value of ``field`` (what the server reports, else what was sent)."""
    sent = sent_request(generation)
    if field == "elements":
        picked = element_state(generation)
        return picked if picked["elements"] or picked["user_elements"] else None
    if field == "size":
        w = getattr(generation, "width", None) or sent.get("width")
        h = getattr(generation, "height", None) or sent.get("height")
        return (w, h) if w and h else None
    stored = getattr(generation, field, None)
    if stored is None or stored == "":
        stored = sent.get(field)
    return stored


def display(generation: Any, field: str, model_names: dict[str, str] | None = None) -> str:
    v = value(generation, field)
    if v is None or v == "":
        return "—"
    if field == "size":
        return f"{v[0]} × {v[1]}"
    if field == "elements":
        return element_text(v, model_names or {})
    if field == "model_id" and model_names:
        return model_names.get(str(v), str(v))
    if isinstance(v, bool):
        return (
            QCoreApplication.translate("Recall", "on")
            if v
            else QCoreApplication.translate("Recall", "off")
        )
    named = names.FIELD_NAMES.get(field)
    return named(v) if named is not None else str(v)


def raw_tip(generation: Any, field: str) -> str:
    """The stored value as the API spells it, when :func:`display` shows a human name for it
    (a tooltip); else ""."""
    v = value(generation, field)
    if field not in names.FIELD_NAMES or v is None or v == "":
        return ""
    return str(v) if str(v) != display(generation, field) else ""


def field_state(generation: Any, field: str, model: Any = None) -> dict[str, Any]:
    """Form state that recalls one field (empty if the record has no value for it)."""
    v = value(generation, field)
    if v is None:
        return {}
    if field == "size":
        return {"width": int(v[0]), "height": int(v[1])}
    if field == "seed":
        return {"seed": str(v), "random_seed": False}
    if field == "model_id":
        return {"model": model.to_json()} if model is not None else {}
    if field == "elements":
        return dict(v)
    key = next(k for f, _label, k in FIELDS if f == field)
    return {key: v}


def draft_state(generation: Any, model: Any = None) -> dict[str, Any]:
    """Form state for a whole new draft from a stored generation."""
    state: dict[str, Any] = {}
    for field, _label, _key in FIELDS:
        state.update(field_state(generation, field, model))
    sent = sent_request(generation)
    for key in (
        "high_resolution",
        "photo_real_version",
        "photo_real_strength",
        "prompt_magic_version",
        "prompt_magic_strength",
        "contrast",
        "tiling",
        "transparency",
    ):
        if sent.get(key) is not None:
            state[key] = sent[key]
    style = style_name_of(sent.get("style_uuid"))
    if style is not None:  # a Phoenix or Flux style, sent as styleUUID
        state["preset_style"] = style
    if sent.get("high_contrast") is False:
        state["raw_mode"] = True
    if model is None:
        state["model"] = None
    state["images"] = _images(sent)
    state.update(element_state(generation))  # none used: the draft's picks are cleared
    return state


def _images(sent: dict[str, Any]) -> list[dict[str, Any]]:
    """The image slots of a recalled generation: its init image and image prompts, by id."""
    out: list[dict[str, Any]] = []
    init_generated = sent.get("init_generation_image_id")
    init_uploaded = sent.get("init_image_id")
    if isinstance(init_generated, str) and init_generated:
        out.append(
            {
                "slot": "initImageSlot",
                "image_id": init_generated,
                "generated": True,
                "source": QCoreApplication.translate("Recall", "Gallery image"),
            }
        )
    elif isinstance(init_uploaded, str) and init_uploaded:
        out.append(
            {
                "slot": "initImageSlot",
                "image_id": init_uploaded,
                "generated": False,
                "source": QCoreApplication.translate("Recall", "Uploaded image"),
            }
        )
    prompts = sent.get("image_prompts")
    if isinstance(prompts, list):
        for n, image_id in enumerate(p for p in prompts if isinstance(p, str) and p):
            out.append(
                {
                    "slot": f"imagePromptSlot{n}",
                    "image_id": image_id,
                    "generated": False,
                    "source": QCoreApplication.translate("Recall", "Image prompt"),
                }
            )
    return out


def diff(a: Any, b: Any) -> list[tuple[str, Any, Any]]:
    """The fields whose values differ between two generations: (label, a, b)."""
    rows = []
    for field, label, _key in FIELDS:
        va, vb = value(a, field), value(b, field)
        if va != vb:
            rows.append((label, va, vb))
    return rows
