"""Fresh virtual environments, one per deployable, built the way its Dockerfile builds its image:
exactly the files the Dockerfile copies, in an empty source tree, then
`pip install -c requirements.lock '.[<extras>]'` (packages from pip's cache and configured index).

`python -m tests.deploy.venvs` builds the three and the upload tool's with bytecode compiled, as the
images hold them, and prints their sizes (the README's table).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.deploy.dockerfiles import INSTALLS, PROJECT_FILES, ROOT, Deployable, parse

# Extras of the images that cannot install here: the CUDA build of onnxruntime (a GPU machine's).
NOT_LOCAL = frozenset({"gpu"})
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", ".pytest_cache")
# Variables that would let the repository's own packages or the dev venv leak into a fresh one.
_LEAKY = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONSAFEPATH")

# Run in a deployable's venv: which of `modules` it can import (find_spec, nothing imported).
FIND_SPECS = (
    "import importlib.util, json, sys\n"
    "print(json.dumps({m: importlib.util.find_spec(m) is not None for m in sys.argv[1:]}))\n"
)


@dataclass(frozen=True)
class Venv:
    deployable: Deployable
    path: Path
    seconds: float  # time to build it

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return env | extra

    def run(
        self, argv: list[str], cwd: Path, timeout: float = 120, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """`argv[0]` from the venv's bin (python, wairo, kopf, ...), in `cwd` (an empty folder: the
        repository is not importable from there)."""
        command = [str(self.bin / argv[0]), *argv[1:]]
        return subprocess.run(
            command, cwd=cwd, env=self.env(**env), capture_output=True, text=True, timeout=timeout
        )

    def importable(self, modules: list[str], cwd: Path) -> dict[str, bool]:
        result = self.run(["python", "-c", FIND_SPECS, *modules], cwd)
        assert result.returncode == 0, result.stderr
        found: dict[str, bool] = json.loads(result.stdout)
        return found

    def scripts(self) -> set[str]:
        """The console scripts the project installed (entry_points.txt of its dist-info)."""
        (dist_info,) = self.path.glob("lib/python*/site-packages/wairo-*.dist-info")
        entry_points = dist_info / "entry_points.txt"
        if not entry_points.exists():
            return set()
        lines = entry_points.read_text().splitlines()
        return {line.split("=")[0].strip() for line in lines if "=" in line}

    def size_bytes(self) -> int:
        total = 0
        for folder, _, files in os.walk(self.path):
            total += sum(os.lstat(os.path.join(folder, name)).st_size for name in files)
        return total


def source_tree(deployable: Deployable, dest: Path) -> Path:
    """What the deployable's Dockerfile copies from the build context (without an image: the
    project files and its folders), and nothing else."""
    dest.mkdir(parents=True)
    if deployable.image:
        copies: Sequence[str] = parse(deployable.dockerfile).copies
    else:
        copies = sorted(PROJECT_FILES | deployable.packages)
    for source in copies:
        path = ROOT / source
        if path.is_dir():
            shutil.copytree(path, dest / source, ignore=_IGNORED)
        else:
            shutil.copy2(path, dest / source)
    return dest


def build(deployable: Deployable, dest: Path, compile_bytecode: bool = False) -> Venv:
    started = time.monotonic()
    src = source_tree(deployable, dest / "src")
    venv = dest / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    extras = ",".join(sorted(deployable.extras - NOT_LOCAL))
    pip = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
    if not compile_bytecode:
        pip.append("--no-compile")  # the first import compiles what it needs; much faster here
    result = subprocess.run(
        [*pip, "-c", "requirements.lock", f".[{extras}]"],
        cwd=src,
        env={k: v for k, v in os.environ.items() if k not in _LEAKY},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pip install .[{extras}] failed for {deployable.name}:\n{result.stderr[-4000:]}")
    return Venv(deployable, venv, time.monotonic() - started)


def build_all(dest: Path, compile_bytecode: bool = False) -> dict[str, Venv]:
    with ThreadPoolExecutor(len(INSTALLS)) as pool:
        futures = {
            name: pool.submit(build, deployable, dest / name, compile_bytecode)
            for name, deployable in INSTALLS.items()
        }
        return {name: future.result() for name, future in futures.items()}


def main() -> int:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="wairo-deploy-") as tmp:
        venvs = build_all(Path(tmp), compile_bytecode=True)
        print("| deployable | extras | venv size | build time |\n|---|---|---|---|")
        for name, venv in venvs.items():
            extras = ", ".join(f"`{e}`" for e in sorted(venv.deployable.extras - NOT_LOCAL))
            print(f"| {name} | {extras} | {venv.size_bytes() / 2**20:.0f} MiB | {venv.seconds:.0f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
