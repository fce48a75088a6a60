"""The SQL of the search language's terms (api/search/query.py): one condition on `Photo` per
term, shared by the staff search (media API) and the members' search (main API).

Free text is matched against `photo_search_document(title, file_name, tags)`, a `tsvector` of the
three (file names split at `.`, `_` and `-`) with its GIN index (migration 0009_photo_search):
each word matches as a prefix (`dan` finds "dance"), a quoted phrase's words in sequence.
`pg_trgm` (infix matches) is not in the bundled Postgres, so a word's middle is not searched.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, and_, exists, false, func, literal, or_, true

from api.gallery.service import favourited, paid_purchase_includes, tagged_in
from api.models import Album, AlbumPhoto, Photo
from api.models.photos import photo_search_document
from api.search import query as q


@dataclass(frozen=True, slots=True)
class Caller:
    """Who searches: `photographer:me` needs a photographer, the `…:me` filters a user."""

    photographer_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


def conditions(terms: Sequence[q.Term], caller: Caller) -> list[ColumnElement[bool]]:
    return [_condition(term, caller) for term in terms]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _condition(term: q.Term, caller: Caller) -> ColumnElement[bool]:
    match term:
        case q.Text(text):
            tsquery = " <-> ".join(f"{word}:*" for word in q.words(text))  # letters and digits only
            return photo_search_document.op("@@")(func.to_tsquery("simple", literal(tsquery)))
        case q.Tag(label):
            return Photo.tags.contains([label])
        case q.Album(album_id, name):
            if album_id is not None:
                which = Album.id == album_id
            else:
                which = func.lower(Album.name) == (name or "").lower()
            return exists().where(
                AlbumPhoto.photo_id == Photo.id,
                Album.id == AlbumPhoto.album_id,
                Album.project_id == Photo.project_id,
                which,
            )
        case q.Project(project_id):
            return Photo.project_id == project_id
        case q.Photographer(photographer_id):
            wanted = photographer_id or caller.photographer_id
            return Photo.photographer_id == wanted if wanted else false()
        case q.Taken(start, end):
            return and_(
                Photo.taken_at >= _midnight(start) if start else true(),
                Photo.taken_at < _midnight(end) if end else true(),
            )
        case q.Camera(name):
            model, make = Photo.exif["model"].astext, Photo.exif["make"].astext
            wanted_name = name.lower()
            full = func.lower(func.concat_ws(" ", make, model))
            return or_(func.lower(model) == wanted_name, full == wanted_name)
        case q.Faces(low, high):
            return and_(
                Photo.face_count >= low if low is not None else true(),
                Photo.face_count <= high if high is not None else true(),
            )
        case q.Status(status):
            return Photo.status == status
        case q.Person(user_id):
            return tagged_in(user_id, Photo.id)
        case q.MineFilter(kind):
            if caller.user_id is None:
                return false()
            if kind == "tagged":
                return tagged_in(caller.user_id, Photo.id)
            if kind == "favourite":
                return favourited(caller.user_id, Photo.id)
            return paid_purchase_includes(caller.user_id, Photo.id)
    raise AssertionError(f"no SQL for {term!r}")
