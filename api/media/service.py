"""Media rules: presigned uploads (validation, quotas, rate limit), photo status, listings,
deletion, delivery and retries. Services never commit; jobs go through the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    String,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from api.consent.service import has_active_consent
from api.core.errors import Conflict, Forbidden, NotFound, TooManyRequests
from api.core.pagination import decode_cursor, nullable, page_of
from api.core.ratelimit import hit
from api.core.storage import default_bucket, presign_get, presign_put
from api.jobs.outbox import enqueue_job
from api.media import retention
from api.media.access import assigned_to
from api.media.completion import photo_bucket
from api.media.schemas import (
    FileIn,
    PhotoListItem,
    PhotoOut,
    PhotoUpdate,
    PhotoUploadIn,
    PhotoUploadOut,
    ProfilePictureOut,
    SelfieUploadOut,
    VariantOut,
)
from api.models import Operator, Photo, Photographer, Project, ProjectMember, Selfie, User
from api.models.photos import STORED_STATUSES
from api.projects.lifecycle import PHOTOGRAPHER_STATUSES, UPLOAD_STATUSES, require_uploads_open
from api.provisioning import Provisioner
from api.settings import get_settings
from wairo_contracts.keys import (
    LIST_THUMBNAIL,
    ORIGINAL,
    VARIANTS,
    photo_key,
    profile_picture_key,
    selfie_key,
)

LISTED_STATUSES = ("uploaded", "processing", "ready", "failed")
# An attendee keeps up to this many selfies (angles, glasses on and off); matching uses the nearest.
MAX_KEPT_SELFIES = 3
# What an upload of the same file (the same client hash) replaces: uploads that never got stored.
REPLACED_STATUSES = ("pending_upload", "failed")


def photo_keys(photo: Photo) -> list[str]:
    """Every object a photo may have (original and variants), for deletion."""
    names = (ORIGINAL, *VARIANTS)
    return sorted({photo_key(photo.project_id, photo.id, n) for n in names} | set(photo.variants.values()))


def _rate_limit(account_id: uuid.UUID) -> None:
    settings = get_settings()
    if hit(f"upload-url:{account_id}", 60) > settings.upload_urls_per_minute:
        raise TooManyRequests(
            f"At most {settings.upload_urls_per_minute} upload URLs per minute; try again shortly.",
            code="upload_rate_limited",
        )


def _uploads_open() -> ColumnElement[bool]:
    """SQL: the row's project (`Project` in the query) takes uploads."""
    # `= ANY(array)`, not IN: an IN list would be rendered into the SQL again at each execution.
    return Project.status == any_(literal(sorted(UPLOAD_STATUSES), ARRAY(String)))


def _photo_upload_statement() -> Select[str, str, str | None, bool, bool]:
    """One statement that inserts a photo's pending row when the photographer may upload to the
    project and the quota allows it, and answers what a refusal needs: the project's status,
    provisioning phase and bucket, whether the photographer is assigned, whether it inserted.

    Without a quota no project row is locked (the reservation matches nothing). With one, the
    reservation is a conditional UPDATE of the project row: concurrent uploads wait on it, then
    re-check the counters as the previous holder left them (its photo's insert counted itself
    through the database's trigger, see migration 0006_upload_quota), so they never exceed it."""
    project_id = bindparam("project_id", type_=Project.id.type)
    photographer_id = bindparam("photographer_id", type_=Photo.photographer_id.type)
    size = bindparam("size_bytes", type_=Photo.size_bytes.type)
    assigned = assigned_to(photographer_id)
    uploads_open = _uploads_open()
    reserve = (
        update(Project)
        .where(
            Project.id == project_id,
            Project.quota_used_photos.is_not(None),
            uploads_open,
            assigned,
            or_(Project.max_photos.is_(None), Project.quota_used_photos < Project.max_photos),
            or_(
                Project.max_storage_bytes.is_(None),
                Project.quota_used_bytes + func.coalesce(size, 0) <= Project.max_storage_bytes,
            ),
        )
        # Only the lock: the photo's insert counts itself; no edit of the project (updated_at kept).
        .values(quota_used_photos=Project.quota_used_photos, updated_at=Project.updated_at)
        .returning(Project.id)
        .cte("reserve")
    )
    row = select(
        bindparam("photo_id", type_=Photo.id.type),
        Project.id,
        photographer_id,
        literal("pending_upload"),
        bindparam("key", type_=Photo.original_key.type),
        bindparam("file_name", type_=Photo.file_name.type),
        bindparam("content_type", type_=Photo.content_type.type),
        size,
        bindparam("expires_at", type_=Photo.upload_expires_at.type),
        bindparam("title", type_=Photo.title.type),
        bindparam("tags", type_=Photo.tags.type),
        bindparam("client_sha256", type_=Photo.client_sha256.type),
    ).where(
        Project.id == project_id,
        uploads_open,
        assigned,
        or_(Project.quota_used_photos.is_(None), exists(select(reserve.c.id))),
    )
    columns = ["id", "project_id", "photographer_id", "status", "original_key", "file_name"]
    columns += ["content_type", "size_bytes", "upload_expires_at", "title", "tags", "client_sha256"]
    inserted = insert(Photo).from_select(columns, row).returning(Photo.id).cte("inserted")
    return select(
        Project.status,
        Project.provisioning_phase,
        Project.bucket,
        assigned.label("assigned"),
        exists(select(inserted.c.id)).label("inserted"),
    ).where(Project.id == project_id)


_PHOTO_UPLOAD = _photo_upload_statement()


def _quota_refusal(session: Session, project_id: uuid.UUID) -> Conflict:
    """Which quota refused an upload, from the counters as they are now."""
    max_photos, used = session.execute(
        select(Project.max_photos, Project.quota_used_photos).where(Project.id == project_id)
    ).one()
    if max_photos is not None and (used or 0) >= max_photos:
        return Conflict(f"The project's quota of {max_photos} photos is used up.", code="photo_quota")
    return Conflict("The project's storage quota is used up.", code="storage_quota")


# The media API's photo status route (`GET`; `PATCH` edits the metadata): upload URLs point at it.
PHOTO_PATH = "/v1/photos/{photoId}"


def status_url(photo_id: uuid.UUID) -> str:
    return PHOTO_PATH.format(photoId=photo_id)


def put_headers(content_type: str) -> dict[str, str]:
    """The headers a presigned PUT must carry: those it is signed for besides Host
    (api/core/presign.py binds the Content-Type)."""
    return {"Content-Type": content_type}


def _same_file(session: Session, photographer_id: uuid.UUID, body: PhotoUploadIn) -> None:
    """The client's hash given: 409 `duplicate_photo` (with the stored photo's id) when the project
    already stores that file; an earlier upload of it that never got stored (pending or failed) is
    deleted as a photo deletion does it, so the new upload replaces it. Nothing is read unless the
    photographer may upload to the project (the insert then refuses with what applies)."""
    same = session.scalars(
        select(Photo)
        .join(Project, Project.id == Photo.project_id)
        .where(
            Photo.project_id == body.project_id,
            Photo.client_sha256 == body.client_sha256,
            Photo.status.in_((*STORED_STATUSES, *REPLACED_STATUSES)),
            _uploads_open(),
            assigned_to(photographer_id),
        )
        .with_for_update(of=Photo)  # an upload completing meanwhile is seen as it commits
    ).all()
    stored = next((photo for photo in same if photo.status in STORED_STATUSES), None)
    if stored is not None:
        raise Conflict(
            "This file is already stored in the project.",
            code="duplicate_photo",
            details={"photoId": str(stored.id)},
        )
    for photo in same:
        delete_photo(session, photo)


def photo_upload_url(
    session: Session, photographer_id: uuid.UUID, body: PhotoUploadIn, provisioner: Provisioner
) -> PhotoUploadOut:
    """The pending photo and its presigned PUT. Refusals, first that applies: 404 (not assigned, or
    a project photographers do not see), 409 `duplicate_photo` (see `_same_file`: one more round
    trip, only with a hash), `project_closed`, `project_not_ready`, `photo_quota` /
    `storage_quota`, then 429. A refusal after the insert rolls it back with the request."""
    settings = get_settings()
    if body.client_sha256 is not None:
        _same_file(session, photographer_id, body)
    photo_id = uuid.uuid4()
    key = photo_key(body.project_id, photo_id)
    found = session.execute(  # through the session: pending changes are flushed first
        _PHOTO_UPLOAD,
        {
            "project_id": body.project_id,
            "photographer_id": photographer_id,
            "photo_id": photo_id,
            "key": key,
            "file_name": body.file_name,
            "content_type": body.content_type,
            "size_bytes": body.size_bytes,
            "expires_at": datetime.now(UTC) + timedelta(seconds=settings.upload_url_ttl_s),
            "title": body.title,
            "tags": body.tags,
            "client_sha256": body.client_sha256,
        },
    ).one_or_none()
    if found is None or not found.assigned or found.status not in PHOTOGRAPHER_STATUSES:
        raise NotFound("Project not found.")
    require_uploads_open(found.status)
    if not provisioner.ready_for_uploads(found.provisioning_phase):
        raise Conflict(
            f"The project's storage is not ready yet ({found.provisioning_phase}); try again shortly.",
            code="project_not_ready",
        )
    if not found.inserted:
        raise _quota_refusal(session, body.project_id)
    _rate_limit(photographer_id)
    url = presign_put(key, body.content_type, bucket=found.bucket or default_bucket())
    return PhotoUploadOut(
        photo_id=photo_id,
        upload_url=url,
        key=key,
        expires_in_seconds=settings.upload_url_ttl_s,
        status_url=status_url(photo_id),
        headers=put_headers(body.content_type),
    )


def _kept_selfies(user_id: uuid.UUID, now: datetime) -> Any:
    """The selfies that count towards the limit: approved ones and those on their way (an upload
    URL not yet expired, uploaded, processing); rejected ones do not."""
    return (
        select(func.count())
        .select_from(Selfie)
        .where(
            Selfie.user_id == user_id,
            or_(
                Selfie.status.in_(("approved", "uploaded", "processing")),
                and_(Selfie.status == "pending_upload", Selfie.upload_expires_at > now),
            ),
        )
    )


def selfie_upload_url(session: Session, user: User, body: FileIn) -> SelfieUploadOut:
    """A pending selfie and its presigned PUT: 403 without consent, 409 `selfie_limit` when the user
    keeps `MAX_KEPT_SELFIES` already (counted under a lock of the user's row, so concurrent requests
    cannot pass the limit together), then 429."""
    if not has_active_consent(session, user.id):
        raise Forbidden("Biometric consent is required to upload a selfie.", code="consent_required")
    now = datetime.now(UTC)
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    if (session.scalar(_kept_selfies(user.id, now)) or 0) >= MAX_KEPT_SELFIES:
        raise Conflict(
            f"You keep {MAX_KEPT_SELFIES} selfies already; delete one to add another.", code="selfie_limit"
        )
    _rate_limit(user.id)
    settings = get_settings()
    key = selfie_key(user.id, int(now.timestamp() * 1000))
    selfie = Selfie(
        user_id=user.id,
        object_key=key,
        content_type=body.content_type,
        size_bytes=body.size_bytes,
        status="pending_upload",
        upload_expires_at=now + timedelta(seconds=settings.upload_url_ttl_s),
    )
    session.add(selfie)
    session.flush()  # two requests in the same millisecond: the unique key answers 409
    url = presign_put(key, body.content_type)
    return SelfieUploadOut(
        selfie_id=selfie.id,
        upload_url=url,
        key=key,
        expires_in_seconds=settings.upload_url_ttl_s,
        headers=put_headers(body.content_type),
    )


def profile_picture_upload_url(session: Session, operator: Operator, body: FileIn) -> ProfilePictureOut:
    _rate_limit(operator.id)
    key = profile_picture_key(operator.id)
    operator.profile_picture_key = key
    return ProfilePictureOut(upload_url=presign_put(key, body.content_type), file_url=key)


def current_selfie(session: Session, user: User) -> Selfie:
    selfie = session.scalar(
        select(Selfie)
        .where(Selfie.user_id == user.id)
        .order_by(Selfie.created_at.desc(), Selfie.id.desc())
        .limit(1)
    )
    if selfie is None:
        raise NotFound("You have no selfie.", code="no_selfie")
    return selfie


def own_selfie(session: Session, user: User, selfie_id: uuid.UUID) -> Selfie:
    selfie = session.scalar(select(Selfie).where(Selfie.id == selfie_id, Selfie.user_id == user.id))
    if selfie is None:
        raise NotFound("Selfie not found.")
    return selfie


def list_selfies(session: Session, user: User) -> Sequence[Selfie]:
    """Every selfie of the user, rejected ones included (with their reason), newest first."""
    return session.scalars(
        select(Selfie).where(Selfie.user_id == user.id).order_by(Selfie.created_at.desc(), Selfie.id.desc())
    ).all()


def delete_selfie(session: Session, user: User, selfie_id: uuid.UUID) -> None:
    """Delete one of the user's selfies with its embedding; its object is deleted by a job after the
    commit. When it was approved, the user's tags in each project are matched again from the
    selfies left (`cluster_faces` makes them equal to the result: none left, no auto tags)."""
    selfie = own_selfie(session, user, selfie_id)
    approved = selfie.status == "approved"
    session.execute(delete(Selfie).where(Selfie.id == selfie.id))
    enqueue_job(session, "delete_objects", {"keys": [selfie.object_key]})
    if approved:
        for project_id in session.scalars(
            select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)
        ):
            enqueue_job(
                session,
                "cluster_faces",
                {"userId": str(user.id), "projectId": str(project_id)},
                dedup_key=f"cluster_faces:{user.id}:{project_id}:selfie-deleted:{selfie.id}",
            )


# --- status -------------------------------------------------------------------------------------


def photo_out(photo: Photo) -> PhotoOut:
    variants = [
        VariantOut(
            name=name,
            key=photo.variants.get(name) or photo_key(photo.project_id, photo.id, name),
            ready=name in photo.variants,
        )
        for name in VARIANTS
    ]
    return PhotoOut(
        id=photo.id,
        project_id=photo.project_id,
        photographer_id=photo.photographer_id,
        status=photo.status,
        failure_reason=photo.failure_reason,
        file_name=photo.file_name,
        content_type=photo.content_type,
        exif=photo.exif,
        taken_at=photo.taken_at,
        width=photo.width,
        height=photo.height,
        size_bytes=photo.size_bytes,
        variants=variants,
        face_count=photo.face_count,
        title=photo.title,
        tags=photo.tags,
        visibility=photo.visibility,
        created_at=photo.created_at,
    )


def update_photo(photo: Photo, body: PhotoUpdate) -> Photo:
    """The metadata the body sets (the caller holds the photo's row lock)."""
    for name, value in body.changes().items():
        setattr(photo, name, value)
    return photo


def retry_photo(session: Session, photo: Photo) -> Photo:
    """Requeue a failed photo's processing (the caller holds the photo's row lock)."""
    if photo.status != "failed":
        raise Conflict("Only a failed photo can be retried.", code="not_failed")
    if photo.size_bytes is None or photo.jobs_enqueued_at is None:
        raise Conflict("The photo's upload was rejected; upload it again.", code="upload_rejected")
    photo.status, photo.failure_reason = "uploaded", None
    photo.jobs_enqueued_at = datetime.now(UTC)
    enqueue_job(
        session,
        "process_photo",
        {"photoId": str(photo.id)},
        dedup_key=f"photo:{photo.id}:retry:{uuid.uuid4()}",
    )
    return photo


# --- listings -----------------------------------------------------------------------------------


def _after_cursor(cursor: str) -> Any:
    """Keyset condition for `ORDER BY taken_at DESC NULLS LAST, id DESC` after `cursor`."""
    taken, last_id = decode_cursor(cursor, nullable(datetime.fromisoformat), uuid.UUID)
    if taken is None:
        return and_(Photo.taken_at.is_(None), Photo.id < last_id)
    return or_(
        Photo.taken_at < taken,
        and_(Photo.taken_at == taken, Photo.id < last_id),
        Photo.taken_at.is_(None),
    )


def list_photos(
    session: Session, where: Sequence[Any], limit: int, cursor: str | None
) -> tuple[list[PhotoListItem], str | None]:
    """One page of photos, newest capture first (undated last), with the next page's cursor."""
    stmt = (
        select(Photo, Project.name, Photographer.name)
        .join(Project, Project.id == Photo.project_id)
        .outerjoin(Photographer, Photographer.id == Photo.photographer_id)
        .where(Photo.status.in_(LISTED_STATUSES), *where)
        .order_by(Photo.taken_at.desc().nulls_last(), Photo.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        stmt = stmt.where(_after_cursor(cursor))
    page, next_cursor = page_of(session.execute(stmt).all(), limit, lambda row: (row[0].taken_at, row[0].id))
    buckets: dict[uuid.UUID, str] = {}
    items = []
    for photo, project_name, photographer_name in page:
        bucket = buckets.get(photo.project_id) or buckets.setdefault(
            photo.project_id, photo_bucket(session, photo)
        )
        ready = photo.status == "ready"
        thumb = photo.variants.get(LIST_THUMBNAIL)
        items.append(
            PhotoListItem(
                id=photo.id,
                project_id=photo.project_id,
                project_name=project_name,
                photographer_id=photo.photographer_id,
                photographer_name=photographer_name,
                status=photo.status,
                taken_at=photo.taken_at,
                thumbnail_url=presign_get(thumb, bucket=bucket) if ready and thumb else None,
                full_url=presign_get(photo.original_key, bucket=bucket) if ready else None,
                title=photo.title,
                tags=photo.tags,
                visibility=photo.visibility,
                created_at=photo.created_at,
            )
        )
    return items, next_cursor


# --- deletion and delivery ----------------------------------------------------------------------


def delete_photo(session: Session, photo: Photo) -> None:
    """A bought photo's watermarked object is retained first (api/media/retention.py); then the rows
    (faces, tags, favourites cascade in the database; purchases stay), then every object of the photo
    by a job after commit."""
    keys, bucket = photo_keys(photo), photo_bucket(session, photo)
    retention.retain_bought(session, bucket, Photo.id == photo.id)
    session.execute(delete(Photo).where(Photo.id == photo.id))
    retention.queue_object_deletion(session, bucket, keys=keys)


def view_url(session: Session, photo: Photo, variant: str) -> str:
    if variant == "original":
        if photo.status not in STORED_STATUSES:
            raise Conflict("The original is not in storage.", code="variant_not_ready")
        return presign_get(photo.original_key, bucket=photo_bucket(session, photo))
    key = photo.variants.get(variant)
    if key is None:
        raise Conflict(f"The {variant} variant is not ready yet.", code="variant_not_ready")
    return presign_get(key, bucket=photo_bucket(session, photo))
