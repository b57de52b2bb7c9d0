"""Datasets kept in the library (``datasets``, ``dataset_images``): each image with its upload
state, so adding images resumes per image after a crash and never sends one twice.

States of a dataset image: ``pending`` (nothing sent), ``presigned`` (a presigned upload was
asked for: ``remote_id`` is its id; the bytes may or may not have reached S3), ``sending`` (a
``upload/gen`` request went out: its answer may be lost), ``uploaded`` (in the dataset on the
server). A file is known by its sha256 and a gallery image by its id, once per dataset.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Final

from leodesk.core.library.db import Store, _write_state

PENDING: Final = "pending"
PRESIGNED: Final = "presigned"
SENDING: Final = "sending"
UPLOADED: Final = "uploaded"


@dataclass(frozen=True)
class DatasetRecord:
    id: str
    name: str
    description: str | None
    created_ms: int
    images: int = 0  # images in the library (any state)
    uploaded: int = 0  # of which on the server


@dataclass(frozen=True)
class DatasetImageRecord:
    local_id: int
    dataset_id: str
    source: str  # "file" or "gen"
    path: str | None
    sha256: str | None
    ext: str | None
    gen_image_id: str | None
    remote_id: str | None
    state: str
    url: str | None
    error: str | None


def _image(row: sqlite3.Row) -> DatasetImageRecord:
    return DatasetImageRecord(
        row["local_id"],
        row["dataset_id"],
        row["source"],
        row["path"],
        row["sha256"],
        row["ext"],
        row["gen_image_id"],
        row["remote_id"],
        row["state"],
        row["url"],
        row["error"],
    )


class Datasets(Store):
    """The ``datasets`` and ``dataset_images`` tables."""

    def add_dataset(self, dataset_id: str, name: str, description: str | None = None) -> None:
        with self._writing() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO datasets (id, name, description, created_ms) "
                "VALUES (?, ?, ?, ?)",
                (dataset_id, name, description, self._now_ms()),
            )

    def datasets(self) -> list[DatasetRecord]:
        """Every dataset, newest first, with its image counts."""
        with self._reading() as conn:
            rows = conn.execute(
                """
                SELECT d.*, COUNT(i.local_id) AS n,
                       SUM(CASE WHEN i.state = 'uploaded' THEN 1 ELSE 0 END) AS up
                FROM datasets d LEFT JOIN dataset_images i ON i.dataset_id = d.id
                GROUP BY d.id ORDER BY d.created_ms DESC, d.id
                """
            ).fetchall()
        return [
            DatasetRecord(
                r["id"], r["name"], r["description"], r["created_ms"], r["n"], r["up"] or 0
            )
            for r in rows
        ]

    def get_dataset_record(self, dataset_id: str) -> DatasetRecord | None:
        return next((d for d in self.datasets() if d.id == dataset_id), None)

    def remove_dataset(self, dataset_id: str) -> None:
        with self._writing() as conn:
            conn.execute("DELETE FROM dataset_images WHERE dataset_id = ?", (dataset_id,))
            conn.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,))

    def add_dataset_file(self, dataset_id: str, path: str, sha256: str, ext: str) -> bool:
        """A file to upload; False when the same content is already in the dataset."""
        with self._writing() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO dataset_images "
                "(dataset_id, source, path, sha256, ext, created_ms) "
                "VALUES (?, 'file', ?, ?, ?, ?)",
                (dataset_id, path, sha256, ext, self._now_ms()),
            )
            return cur.rowcount > 0

    def add_dataset_generated(self, dataset_id: str, image_id: str) -> bool:
        """A gallery image to add (``upload/gen``); False when it is already in the dataset."""
        with self._writing() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO dataset_images "
                "(dataset_id, source, gen_image_id, created_ms) VALUES (?, 'gen', ?, ?)",
                (dataset_id, image_id, self._now_ms()),
            )
            return cur.rowcount > 0

    def dataset_images(self, dataset_id: str) -> list[DatasetImageRecord]:
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT * FROM dataset_images WHERE dataset_id = ? ORDER BY local_id",
                (dataset_id,),
            ).fetchall()
        return [_image(r) for r in rows]

    def set_dataset_image(
        self,
        local_id: int,
        state: str,
        *,
        remote_id: str | None = None,
        url: str | None = None,
        error: str | None = None,
    ) -> None:
        """Move an image to ``state`` (remote id and url kept unless given; error replaced)."""
        with self._writing() as conn:
            conn.execute(
                "UPDATE dataset_images SET state = ?, remote_id = COALESCE(?, remote_id), "
                "url = COALESCE(?, url), error = ? WHERE local_id = ?",
                (state, remote_id, url, error, local_id),
            )

    def remove_dataset_images(self, local_ids: list[int]) -> None:
        with self._writing() as conn:
            conn.executemany(
                "DELETE FROM dataset_images WHERE local_id = ?", [(i,) for i in local_ids]
            )

    # A training's models/elements of the same name that existed before it was sent: what a
    # look for a lost answer must not take for it (kept in ``sync_state``).
    def set_training_known(self, job_id: int, ids: list[str]) -> None:
        with self._writing() as conn:
            _write_state(conn, {f"training.known.{job_id}": ",".join(ids)})

    def training_known(self, job_id: int) -> list[str]:
        with self._reading() as conn:
            row = conn.execute(
                "SELECT value FROM sync_state WHERE key = ?", (f"training.known.{job_id}",)
            ).fetchone()
        return [i for i in str(row[0]).split(",") if i] if row is not None else []
