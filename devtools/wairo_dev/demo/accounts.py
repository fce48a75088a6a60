"""Demo chapters: the platform is ready; an operator, a photographer and an attendee sign up."""

from __future__ import annotations

import uuid
from typing import Any

from wairo_dev.demo.client import Api, chapter, step


def give_biometric_consent(main: Api, token: str) -> str:
    """Consent to the text the platform shows now (its version is what gets recorded)."""
    current = main.call("GET", "/v1/consent/biometric/current")
    consent = main.call(
        "POST", "/v1/consent/biometric", token=token, json={"consentVersion": current["version"]}, expect=201
    )
    version: str = consent["consentVersion"]
    return version


def platform(apis: dict[str, Api], state: dict[str, Any]) -> None:
    chapter("Platform")
    for name, api in apis.items():
        ready = api.call("GET", "/readyz")
        step(f"{name} API ready: {ready['checks']}")
    state["run"] = uuid.uuid4().hex[:6]


def operator(apis: dict[str, Api], state: dict[str, Any]) -> None:
    backoffice, run = apis["backoffice"], state["run"]
    chapter("Operator")
    email = f"studio-{run}@example.com"
    body = {"name": "Lumen Studio", "email": email, "password": "studio-pass-1", "timezone": "Europe/Paris"}
    state["operator_token"] = backoffice.call("POST", "/v1/auth/register", json=body, expect=201)["token"]
    step(f"operator {email} signed up")
    backoffice.call("POST", "/v1/auth/login", json={"email": email, "password": "studio-pass-1"})
    step("operator logged in")
    photographer_email = f"ana-{run}@example.com"
    photographer = backoffice.call(
        "POST",
        "/v1/auth/register-photographer",
        token=state["operator_token"],
        json={"name": "Ana Lens", "email": photographer_email, "password": "ana-pass-12"},
        expect=201,
    )
    state["photographer_id"] = photographer["id"]
    step(f"photographer {photographer['name']} registered ({photographer['id']})")
    login = backoffice.call(
        "POST", "/v1/auth/login", json={"email": photographer_email, "password": "ana-pass-12"}
    )
    state["photographer_token"] = login["token"]
    state["photographer_login"] = (photographer_email, "ana-pass-12")  # for `wairo login`
    step("photographer logged in")


def attendee(apis: dict[str, Api], state: dict[str, Any]) -> None:
    main, run = apis["main"], state["run"]
    chapter("Attendee")
    email = f"guest-{run}@example.com"
    body = {"name": "Guest One", "email": email, "password": "guest-pass-1"}
    state["user_token"] = main.call("POST", "/v1/auth/register", json=body, expect=201)["token"]
    state["user_email"] = email
    step(f"attendee {email} registered")
    main.call("POST", "/v1/auth/login", json={"email": email, "password": "guest-pass-1"})
    step("attendee logged in")
