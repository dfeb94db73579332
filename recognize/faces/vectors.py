"""Face vectors kept in memory between groupings and question lists.

Grouping and questions look at every face of a user; reading 100,000 embeddings (4 KB each) from the
database took 2 s each time on the archive benchmark. A ``FaceVectors`` keeps each vector it read, with the
face's ``embedded_at``: a later read fetches only the faces that are new or embedded again since, so an
update reads the faces' small columns (an index covers them) and the new vectors only. Kept per process
(``Workspace.face_vectors``), shared by its threads; the rows of faces embedded again are dropped when it
grows. It holds one embedding model's vectors at a time (a vector of another length starts it afresh).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.storage.models import Face

READ_BLOCK = 500  # face ids per query when vectors are fetched


class FaceVectors:
    """Face id -> its vector as last read, valid while the face's ``embedded_at`` is unchanged."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[int, tuple[int | None, int]] = {}  # face id -> (embedded_at, row)
        self._matrix = np.zeros((0, 0), np.float32)
        self._count = 0
        self._coming = 0  # vectors still to be read by the current ``read``: room is made for them at once

    def read(self, session: Session, faces: Sequence[tuple[int, int | None]]) -> tuple[np.ndarray, list[int]]:
        """The kept vectors as a read-only matrix that later reads leave unchanged, and the row of each of
        ``faces`` ((id, embedded_at) pairs) in it, in order; faces not kept yet (or embedded again) are read now
        (row -1: a face deleted meanwhile)."""
        with self._lock:
            stale = [face_id for face_id, stamp in faces if self._rows.get(face_id, (-1, 0))[0] != stamp]
            self._coming = len(stale)
            for start in range(0, len(stale), READ_BLOCK):
                chosen = stale[start : start + READ_BLOCK]
                rows = session.execute(select(Face.id, Face.embedded_at, Face.embedding).where(Face.id.in_(chosen)))
                for face_id, stamp, blob in rows:
                    self._keep(face_id, stamp, np.frombuffer(blob, dtype=np.float32))
                    self._coming -= 1
            matrix = self._matrix[: self._count]
            matrix.flags.writeable = False
            return matrix, [self._rows.get(face_id, (None, -1))[1] for face_id, _ in faces]

    def _keep(self, face_id: int, stamp: int | None, vector: np.ndarray) -> None:
        """Append a vector; one of another length (another model's) replaces everything kept."""
        if self._matrix.shape[1] != len(vector):
            self._rows.clear()
            self._matrix, self._count = np.zeros((self._coming + 1024, len(vector)), np.float32), 0
        if self._count == len(self._matrix):
            self._make_room()
        self._matrix[self._count] = vector
        self._rows[face_id] = (stamp, self._count)
        self._count += 1

    def _make_room(self) -> None:
        """Copy the live rows (not those of faces embedded again) into a new matrix with room for the vectors
        being read and a quarter more; the old one lives on with the views handed out."""
        live = sorted(self._rows.items(), key=lambda item: item[1][1])
        grown = np.zeros((len(live) + max(len(live) // 4, self._coming) + 1024, self._matrix.shape[1]), np.float32)
        grown[: len(live)] = self._matrix[np.array([row for _, (_, row) in live], dtype=np.int64)]
        self._rows = {face_id: (stamp, index) for index, (face_id, (stamp, _)) in enumerate(live)}
        self._matrix, self._count = grown, len(live)
