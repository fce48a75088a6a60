"""The deployables and what their Dockerfiles say: the files they copy from the build context and
the `pip install` commands they run (no Docker here: the Dockerfiles are read, not built)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What every deployable's install needs besides its packages: the project metadata, the console
# scripts, the pins and the readme pyproject.toml names.
PROJECT_FILES = frozenset({"pyproject.toml", "setup.py", "requirements.lock", "README.md"})


@dataclass(frozen=True)
class Deployable:
    name: str
    packages: frozenset[str]  # top-level folders of the source tree its image holds
    extras: frozenset[str]  # what its image installs: `pip install '.[<extras>]'`
    # Other requirements its Dockerfile may install by name (the vision image's CUDA onnxruntime).
    swaps: frozenset[str] = frozenset()
    image: bool = True  # False: no image, installed by `pip install` from its folders alone

    @property
    def dockerfile(self) -> Path:
        return ROOT / "docker" / f"{self.name}.Dockerfile"


DEPLOYABLES = {
    d.name: d
    for d in (
        Deployable("api", frozenset({"contracts", "api"}), frozenset({"api"})),
        Deployable("operator", frozenset({"contracts", "operator"}), frozenset({"operator"})),
        Deployable(
            "vision",
            frozenset({"contracts", "vision"}),
            frozenset({"vision", "gpu"}),
            swaps=frozenset({"onnxruntime-gpu"}),
        ),
    )
}


# The photographer's upload tool: no image, `pip install 'wairo[client]'` on their own machine.
CLIENT = Deployable("client", frozenset({"client"}), frozenset({"client"}), image=False)
# Every install tests/deploy builds: the images' and the client's.
INSTALLS = DEPLOYABLES | {CLIENT.name: CLIENT}


@dataclass(frozen=True)
class PipInstall:
    requirements: tuple[str, ...]  # positional arguments: names, or `.[extras]` for the project
    constraints: tuple[str, ...]  # -c files

    @property
    def project_extras(self) -> frozenset[str] | None:
        """The extras of the project installed from `.`, None when this installs no project."""
        for requirement in self.requirements:
            match = re.fullmatch(r"\.(?:\[([\w,\s-]*)\])?", requirement)
            if match:
                return frozenset(e.strip() for e in (match.group(1) or "").split(",") if e.strip())
        return None


@dataclass(frozen=True)
class Dockerfile:
    copies: tuple[str, ...]  # sources of COPY/ADD from the build context (not --from= stages)
    installs: tuple[PipInstall, ...]


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        out.append((keyword.upper(), args.strip()))
        pending = ""
    return out


def _pip_install(argv: list[str]) -> PipInstall | None:
    if len(argv) > 2 and argv[1:3] == ["-m", "pip"]:  # python -m pip install ...
        argv = argv[2:]
    if len(argv) < 2 or Path(argv[0]).name not in {"pip", "pip3"} or argv[1] != "install":
        return None
    requirements: list[str] = []
    constraints: list[str] = []
    args = iter(argv[2:])
    for arg in args:
        if arg in {"-c", "--constraint"}:
            constraints.append(next(args))
        elif arg in {"-r", "--requirement", "-e", "--editable", "-f", "--find-links", "-i", "--index-url"}:
            raise AssertionError(f"unexpected pip option {arg} in {shlex.join(argv)}")
        elif not arg.startswith("-"):
            requirements.append(arg)
    return PipInstall(tuple(requirements), tuple(constraints))


def parse(path: Path) -> Dockerfile:
    copies: list[str] = []
    installs: list[PipInstall] = []
    for keyword, args in _instructions(path.read_text()):
        if keyword in {"COPY", "ADD"}:
            words = json.loads(args) if args.startswith("[") else shlex.split(args)
            flags = [w for w in words if w.startswith("--")]
            if any(f.startswith("--from=") for f in flags):
                continue
            sources = [w for w in words if not w.startswith("--")][:-1]
            copies.extend(s.rstrip("/") for s in sources)
        elif keyword == "RUN":
            for command in re.split(r"&&|\|\||;", args):
                install = _pip_install(shlex.split(command))
                if install is not None:
                    installs.append(install)
    return Dockerfile(tuple(copies), tuple(installs))
