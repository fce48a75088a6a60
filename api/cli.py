"""`wairo-server` command of the API deployable: migrate (the prestart step of every API and worker release).

The embedded stack and the demo are development tools: `wairo-dev up`, `wairo-dev demo` (the `dev`
extra, `devtools/wairo_dev`); `wairo` is the photographer's upload tool (`client/wairo_client`).
"""

from __future__ import annotations

import argparse
import sys

from api.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wairo-server", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="alembic upgrade head on WAIRO_DATABASE_URL")
    parser.parse_args(argv)

    from api.migrate import upgrade

    url = get_settings().database_url
    if not url:
        print("wairo-server migrate: WAIRO_DATABASE_URL is not set", file=sys.stderr)
        return 2
    upgrade(url)
    print("migrations: at head")
    return 0


if __name__ == "__main__":
    sys.exit(main())
