"""What kind of failure one item had, as the service reports it (`AnalyzeResult.error_kind`), so
callers can tell a bad image (final) from a storage outage (retry):

- ``decode``: the object is not an image we can decode (or decode safely);
- ``missing``: no such object or bucket;
- ``storage``: storage unreachable or failing (worth retrying);
- ``internal``: anything else (the analyzer failed; worth retrying).
"""

from __future__ import annotations

from typing import Literal

from botocore.exceptions import BotoCoreError, ClientError

from vision.imaging import ImageDecodeError

ErrorKind = Literal["decode", "missing", "storage", "internal"]
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
