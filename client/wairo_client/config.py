"""Where the tool keeps its state: the credentials (`credentials.json`, mode 0600 from its creation)
and the resumable uploads' state files, in `$WAIRO_CONFIG_DIR` or `~/.config/wairo`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_DIR_ENV = "WAIRO_CONFIG_DIR"
CREDENTIALS = "credentials.json"


class NotLoggedIn(Exception):
    pass


@dataclass(frozen=True)
class Credentials:
    api: str  # the backoffice API the token came from
    media_api: str  # where photos go
    token: str

    def to_json(self) -> dict[str, str]:
        return {"api": self.api, "mediaApi": self.media_api, "token": self.token}


def config_dir() -> Path:
    configured = os.environ.get(CONFIG_DIR_ENV)
    return Path(configured) if configured else Path.home() / ".config" / "wairo"


def write_private(path: Path, data: Any) -> None:
    """Write JSON readable by the owner only: the file is created 0600 (never chmod-ed after, so
    there is no moment it is readable by others) and replaces the old one atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def save(credentials: Credentials) -> Path:
    path = config_dir() / CREDENTIALS
    write_private(path, credentials.to_json())
    return path


def load() -> Credentials:
    path = config_dir() / CREDENTIALS
    try:
        data = json.loads(path.read_text())
        return Credentials(api=data["api"], media_api=data["mediaApi"], token=data["token"])
    except (OSError, ValueError, KeyError) as exc:
        raise NotLoggedIn(f"not logged in ({path}): run `wairo login` first") from exc


def forget() -> bool:
    """Remove the stored credentials; whether there were any."""
    path = config_dir() / CREDENTIALS
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed
