"""The console scripts, each installed only when its package is in the source tree being built.

Everything else is in pyproject.toml. An extra cannot carry a console script, and a script whose
package was not copied would be a broken command in that image: the API image (contracts/ and api/)
gets `wairo-server`, a photographer's install (client/) `wairo`, the operator and vision images
none (they run `kopf` and `serve`), a development checkout every one.
"""

from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent

# command -> (the folder its package lives in, its entry point)
SCRIPTS = {
    "wairo-server": ("api", "api.cli:main"),  # wairo-server migrate
    "wairo": ("client", "wairo_client.cli:main"),  # wairo login, wairo upload, wairo status
    "wairo-dev": ("devtools", "wairo_dev.cli:main"),  # wairo-dev up, wairo-dev demo
}

setup(
    entry_points={
        "console_scripts": [
            f"{name} = {target}" for name, (folder, target) in SCRIPTS.items() if (HERE / folder).is_dir()
        ]
    }
)
