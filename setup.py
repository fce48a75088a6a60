"""The console scripts, each installed only when its package is in the source tree being built.

Everything else is in pyproject.toml. An extra cannot carry a console script, and a script whose
package was not copied would be a broken command in that image: the API image (contracts/ and api/)
gets `wairo`, the operator and vision images none (they run `kopf` and `serve`), a development
checkout every one.
"""

from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent

# command -> (the folder its package lives in, its entry point)
SCRIPTS = {
    "wairo": ("api", "api.cli:main"),  # wairo migrate
    "wairo-dev": ("devtools", "wairo_dev.cli:main"),  # wairo-dev up, wairo-dev demo
    # Planned (a later issue): the photographer's upload client, a package of its own under client/
    # importing only wairo_contracts and an HTTP client, never a server package:
    # "wairo-upload": ("client", "wairo_upload.cli:main"),
}

setup(
    entry_points={
        "console_scripts": [
            f"{name} = {target}" for name, (folder, target) in SCRIPTS.items() if (HERE / folder).is_dir()
        ]
    }
)
