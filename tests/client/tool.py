"""The `wairo` tool run as a process (the dev venv's interpreter, `-m wairo_client`) with its own
config dir, and what its tests count: the project's photo rows and stored objects."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.core.security import hash_password
from api.core.storage import default_bucket, s3
from api.models import Operator, Photo, Photographer
from api.models.photos import STORED_STATUSES
from tests.factories import Factory, Tenant
from tests.support.images import jpeg_bytes
from wairo_contracts.keys import photo_key, project_photos_prefix

# The password of `tenant_with_login`'s photographer.
PASSWORD = "shoot-the-first-dance"


def tenant_with_login(committed: Session) -> Tenant:
    """A committed tenant whose photographer and operator log in with `PASSWORD`."""
    t = Factory(committed).tenant()
    hashed = hash_password(PASSWORD)
    committed.execute(
        update(Photographer).where(Photographer.id == t.photographer.id).values(password_hash=hashed)
    )
    committed.execute(update(Operator).where(Operator.id == t.operator.id).values(password_hash=hashed))
    committed.commit()
    return t


@dataclass
class Wairo:
    """The tool, as `python -m wairo_client` of `python` (the dev venv's unless given)."""

    config_dir: Path
    cwd: Path
    python: str = sys.executable

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "WAIRO_CONFIG_DIR": str(self.config_dir), **extra}

    def argv(self, *args: str) -> list[str]:
        return [self.python, "-m", "wairo_client", *args]

    def login(self, tenant: Tenant, backoffice_api: str, media_api: str, role: str = "photographer") -> None:
        email = tenant.photographer.email if role == "photographer" else tenant.operator.email
        done = self.run(
            "login",
            "--api",
            backoffice_api,
            "--media-api",
            media_api,
            "--email",
            email,
            WAIRO_PASSWORD=PASSWORD,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"({role})" in done.stdout

    def run(self, *args: str, timeout: float = 180, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args),
            cwd=self.cwd,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.argv(*args),
            cwd=self.cwd,
            env=self.env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str]:
    """Send `sig`, then the exit code and everything it printed."""
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=60)
    return proc.returncode, out


def write_photos(folder: Path, count: int, start: int = 0) -> list[Path]:
    """`count` distinct JPEGs (their sizes differ, so do their hashes), about 110 KB each."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + count):
        path = folder / f"IMG_{i:04d}.JPG"
        path.write_bytes(jpeg_bytes((640 + i, 480)))
        paths.append(path)
    return paths


def photo_rows(session: Session, project_id: uuid.UUID, *statuses: str) -> int:
    stmt = select(func.count()).where(Photo.project_id == project_id)
    if statuses:
        stmt = stmt.where(Photo.status.in_(statuses))
    session.rollback()  # a fresh snapshot
    return session.scalar(stmt) or 0


def stored_rows(session: Session, project_id: uuid.UUID) -> int:
    """Photos stored (uploaded, or already on with processing when a session's worker runs)."""
    return photo_rows(session, project_id, *STORED_STATUSES)


def distinct_hashes(session: Session, project_id: uuid.UUID) -> int:
    session.rollback()
    stmt = select(func.count(func.distinct(Photo.client_sha256))).where(Photo.project_id == project_id)
    return session.scalar(stmt) or 0


def stored_objects(project_id: uuid.UUID) -> dict[str, int]:
    """The project's originals in storage: key -> size (the variants a session's worker may have
    made left out)."""
    listed: Any = s3().list_objects_v2(Bucket=default_bucket(), Prefix=project_photos_prefix(project_id))
    original = photo_key(project_id, "x").rsplit("/", 1)[1]
    return {o["Key"]: o["Size"] for o in listed.get("Contents", []) if o["Key"].endswith(f"/{original}")}
