"""`wairo`: the photographer's upload tool.

wairo login [--api URL] [--media-api URL] [--email E]     (password: prompt or WAIRO_PASSWORD)
wairo upload PROJECT PATH... [--album NAME] [--parallel N] [--watch] [--resumable-above BYTES]
wairo status PROJECT [--once]
wairo logout
"""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from wairo_client import config, files
from wairo_client.api import ApiError, MediaApi, RetryPolicy, login, token_role
from wairo_client.progress import Progress
from wairo_client.uploader import Outcome, Uploader
from wairo_client.watch import HotFolder

DEFAULT_API = "http://127.0.0.1:3001"  # `wairo-dev up`'s backoffice API
DEFAULT_MEDIA_API = "http://127.0.0.1:3003"  # and its media API
SETTLED = ("ready", "failed")
STATUS_ORDER = ("uploaded", "processing", "ready", "failed")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wairo", description="Upload an event's photos to Wairo.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("login", help="log in on the backoffice API and keep the token (mode 0600)")
    p.add_argument("--api", default=os.environ.get("WAIRO_API", DEFAULT_API), help="backoffice API URL")
    p.add_argument("--media-api", default=os.environ.get("WAIRO_MEDIA_API", DEFAULT_MEDIA_API))
    p.add_argument("--email", default=os.environ.get("WAIRO_EMAIL"))

    sub.add_parser("logout", help="forget the stored token")

    p = sub.add_parser("upload", help="upload the photos of files and folders to a project")
    p.add_argument("project", help="the project's id")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--album", help="an album of the project (by exact name; created when absent)")
    p.add_argument("--parallel", type=int, default=4, help="files sent at once (default 4)")
    p.add_argument("--watch", action="store_true", help="keep watching the folders for new files")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between polls of --watch")
    p.add_argument(
        "--resumable-above",
        type=int,
        default=64 * 1024 * 1024,
        metavar="BYTES",
        help="files larger than this go as resumable multipart uploads (default 64 MiB)",
    )
    p.add_argument("--limit-rate", type=int, metavar="BYTES_PER_S", help="cap each file's upload rate")

    p = sub.add_parser("status", help="follow the processing of a project's photos")
    p.add_argument("project")
    p.add_argument("--once", action="store_true", help="print the counts once and exit")
    p.add_argument("--interval", type=float, default=2.0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "login":
            return _login(args)
        if args.command == "logout":
            print("logged out" if config.forget() else "not logged in")
            return 0
        credentials = config.load()
        api = MediaApi(credentials.media_api, credentials.token, RetryPolicy(notify=_tell))
        try:
            return _upload(api, args) if args.command == "upload" else _status(api, args)
        finally:
            api.close()
    except config.NotLoggedIn as exc:
        print(f"wairo: {exc}", file=sys.stderr)
        return 2
    except ApiError as exc:
        print(f"wairo: {exc}", file=sys.stderr)
        return 1
    except httpx.TransportError as exc:  # still unreachable after the retries
        print(f"wairo: cannot reach the API: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _tell(message: str) -> None:
    print(f"wairo: {message}", file=sys.stderr, flush=True)


def _login(args: argparse.Namespace) -> int:
    email = args.email or input("email: ")
    password = os.environ.get("WAIRO_PASSWORD") or getpass.getpass("password: ")
    token = login(args.api, email, password)
    path = config.save(config.Credentials(api=args.api, media_api=args.media_api, token=token))
    print(f"logged in as {email} ({token_role(token)}); token kept in {path}")
    return 0


# --- upload -----------------------------------------------------------------------------------------


def album_id(api: MediaApi, project_id: str, name: str) -> str:
    """The project's album of this name (exactly, else whatever its case: names are unique per
    project regardless of case), created when there is none."""
    path = f"/v1/projects/{project_id}/albums"

    def find() -> str | None:
        albums = api.json("GET", path)
        exact = [a for a in albums if a["name"] == name]
        loose = [a for a in albums if a["name"].lower() == name.lower()]
        return str((exact or loose)[0]["id"]) if exact or loose else None

    found = find()
    if found is not None:
        return found
    try:
        return str(api.json("POST", path, json={"name": name}, expect=201)["id"])
    except ApiError as exc:
        if exc.code != "album_exists":  # made meanwhile (another run)
            raise
    found = find()
    if found is None:
        raise ApiError(409, "album_exists", f"the album {name!r} exists but cannot be found")
    return found


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _upload(api: MediaApi, args: argparse.Namespace) -> int:
    if token_role(api.token) != "photographer":
        print("wairo: uploads are a photographer's: log in as the project's photographer", file=sys.stderr)
        return 2
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"wairo: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    album = album_id(api, args.project, args.album) if args.album else None
    progress = Progress()
    uploader = Uploader(
        api,
        args.project,
        config.config_dir() / "uploads",
        album_id=album,
        resumable_above=args.resumable_above,
        on_bytes=progress.sent,
        limit_rate=args.limit_rate,
    )
    pool = ThreadPoolExecutor(max_workers=max(1, args.parallel), thread_name_prefix="upload")
    futures: list[Future[Outcome]] = []

    def done(future: Future[Outcome]) -> None:
        if not future.cancelled():
            progress.finished(future.result())

    def submit(path: Path) -> None:
        progress.queued(path.stat().st_size)
        future = pool.submit(uploader.upload, path)
        future.add_done_callback(done)
        futures.append(future)

    signal.signal(signal.SIGTERM, _interrupt)
    initial = list(files.walk(args.paths))
    interrupted = False
    try:
        for path in initial:
            submit(path)
        if args.watch:
            print(f"watching {', '.join(map(str, args.paths))} (Ctrl-C to stop)", flush=True)
            HotFolder(args.paths, initial).run(args.interval, threading.Event(), submit)
        while not all(f.done() for f in futures):
            time.sleep(0.2)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    not_started = sum(f.cancelled() for f in futures)
    ok = progress.summary()
    if interrupted and not_started:
        print(f"interrupted: {not_started} files not started (run the same command again)")
    return 0 if ok and not (interrupted and not_started) else 1


# --- status -----------------------------------------------------------------------------------------


def _photos_path(api: MediaApi, project_id: str) -> str:
    role = token_role(api.token)
    who = "photographers" if role == "photographer" else "operators"
    return f"/v1/{who}/me/projects/{project_id}/photos"


def status_counts(api: MediaApi, project_id: str) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for photo in api.pages(_photos_path(api, project_id)):
        counts[photo["status"]] = counts.get(photo["status"], 0) + 1
    return counts


def _status(api: MediaApi, args: argparse.Namespace) -> int:
    while True:
        counts: dict[str, Any] = status_counts(api, args.project)
        total = sum(counts.values())
        print(f"{total} photos: " + ", ".join(f"{n} {s}" for s, n in counts.items()), flush=True)
        if args.once or all(s in SETTLED for s, n in counts.items() if n):
            return 0
        time.sleep(args.interval)
