"""A blueprint run before it is sent: the values of a version's declared inputs, checked
against their declarations (a wrong type or a value out of range is refused with a sentence,
before anything is sent), and the stored job body the queue keeps.

An image input holds a local file (uploaded as an init image when the job is sent) or the URL
of an image already on Leonardo (a gallery image: nothing is uploaded).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from leodesk.core.api.blueprint_models import BlueprintInput, BlueprintVersion
from leodesk.core.errors import LeodeskError

JOB_KIND = "blueprint"

#: Where an image input's picture comes from: a local file (uploaded when sent), an address on
#: Leonardo (a gallery image), an init image already uploaded (its address asked when sent).
FILE, URL, INIT = "file", "url", "init"


class InputError(LeodeskError, ValueError):
    """An input value that does not fit its declaration; ``str()`` says which and why."""


@dataclass(frozen=True)
class JobInput:
    """One input's value as the job keeps it."""

    node_id: str
    setting_name: str
    type: str
    label: str
    value: str  # the text, the number as text, a file path or an image URL
    source: str = ""  # images: FILE, URL or INIT
    image_id: str | None = None  # a gallery image's id (for the record)


@dataclass(frozen=True)
class BlueprintJob:
    """A stored blueprint run."""

    blueprint_id: str
    name: str
    version_id: str
    inputs: tuple[JobInput, ...]
    cost: int | None = None
    outputs: int = 0

    @property
    def label(self) -> str:
        return f"Blueprint: {self.name}" if self.name else "Blueprint"

    def texts(self) -> list[str]:
        """The text and number values (what a made generation's prompt may show)."""
        return [i.value for i in self.inputs if i.type != "image" and i.value.strip()]


@dataclass
class ImageChoice:
    """An image input's picture: a local file, a library image with its URL, or an init image
    already uploaded."""

    path: Path | None = None
    url: str | None = None
    image_id: str | None = None
    init_id: str | None = None


def job_body(job: BlueprintJob) -> str:
    return json.dumps(asdict(job), sort_keys=True)


def job_from_body(text: str | None) -> BlueprintJob:
    """The inverse of :func:`job_body`; ValueError when it is not one."""
    try:
        data = json.loads(text or "")
        inputs = tuple(JobInput(**i) for i in data.pop("inputs"))
        return BlueprintJob(**data, inputs=inputs)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError("not a blueprint job") from exc


def _number(inp: BlueprintInput, raw: str) -> str:
    text = raw.strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(f"“{inp.title}” takes a number; “{text[:40]}” is not one.")
    if inp.integer and not value.is_integer():
        raise InputError(f"“{inp.title}” takes a whole number; “{text[:40]}” is not one.")
    low, high = inp.minimum, inp.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        raise InputError(f"“{inp.title}” must be between {fmt(low)} and {fmt(high)}.")
    return fmt(value)


def fmt(value: float | None) -> str:
    """A number as the API is sent it (``4``, ``1.25``); ``…`` for no limit."""
    if value is None:
        return "…"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def checked_value(inp: BlueprintInput, raw: str) -> str:
    """The value to send for a text or number input; InputError when it does not fit."""
    if inp.type == "number":
        return _number(inp, raw)
    if inp.max_length is not None and len(raw) > inp.max_length:
        raise InputError(
            f"“{inp.title}” takes at most {inp.max_length} characters ({len(raw)} given)."
        )
    return raw


def build_job(
    blueprint_id: str,
    name: str,
    version: BlueprintVersion,
    values: Mapping[str, str],
    images: Mapping[str, ImageChoice],
) -> BlueprintJob:
    """The job for ``version`` with ``values`` (text and numbers, by input key) and
    ``images`` (by input key); InputError listing every input that does not fit."""
    if not version.executable:
        raise InputError(
            "This version cannot be run any more (its model is retired): choose another."
        )
    problems: list[str] = []
    inputs: list[JobInput] = []
    for inp in version.inputs:
        try:
            item = _job_input(inp, values, images)
        except InputError as exc:
            problems.append(str(exc))
            continue
        if item is not None:
            inputs.append(item)
    unknown = sorted((set(values) | set(images)) - {i.key for i in version.inputs})
    problems += [f"This version has no input {key}." for key in unknown]
    if problems:
        raise InputError(" ".join(problems))
    return BlueprintJob(
        blueprint_id, name, version.id, tuple(inputs), version.cost, version.outputs
    )


def _job_input(
    inp: BlueprintInput, values: Mapping[str, str], images: Mapping[str, ImageChoice]
) -> JobInput | None:
    base = (inp.node_id, inp.setting_name, inp.type, inp.title)
    if inp.type == "image":
        choice = images.get(inp.key)
        if choice is None:
            if inp.key in values:
                raise InputError(f"“{inp.title}” takes an image, not text.")
            if inp.required:
                raise InputError(f"“{inp.title}” needs an image.")
            return None
        if choice.path is not None:
            return JobInput(*base, str(choice.path), FILE)
        if choice.url:
            return JobInput(*base, choice.url, URL, choice.image_id)
        if choice.init_id:
            return JobInput(*base, choice.init_id, INIT)
        raise InputError(f"“{inp.title}”: that image is not on Leonardo and has no file.")
    if inp.key in images:
        raise InputError(f"“{inp.title}” takes {'a number' if inp.type == 'number' else 'text'}.")
    raw = values.get(inp.key)
    if raw is None or not raw.strip():
        if inp.required:
            raise InputError(f"“{inp.title}” is required.")
        return None  # the version's default applies
    return JobInput(*base, checked_value(inp, raw))


def input_summary(version: BlueprintVersion) -> Sequence[str]:
    """One line per declared input (the CLI's listing)."""
    lines = []
    for inp in version.inputs:
        limits = ""
        if inp.type == "number":
            limits = f" {fmt(inp.minimum)}..{fmt(inp.maximum)}"
            limits += " whole" if inp.integer else ""
        elif inp.max_length:
            limits = f" ≤{inp.max_length} chars"
        default = f" default {inp.default}" if inp.default is not None else ""
        need = " required" if inp.required else ""
        lines.append(f"{inp.key}  {inp.type}{need}{limits}{default}  {inp.title}")
    return lines
