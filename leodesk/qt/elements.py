"""ElementsService: the platform's and the user's own elements, from the library at once and
refreshed from the API in the background; deleting one of the user's own elements."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from leodesk.core.elements import ElementChoice, from_platform, from_user
from leodesk.core.library import Library
from leodesk.qt.backend import DB_WAIT, Backend
from leodesk.qt.errors import user_message
from leodesk.qt.workers import CancelToken

Lists = tuple[list[ElementChoice], list[ElementChoice]]


class ElementsService(QObject):
    """Signals: ready(list platform, list own) (from the cache, then fresh), failed(str),
    deleted(str key, str name), delete_failed(str message)."""

    ready = Signal(object, object)
    failed = Signal(str)
    deleted = Signal(str, str)
    delete_failed = Signal(str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self.platform: list[ElementChoice] = []
        self.own: list[ElementChoice] = []

    def load_cached(self) -> None:
        """The lists as last fetched (offline too), at once."""
        reader = self._b.reader
        self._publish((reader.load_elements("platform"), reader.load_elements("own")))

    def refresh(self) -> None:
        """Fetch both lists, keep them in the library, then publish them."""

        def job(token: CancelToken) -> Lists:
            client = self._b.client()
            platform = [c for c in map(from_platform, client.list_elements()) if c]
            user_id = client.get_me().user_id
            own_list = client.list_user_elements(user_id) if user_id else []
            own = [c for c in map(from_user, own_list) if c]

            def write(lib: Library) -> None:
                lib.save_elements("platform", platform)
                lib.save_elements("own", own)

            self._b.db(write).result(DB_WAIT)
            return platform, own

        self._b.pools.submit(
            job,
            on_result=self._publish,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name="elements",
        )

    def delete(self, choice: ElementChoice) -> None:
        """Delete one of the user's own elements on the server, then from the cache."""
        element_id = choice.own_id
        if element_id is None:
            self.delete_failed.emit(
                self.tr("{name} is a platform element: only yours can go.").format(name=choice.name)
            )
            return

        def job(token: CancelToken) -> str:
            self._b.client().delete_user_element(element_id)
            # None: already gone on the server, which is what the user wanted
            self._b.db(lambda lib: lib.forget_element(choice.key)).result(DB_WAIT)
            return choice.key

        def done(key: str) -> None:
            self._publish((self.platform, [c for c in self.own if c.key != key]))
            self.deleted.emit(key, choice.name)

        self._b.pools.submit(
            job,
            on_result=done,
            on_error=lambda e: self.delete_failed.emit(user_message(e)),
            name="elements",
        )

    def _publish(self, lists: Lists) -> None:
        self.platform, self.own = list(lists[0]), list(lists[1])
        self.ready.emit(self.platform, self.own)
