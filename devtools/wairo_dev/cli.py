"""`wairo-dev` command: up (the embedded stack), demo (an event end to end)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from api.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wairo-dev", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="state of the embedded stack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start every component locally and wait for Ctrl-C")
    sub.add_parser("demo", help="start the stack, run an event end to end over HTTP, stop")
    args = parser.parse_args(argv)
    data_dir = (args.data_dir or Path(get_settings().data_dir)).resolve()

    if args.command == "up":
        from wairo_dev.stack.stack import main_up

        return main_up(data_dir)
    from wairo_dev.demo.run import main_demo

    return main_demo(data_dir)


if __name__ == "__main__":
    sys.exit(main())
