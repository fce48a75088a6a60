"""`wairo-dev up`: start the whole platform locally, print where everything is, stop on Ctrl-C.

Each component can be replaced by an external service with its `WAIRO_*` variable:
WAIRO_DATABASE_URL, WAIRO_S3_ENDPOINT, WAIRO_BROKER_URL, WAIRO_STRIPE_API_BASE, WAIRO_VISION_URL.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.settings import DEV_MAIN_API_PORT, Settings
from wairo_dev.stack import components as c
from wairo_dev.stack.processes import StackError, Supervisor, free_port, port_in_use


@dataclass
class StackConfig:
    data_dir: Path
    s3_port: int = 9000
    broker_port: int = 6379
    stripe_port: int = 8420
    backoffice_port: int = 3001
    main_port: int = DEV_MAIN_API_PORT
    media_port: int = 3003
    vision_port: int = 8000
    dashboard_port: int = 8265
    with_apis: bool = True
    with_worker: bool = True
    with_vision: bool = True
    external: dict[str, str] = field(default_factory=dict)

    @classmethod
    def infrastructure(cls, data_dir: Path, **overrides: Any) -> StackConfig:
        """Postgres, S3, Valkey and localstripe only, on free ports (tests and benchmarks)."""
        ports = {name: free_port() for name in ("s3_port", "broker_port", "stripe_port", "main_port")}
        return cls(
            data_dir=data_dir, with_apis=False, with_worker=False, with_vision=False, **(ports | overrides)
        )

    @classmethod
    def from_env(cls, data_dir: Path, **overrides: Any) -> StackConfig:
        keys = ("DATABASE_URL", "S3_ENDPOINT", "BROKER_URL", "STRIPE_API_BASE", "VISION_URL")
        external = {k: os.environ[f"WAIRO_{k}"] for k in keys if os.environ.get(f"WAIRO_{k}")}
        return cls(data_dir=data_dir, external=external, **overrides)


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.env: dict[str, str] = {**os.environ, "WAIRO_DATA_DIR": str(config.data_dir)}
        # The links the platform sends open on the main API this stack starts, and its pages upload
        # through the media API it starts (unless set); this process's settings (the bucket's CORS
        # origins, the apps tests start in it) read the same.
        for key, port in (("WEB_BASE_URL", config.main_port), ("MEDIA_BASE_URL", config.media_port)):
            if f"WAIRO_{key}" not in os.environ:
                self._set(key, f"http://{c.HOST}:{port}")
        self.settings = Settings()
        self.sup = Supervisor(config.data_dir / "logs", self.env)
        self.endpoints: dict[str, str] = {}
        self._postgres: Any = None
        self._broker: Any = None

    # -- lifecycle ---------------------------------------------------------------------------

    def check_ports(self) -> None:
        cfg = self.config
        wanted = {
            "S3 (moto)": (cfg.s3_port, "S3_ENDPOINT"),
            "broker (Valkey)": (cfg.broker_port, "BROKER_URL"),
            "Stripe (localstripe)": (cfg.stripe_port, "STRIPE_API_BASE"),
        }
        if cfg.with_apis:
            wanted |= {
                "backoffice API": (cfg.backoffice_port, ""),
                "main API": (cfg.main_port, ""),
                "media API": (cfg.media_port, ""),
            }
        if cfg.with_vision:
            wanted |= {"vision (Ray Serve)": (cfg.vision_port, "VISION_URL")}
        for what, (port, env_key) in wanted.items():
            if env_key and env_key in cfg.external:
                continue
            if port_in_use(port):
                hint = f" or set WAIRO_{env_key} to use a running one" if env_key else ""
                raise StackError(f"port {port} for the {what} is already in use: stop what holds it{hint}.")

    def start(self) -> dict[str, str]:
        self.check_ports()
        try:
            self._start_infrastructure()
            if self.config.with_vision:
                self._start_vision()
            if self.config.with_worker:
                c.start_worker(self.sup, self.config.data_dir)
                self.endpoints["worker"] = "celery worker + beat"
            if self.config.with_apis:
                self._start_apis()
        except BaseException:
            self.stop()
            raise
        return self.endpoints

    def stop(self) -> None:
        self.sup.stop_all()
        if self._broker is not None:
            self._broker.stop()
            self._broker = None
        if self._postgres is not None:
            c.stop_postgres(self._postgres)
            self._postgres = None

    def postgres_pid(self) -> int:
        """The embedded Postgres' postmaster (its backends are its children)."""
        pid = self._postgres.get_pid() if self._postgres is not None else None
        if pid is None:
            raise StackError("the embedded Postgres is not running")
        return int(pid)

    # -- components --------------------------------------------------------------------------

    def _set(self, key: str, value: str) -> None:
        self.env[f"WAIRO_{key}"] = value
        os.environ[f"WAIRO_{key}"] = value  # the migrations below run in this process

    def _start_infrastructure(self) -> None:
        cfg, ext = self.config, self.config.external
        if "DATABASE_URL" in ext:
            db_url = ext["DATABASE_URL"]
        else:
            self._postgres, db_url = c.start_postgres(cfg.data_dir / "postgres")
        self._set("DATABASE_URL", db_url)
        self.endpoints["postgres"] = db_url

        from api.migrate import upgrade

        upgrade(db_url)
        self.endpoints["migrations"] = "alembic upgrade head: done"

        if "S3_ENDPOINT" in ext:
            s3_url = ext["S3_ENDPOINT"]
        else:
            _, s3_url = c.start_s3(self.sup, cfg.s3_port)
        self._set("S3_ENDPOINT", s3_url)
        s = self.settings
        c.create_bucket(s3_url, s.s3.bucket, s.s3.access_key, s.s3.secret_key, s.s3.region, s.cors_origins)
        self.endpoints["s3"] = f"{s3_url} (bucket {s.s3.bucket})"

        if "BROKER_URL" in ext:
            broker_url = ext["BROKER_URL"]
        else:
            self._broker, broker_url = c.start_broker(cfg.data_dir / "valkey", cfg.broker_port)
        self._set("BROKER_URL", broker_url)
        self.endpoints["broker"] = broker_url

        if "STRIPE_API_BASE" in ext:
            stripe_url = ext["STRIPE_API_BASE"]
        else:
            webhook = f"http://{c.HOST}:{cfg.main_port}/v1/stripe-webhook"
            stripe_url = c.start_stripe(
                self.sup, cfg.stripe_port, webhook, s.stripe_webhook_secret, cfg.data_dir
            )
        self._set("STRIPE_API_BASE", stripe_url)
        self.endpoints["stripe"] = stripe_url

    def _start_vision(self) -> None:
        from wairo_dev.stack.vision import start_vision

        if "VISION_URL" in self.config.external:
            url = self.config.external["VISION_URL"]
        else:
            url = start_vision(self.sup, self.config.vision_port, self.config.dashboard_port)
            self.endpoints["ray dashboard"] = f"http://{c.HOST}:{self.config.dashboard_port}"
        self._set("VISION_URL", url)
        self.endpoints["vision"] = url

    def _start_apis(self) -> None:
        cfg = self.config
        for name, port in (
            ("backoffice", cfg.backoffice_port),
            ("main", cfg.main_port),
            ("media", cfg.media_port),
        ):
            _, url = c.start_api(self.sup, name, port)
            self.endpoints[f"{name} API"] = url


def print_endpoints(endpoints: dict[str, str], log_dir: Path) -> None:
    width = max(len(k) for k in endpoints)
    print("\nWairo is up:", flush=True)
    for name, where in endpoints.items():
        print(f"  {name.ljust(width)}  {where}")
    print(f"  {'logs'.ljust(width)}  {log_dir}/\nPress Ctrl-C to stop.", flush=True)


def main_up(data_dir: Path) -> int:
    import signal
    import time

    stack = Stack(StackConfig.from_env(data_dir))
    try:
        endpoints = stack.start()
    except StackError as exc:
        print(f"wairo-dev up: {exc}", file=sys.stderr)
        return 1
    print_endpoints(endpoints, stack.sup.log_dir)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        while True:
            dead = stack.sup.dead()
            if dead:
                names = ", ".join(f"{d.name} (see {d.log_path})" for d in dead)
                print(f"wairo-dev up: stopped because a component exited: {names}", file=sys.stderr)
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    finally:
        stack.stop()
        print("Stopped.", flush=True)
