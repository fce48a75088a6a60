"""Album rules.

- Tenancy: staff reach the albums of the projects they manage (the operator's own, a photographer's
  assigned ones it sees), members those of the projects they joined that participants see
  (api.projects.lifecycle); any other album or project is a 404, like an unknown one.
- Order: the albums of a project hold positions 0..n-1; a new album goes last, a moved one takes
  its new place and the albums between shift by one, a deleted one closes its gap. Every change of
  a project's albums (create, rename, move, delete, adding photos) first locks the project row
  (FOR NO KEY UPDATE: photo inserts, which hold it FOR KEY SHARE through their foreign key, do not
  wait), so the positions and the name check (one name per project, whatever its case; the unique
  index is the backstop) are exact under concurrency.
- Photos: any photo of the album's project may be added (every one or none: the wrong ones are
  listed in the 422), in the order given, after those already in; adding one already in changes
  nothing. Staff see an album's photos in every listed status, members the ready ones only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, select, tuple_, update
from sqlalchemy.orm import Session

from api.albums.schemas import AlbumOut, AlbumUpdate
from api.core.errors import Conflict, NotFound, Unprocessable
from api.core.pagination import decode_cursor, page_of
from api.deps import Staff
from api.gallery.listing import PHOTO_COLUMNS, summary_of
from api.gallery.schemas import PhotoSummary
from api.gallery.service import favourited, paid_purchase_includes, tagged_in
from api.media import album_entries
from api.media import service as media_service
from api.media.access import assigned_to
from api.media.schemas import PhotoListItem
from api.models import Album, AlbumPhoto, Operator, Photo, Project, ProjectMember
from api.models.photos import photo_shown
from api.projects.lifecycle import participant_may, photographer_sees

# Who may reach a project's albums (SQL on `Project`) and which of an album's photos they see
# (SQL on `Photo`).
Access = ColumnElement[bool]
Ts = TypeVarTuple("Ts")


def staff_access(staff: Staff) -> Access:
    if isinstance(staff, Operator):
        return Project.operator_id == staff.id
    return and_(assigned_to(staff.id), photographer_sees())


def member_access(user_id: uuid.UUID) -> Access:
    return and_(
        participant_may("see"),
        exists().where(ProjectMember.project_id == Project.id, ProjectMember.user_id == user_id),
    )


def staff_sees() -> Access:
    """As the media API's project photo lists show them."""
    return Photo.status.in_(media_service.LISTED_STATUSES)


def member_sees() -> Access:
    """What a member sees of an album: its ready photos that are not hidden."""
    return and_(Photo.status == "ready", photo_shown)


# --- lookups ------------------------------------------------------------------------------------


def project_for(session: Session, project_id: uuid.UUID, access: Access, *, lock: bool = False) -> Project:
    stmt = select(Project).where(Project.id == project_id, access)
    project = session.scalar(stmt.with_for_update(key_share=True) if lock else stmt)
    if project is None:
        raise NotFound("Project not found.")
    return project


def album_for(session: Session, album_id: uuid.UUID, access: Access, *, lock: bool = False) -> Album:
    """The album when `access` reaches its project; `lock`: with its project row and itself locked
    (see the module doc), read as of the lock."""
    stmt = select(Album).join(Project, Project.id == Album.project_id).where(Album.id == album_id, access)
    if lock:
        stmt = stmt.with_for_update(of=(Project, Album), key_share=True).execution_options(
            populate_existing=True
        )
    album = session.scalar(stmt)
    if album is None:
        raise NotFound("Album not found.")
    return album


def _photo_count(sees: Access) -> Any:
    return (
        select(func.count())
        .select_from(AlbumPhoto)
        .join(Photo, Photo.id == AlbumPhoto.photo_id)
        .where(AlbumPhoto.album_id == Album.id, sees)
        .scalar_subquery()
    )


def _out(album: Album, photo_count: int) -> AlbumOut:
    return AlbumOut(
        id=album.id,
        project_id=album.project_id,
        name=album.name,
        position=album.position,
        photo_count=photo_count,
        created_at=album.created_at,
    )


def album_out(session: Session, album: Album, sees: Access) -> AlbumOut:
    return _out(album, session.scalar(select(_photo_count(sees)).where(Album.id == album.id)) or 0)


def list_albums(session: Session, project: Project, sees: Access) -> list[AlbumOut]:
    rows = session.execute(
        select(Album, _photo_count(sees)).where(Album.project_id == project.id).order_by(Album.position)
    )
    return [_out(album, count) for album, count in rows]


# --- changes (the project or the album locked by the caller: `lock=True`) ------------------------


def _require_free_name(
    session: Session, project_id: uuid.UUID, name: str, *, besides: Album | None = None
) -> None:
    taken = exists().where(Album.project_id == project_id, func.lower(Album.name) == func.lower(name))
    if besides is not None:
        taken = taken.where(Album.id != besides.id)
    if session.scalar(select(taken)):
        raise Conflict("The project already has an album of this name.", code="album_exists")


def _album_count(session: Session, project_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).where(Album.project_id == project_id)) or 0


def create_album(session: Session, project: Project, name: str) -> Album:
    _require_free_name(session, project.id, name)
    album = Album(project_id=project.id, name=name, position=_album_count(session, project.id))
    session.add(album)
    session.flush()
    return album


def update_album(session: Session, album: Album, data: AlbumUpdate) -> Album:
    if data.name is not None:
        _require_free_name(session, album.project_id, data.name, besides=album)
        album.name = data.name
    if data.position is not None and data.position != album.position:
        _move(session, album, data.position)
    session.flush()
    return album


def _move(session: Session, album: Album, position: int) -> None:
    last = _album_count(session, album.project_id) - 1
    if position > last:
        raise Unprocessable(
            f"position must be between 0 and {last}.", code="invalid_position", details={"maxPosition": last}
        )
    siblings = update(Album).where(Album.project_id == album.project_id, Album.id != album.id)
    if position < album.position:
        shift = siblings.where(Album.position >= position, Album.position < album.position)
        session.execute(shift.values(position=Album.position + 1))
    else:
        shift = siblings.where(Album.position > album.position, Album.position <= position)
        session.execute(shift.values(position=Album.position - 1))
    album.position = position


def delete_album(session: Session, album: Album) -> None:
    """The album and its photo list (the photos stay); the albums after it move up."""
    session.execute(delete(Album).where(Album.id == album.id))
    session.execute(
        update(Album)
        .where(Album.project_id == album.project_id, Album.position > album.position)
        .values(position=Album.position - 1)
    )


def add_photos(session: Session, album: Album, photo_ids: Sequence[uuid.UUID]) -> None:
    wanted = list(dict.fromkeys(photo_ids))
    of_project = set(
        session.scalars(select(Photo.id).where(Photo.id.in_(wanted), Photo.project_id == album.project_id))
    )
    wrong = [photo_id for photo_id in wanted if photo_id not in of_project]
    if wrong:
        raise Unprocessable(
            "Every photo must be a photo of the album's project.",
            code="photo_not_in_project",
            details={"photoIds": wrong},
        )
    present = set(
        session.scalars(
            select(AlbumPhoto.photo_id).where(
                AlbumPhoto.album_id == album.id, AlbumPhoto.photo_id.in_(wanted)
            )
        )
    )
    album_entries.append_photos(session, album.id, [p for p in wanted if p not in present])


def remove_photo(session: Session, album: Album, photo_id: uuid.UUID) -> None:
    removed = session.scalar(
        delete(AlbumPhoto)
        .where(AlbumPhoto.album_id == album.id, AlbumPhoto.photo_id == photo_id)
        .returning(AlbumPhoto.photo_id)
    )
    if removed is None:
        raise NotFound("The photo is not in this album.")


# --- the photos of an album, in album order (keyset: position, photo id) --------------------------


def _page(stmt: Select[*Ts], cursor: str | None, limit: int) -> Select[*Ts]:
    if cursor is not None:
        position, photo_id = decode_cursor(cursor, int, uuid.UUID)
        stmt = stmt.where(tuple_(AlbumPhoto.position, AlbumPhoto.photo_id) > tuple_(position, photo_id))
    return stmt.order_by(AlbumPhoto.position, AlbumPhoto.photo_id).limit(limit + 1)


def staff_photos(
    session: Session, album: Album, limit: int, cursor: str | None
) -> tuple[list[PhotoListItem], str | None]:
    """A page as the media API's photo lists show photos (their items built by api.media.service)."""
    stmt = (
        select(AlbumPhoto.photo_id, AlbumPhoto.position)
        .join(Photo, Photo.id == AlbumPhoto.photo_id)
        .where(AlbumPhoto.album_id == album.id, staff_sees())
    )
    rows, next_cursor = page_of(
        session.execute(_page(stmt, cursor, limit)).all(), limit, lambda r: (r[1], r[0])
    )
    ids = [photo_id for photo_id, _ in rows]
    if not ids:
        return [], next_cursor
    items, _ = media_service.list_photos(session, [Photo.id.in_(ids)], len(ids), None)
    by_id = {item.id: item for item in items}
    return [by_id[photo_id] for photo_id in ids if photo_id in by_id], next_cursor


def member_photos(
    session: Session, user_id: uuid.UUID, album: Album, limit: int, cursor: str | None
) -> tuple[list[PhotoSummary], str | None]:
    """A page of `PhotoSummary` items with the member's flags, as `GET /v1/photos` has them."""
    stmt = (
        select(
            *PHOTO_COLUMNS,
            Project.bucket,
            tagged_in(user_id, Photo.id).label("tagged"),
            AlbumPhoto.position,
            paid_purchase_includes(user_id, Photo.id).label("has_purchase"),
            favourited(user_id, Photo.id).label("is_favourite"),
        )
        .select_from(AlbumPhoto)
        .join(Photo, Photo.id == AlbumPhoto.photo_id)
        .join(Project, Project.id == Photo.project_id)
        .where(AlbumPhoto.album_id == album.id, member_sees())
    )
    rows, next_cursor = page_of(
        session.execute(_page(stmt, cursor, limit)).all(), limit, lambda r: (r[8], r[0])
    )
    return [PhotoSummary.model_validate(summary_of(tuple(row))) for row in rows], next_cursor
