"""Each Dockerfile installs only its own deployable: it copies the project files and that
deployable's packages, nothing else, and its one project install names exactly its extras."""

from __future__ import annotations

import tomllib

import pytest

from tests.deploy.dockerfiles import DEPLOYABLES, INSTALLS, PROJECT_FILES, ROOT, Deployable, parse


@pytest.mark.parametrize("deployable", DEPLOYABLES.values(), ids=DEPLOYABLES)
def test_copies_only_its_packages(deployable: Deployable) -> None:
    copies = parse(deployable.dockerfile).copies
    assert len(copies) == len(set(copies)), copies
    assert set(copies) == PROJECT_FILES | deployable.packages


@pytest.mark.parametrize("deployable", DEPLOYABLES.values(), ids=DEPLOYABLES)
def test_installs_only_its_extra(deployable: Deployable) -> None:
    installs = parse(deployable.dockerfile).installs
    projects = [i for i in installs if i.project_extras is not None]
    assert len(projects) == 1, installs
    assert projects[0].project_extras == deployable.extras
    assert projects[0].requirements == (projects[0].requirements[0],), "the project alone"
    for install in installs:
        assert install.constraints == ("requirements.lock",), f"pinned by the lock: {install}"
        if install.project_extras is None:
            assert set(install.requirements) <= deployable.swaps, install


def test_extras_and_packages_exist() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for deployable in INSTALLS.values():
        assert deployable.extras <= set(extras), deployable
        assert all((ROOT / package).is_dir() for package in deployable.packages), deployable
    # Development installs every deployable's extra, the upload tool's too.
    assert "wairo[api,vision,operator,client]" in extras["dev"]


def test_the_parser_reads_continuations_flags_and_stages(tmp_path) -> None:
    path = tmp_path / "x.Dockerfile"
    path.write_text(
        "FROM python AS build\n"
        "# COPY ignored ./ignored\n"
        "COPY --chown=1:1 a.txt b/ ./\n"
        'COPY ["c", "/c"]\n'
        "COPY --from=build /opt/venv /opt/venv\n"
        "RUN python -m venv /v \\\n"
        " && /v/bin/pip install -q -c requirements.lock '.[x, y]' \\\n"
        " && python -m pip install --no-deps -c requirements.lock other\n"
    )
    parsed = parse(path)
    assert parsed.copies == ("a.txt", "b", "c")
    assert [i.project_extras for i in parsed.installs] == [frozenset({"x", "y"}), None]
    assert parsed.installs[1].requirements == ("other",)
