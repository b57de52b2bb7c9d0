"""The user's own elements by id: ``GET /elements/{id}`` and ``DELETE /elements/{id}`` (a mixin
of :class:`~leodesk.core.api.client.LeonardoClient`).

The platform list (``GET /elements``) and the user's list (``GET /elements/user/{userId}``) are
read by the client itself; these two take the integer id of a custom element (``user_loras``).
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import ProtocolError
from .models import UserElement
from .parse import parse_user_element
from .transport import RequestKind, Transport

__all__ = ["ElementCalls"]


def _element_path(element_id: int) -> str:
    if isinstance(element_id, bool) or not isinstance(element_id, int) or element_id < 0:
        raise ValueError("an element id must be a non-negative integer")
    return f"/elements/{element_id}"


class ElementCalls(Transport):
    """``get_user_element`` and ``delete_user_element``."""

    def get_user_element(self, element_id: int) -> UserElement | None:
        """``GET /elements/{id}``: one custom element, None when the server has none."""
        item = self._get(_element_path(element_id), "getElementById", "user_loras_by_pk")
        if item is None:
            return None
        if not isinstance(item, Mapping):
            raise ProtocolError(server_message="getElementById: user_loras_by_pk is no object")
        return parse_user_element(item)

    def delete_user_element(self, element_id: int) -> int | None:
        """``DELETE /elements/{id}``: the deleted id, or None if nothing was deleted."""
        item = self._call(
            "DELETE",
            _element_path(element_id),
            "deleteElementById",
            RequestKind.IDEMPOTENT,
            "delete_user_loras_by_pk",
        )
        value = item.get("id") if isinstance(item, Mapping) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None
