"""Elements (LoRAs) as the form offers them: the platform's (``GET /elements``) and the user's own
(``GET /elements/user/{userId}``) as one kind of entry, :class:`ElementChoice`.

Each entry has a ``key``: the ``akUUID`` of a platform element, ``user:<id>`` of an own one. An
entry fits a model when both belong to the same family (SD 1.5, SDXL, Phoenix, Flux, as
:func:`~leodesk.core.catalog.version_family` reads ``baseModel`` / ``sdVersion``); entries that do
not fit are left out, entries whose family (or the model's) is unknown are offered with a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

from leodesk.core.catalog import ModelInfo, version_family

if TYPE_CHECKING:  # the API's data classes load with the client, after the window is up
    from leodesk.core.api.models import Element, ElementRef, UserElement, UserElementRef

__all__ = [
    "OWN_PREFIX",
    "OWN_WEIGHTS",
    "ElementChoice",
    "fits",
    "from_platform",
    "from_user",
    "offered",
    "own_key",
    "split_picks",
]

OWN_PREFIX: Final = "user:"
#: Reading: the spec gives no weight range for custom elements; the platform's usual one.
OWN_WEIGHTS: Final = (-1.0, 1.0, 2.0)  # min, default, max
#: Custom elements in these states cannot be generated with yet (or ever).
_NOT_READY: Final = frozenset({"PENDING", "FAILED", "DELETED"})


def own_key(element_id: int) -> str:
    """The key of the user's own element ``element_id``."""
    return f"{OWN_PREFIX}{element_id}"


def _num(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


@dataclass(frozen=True)
class ElementChoice:
    """One element the user can pick, with its weight range (``weight_min`` ≤ default ≤ max)."""

    key: str
    name: str
    description: str = ""
    base_model: str | None = None
    url_image: str | None = None
    weight_min: float = OWN_WEIGHTS[0]
    weight_default: float = OWN_WEIGHTS[1]
    weight_max: float = OWN_WEIGHTS[2]
    own_id: int | None = None
    creator: str | None = None
    focus: str | None = None

    @property
    def own(self) -> bool:
        return self.own_id is not None

    def clamp(self, weight: float) -> float:
        """``weight`` brought into the element's range."""
        return round(min(self.weight_max, max(self.weight_min, weight)), 2)

    def as_element(self) -> Element:
        """The platform element this entry stands for (weights for the request checks)."""
        from leodesk.core.api.models import Element

        return Element(
            ak_uuid=self.key,
            name=self.name,
            description=self.description,
            url_image=self.url_image,
            base_model=self.base_model,
            weight_default=self.weight_default,
            weight_min=self.weight_min,
            weight_max=self.weight_max,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ElementChoice | None:
        """An entry saved by :meth:`to_json`; None when it is unreadable."""
        key, name = data.get("key"), data.get("name")
        if not isinstance(key, str) or not key or not isinstance(name, str):
            return None
        texts = {
            k: data[k] if isinstance(data.get(k), str) else None
            for k in ("base_model", "url_image", "creator", "focus")
        }
        weights = [_num(data.get(k)) for k in ("weight_min", "weight_default", "weight_max")]
        lo, default, hi = (
            w if w is not None else d for w, d in zip(weights, OWN_WEIGHTS, strict=True)
        )
        own_id = data.get("own_id")
        return cls(
            key=key,
            name=name,
            description=str(data.get("description") or ""),
            weight_min=lo,
            weight_default=default,
            weight_max=hi,
            own_id=own_id if isinstance(own_id, int) and not isinstance(own_id, bool) else None,
            **texts,
        )


def _weights(lo: float | None, default: float | None, hi: float | None) -> tuple[float, ...]:
    low = lo if lo is not None else OWN_WEIGHTS[0]
    high = hi if hi is not None else OWN_WEIGHTS[2]
    if low > high:
        low, high = high, low
    mid = default if default is not None else min(high, max(low, 1.0))
    return low, min(high, max(low, mid)), high


def from_platform(element: Element) -> ElementChoice | None:
    """The entry of a platform element (None without an ``akUUID``)."""
    if not element.ak_uuid:
        return None
    lo, default, hi = _weights(element.weight_min, element.weight_default, element.weight_max)
    return ElementChoice(
        key=element.ak_uuid,
        name=element.name or element.ak_uuid,
        description=element.description or "",
        base_model=element.base_model,
        url_image=element.url_image,
        weight_min=lo,
        weight_default=default,
        weight_max=hi,
        creator=element.creator_name,
    )


def from_user(element: UserElement) -> ElementChoice | None:
    """The entry of one of the user's elements (None without an id or when not ready)."""
    if element.id is None or (element.status or "").upper() in _NOT_READY:
        return None
    return ElementChoice(
        key=own_key(element.id),
        name=element.name or f"Element {element.id}",
        description=element.description or "",
        base_model=element.base_model,
        own_id=element.id,
        focus=element.focus,
    )


def fits(choice: ElementChoice, model: ModelInfo | None) -> bool | None:
    """Whether the element is made for the model's family; None when either is unknown."""
    element_family = version_family(choice.base_model)
    model_family = model.family if model is not None else None
    if element_family is None or model_family is None:
        return None
    return element_family == model_family


def offered(
    choices: Iterable[ElementChoice], model: ModelInfo | None
) -> list[tuple[ElementChoice, bool | None]]:
    """The entries that may go with ``model`` (own ones first), each with :func:`fits`."""
    out = [(c, fits(c, model)) for c in choices]
    kept = [(c, f) for c, f in out if f is not False]
    return sorted(kept, key=lambda pair: not pair[0].own)


def split_picks(
    picks: Mapping[str, float],
) -> tuple[tuple[ElementRef, ...], tuple[UserElementRef, ...]]:
    """Picked keys with weights → the platform refs and the own refs of a request."""
    from leodesk.core.api.models import ElementRef, UserElementRef

    platform = tuple(ElementRef(k, w) for k, w in picks.items() if not k.startswith(OWN_PREFIX))
    own: list[UserElementRef] = []
    for key, weight in picks.items():
        tail = key[len(OWN_PREFIX) :] if key.startswith(OWN_PREFIX) else ""
        if tail.isdigit():
            own.append(UserElementRef(int(tail), weight))
    return platform, tuple(own)
