"""Which `ErrorKind` (see `wairo_contracts.vision`) a failure of one item is."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from vision.imaging import ImageDecodeError
from wairo_contracts.vision import ErrorKind

_MISSING_CODES = {"NoSuchKey", "NoSuchBucket", "404", "NotFound"}


def error_kind(exc: BaseException) -> ErrorKind:
    if isinstance(exc, ImageDecodeError):
        return "decode"
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return "missing" if code in _MISSING_CODES else "storage"
    if isinstance(exc, BotoCoreError):
        return "storage"
    return "internal"
