"""The project's bucket in S3-compatible storage: ensure, measure, empty and remove (idempotent)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from wairo_contracts.s3client import make_s3_client
from wairo_contracts.storage import S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
else:
    S3Client = Any

_MISSING_BUCKET = {"404", "NoSuchBucket", "NotFound"}
_MISSING_CONFIG = {"NoSuchCORSConfiguration", "NoSuchLifecycleConfiguration"}


class StorageError(RuntimeError):
    """A (probably transient) storage failure; handlers retry it with backoff."""


@dataclass(frozen=True, slots=True)
class Usage:
    object_count: int
    total_bytes: int
    # Originals (``photos/{projectId}/{photoId}/original.*``): one per photo.
    photo_count: int


def operator_s3_client(settings: S3Settings) -> S3Client:
    return make_s3_client(settings, max_attempts=3, connect_timeout=5, read_timeout=30)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _normalise_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop keys servers add on read so a desired configuration compares equal to the stored one."""
    return sorted(
        ({k: v for k, v in rule.items() if v not in (None, [], {})} for rule in rules),
        key=lambda rule: str(rule.get("ID", "")),
    )


class BucketManager:
    def __init__(self, client: S3Client, region: str = "us-east-1") -> None:
        self._s3 = client
        self._region = region

    def exists(self, bucket: str) -> bool:
        try:
            self._s3.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if _code(exc) in _MISSING_BUCKET:
                return False
            raise StorageError(f"cannot read bucket {bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot reach storage: {exc}") from exc
        return True

    def ensure(self, bucket: str, cors: dict[str, Any], lifecycle: dict[str, Any]) -> list[str]:
        """Create the bucket if absent and converge its CORS and lifecycle; returns what changed."""
        changed: list[str] = []
        try:
            if not self.exists(bucket):
                kwargs: dict[str, Any] = {"Bucket": bucket}
                if self._region and self._region != "us-east-1":
                    kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self._region}
                try:
                    self._s3.create_bucket(**kwargs)
                    changed.append("bucket")
                except ClientError as exc:
                    if _code(exc) != "BucketAlreadyOwnedByYou":
                        raise
            if self._get_cors(bucket) != _normalise_rules(cors["CORSRules"]):
                self._s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)  # type: ignore[arg-type]
                changed.append("cors")
            if self._get_lifecycle(bucket) != _normalise_rules(lifecycle["Rules"]):
                self._s3.put_bucket_lifecycle_configuration(
                    Bucket=bucket,
                    LifecycleConfiguration=lifecycle,  # type: ignore[arg-type]
                )
                changed.append("lifecycle")
        except ClientError as exc:
            raise StorageError(f"cannot provision bucket {bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot reach storage: {exc}") from exc
        return changed

    def _get_cors(self, bucket: str) -> list[dict[str, Any]]:
        try:
            rules = self._s3.get_bucket_cors(Bucket=bucket).get("CORSRules", [])
        except ClientError as exc:
            if _code(exc) in _MISSING_CONFIG:
                return []
            raise
        return _normalise_rules([dict(rule) for rule in rules])

    def _get_lifecycle(self, bucket: str) -> list[dict[str, Any]]:
        try:
            rules = self._s3.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])
        except ClientError as exc:
            if _code(exc) in _MISSING_CONFIG:
                return []
            raise
        return _normalise_rules([dict(rule) for rule in rules])

    def _listing(self, bucket: str, operation: str, field: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated S3 listing (``field`` of each page)."""
        for page in self._s3.get_paginator(operation).paginate(Bucket=bucket, **params):  # type: ignore[call-overload]
            yield from page.get(field, [])

    def usage(self, bucket: str, prefix: str = "") -> Usage:
        """Object count and total bytes under `prefix` (the whole bucket by default)."""
        count = total = photos = 0
        try:
            for obj in self._listing(bucket, "list_objects_v2", "Contents", Prefix=prefix):
                count += 1
                total += int(obj.get("Size", 0))
                if obj["Key"].rsplit("/", 1)[-1].startswith("original."):
                    photos += 1
        except ClientError as exc:
            raise StorageError(f"cannot list bucket {bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot reach storage: {exc}") from exc
        return Usage(object_count=count, total_bytes=total, photo_count=photos)

    def remove(self, bucket: str) -> bool:
        """Abort multipart uploads, delete every object (and version), delete the bucket.

        Returns False when the bucket was already absent (idempotent).
        """
        try:
            if not self.exists(bucket):
                return False
            for upload in self._listing(bucket, "list_multipart_uploads", "Uploads"):
                self._s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            versions = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for field in ("Versions", "DeleteMarkers")
                for item in self._listing(bucket, "list_object_versions", field)
            ]
            objects = [{"Key": item["Key"]} for item in self._listing(bucket, "list_objects_v2", "Contents")]
            for batch in (versions, objects):
                for start in range(0, len(batch), 1000):  # DeleteObjects takes up to 1000 keys
                    chunk: Any = {"Objects": batch[start : start + 1000], "Quiet": True}
                    self._s3.delete_objects(Bucket=bucket, Delete=chunk)
            self._s3.delete_bucket(Bucket=bucket)
        except ClientError as exc:
            if _code(exc) in _MISSING_BUCKET:
                return False
            raise StorageError(f"cannot remove bucket {bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot reach storage: {exc}") from exc
        return True
