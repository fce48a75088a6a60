"""Starting, watching and stopping child processes and servers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class StackError(RuntimeError):
    """A component could not start; the message says what to do."""


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    check: Callable[[], bool], what: str, timeout_s: float = 60.0, proc: Child | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.popen.poll() is not None:
            raise StackError(f"{what} exited with code {proc.popen.returncode}; see {proc.log_path}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise StackError(
        f"{what} was not ready after {timeout_s:.0f}s" + (f"; see {proc.log_path}" if proc else "")
    )


@dataclass
class Child:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, timeout_s: float = 15.0) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)
        except ProcessLookupError:
            pass


@dataclass
class Supervisor:
    log_dir: Path
    env: dict[str, str]
    children: list[Child] = field(default_factory=list)

    def spawn(self, name: str, argv: list[str], cwd: Path | None = None) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        log_file = log_path.open("ab")
        popen = subprocess.Popen(
            argv,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env,
            cwd=cwd,
            start_new_session=True,  # its own process group: stopped as a whole, not by our Ctrl-C
        )
        log_file.close()
        child = Child(name, popen, log_path)
        self.children.append(child)
        return child

    def python(self, name: str, module_args: list[str], cwd: Path | None = None) -> Child:
        return self.spawn(name, [sys.executable, *module_args], cwd=cwd)

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()

    def dead(self) -> list[Child]:
        return [c for c in self.children if c.popen.poll() is not None]
