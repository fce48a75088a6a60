"""The pages over HTTP without a browser: which page an event's state gets, the CSP, the static
files' cache headers, and the CORS the browser's cross-origin calls need (the media API's and
the bucket's own configuration: moto answers CORS for every origin, so a browser proves nothing)."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.apps import main, media
from api.core.storage import default_bucket, s3
from api.settings import get_settings
from api.web.assets import assets
from tests.factories import Factory
from wairo_contracts.storage import origin_of


@pytest.fixture
def pages(infra: dict[str, str]) -> TestClient:
    return TestClient(main.create_app())


def test_event_pages_by_project_status(pages: TestClient, committed: Session) -> None:
    build = Factory(committed)
    statuses = ("live", "closed", "draft", "archived")
    by_status = {s: build.project(status=s, name=f"Event {s}") for s in statuses}
    committed.commit()
    live = pages.get(f"/e/{by_status['live'].id}")
    assert live.status_code == 200 and "Join the event" in live.text
    closed = pages.get(f"/e/{by_status['closed'].id}")
    assert closed.status_code == 200 and "This event is closed" in closed.text
    for hidden in (by_status["draft"].id, by_status["archived"].id, uuid.uuid4(), "not-a-uuid"):
        for path in ("/e/{}", "/e/{}/selfie", "/e/{}/photos", "/e/{}/checkout"):
            answer = pages.get(path.format(hidden))
            assert answer.status_code == 404 and "find this event" in answer.text, path
    assert "Event draft" not in pages.get(f"/e/{by_status['draft'].id}").text


def test_pages_csp_and_hashed_static_files(pages: TestClient, committed: Session) -> None:
    project = Factory(committed).project()
    committed.commit()
    page = pages.get(f"/e/{project.id}")
    csp = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
    settings = get_settings()
    storage = origin_of(settings.s3.signing_endpoint)
    assert csp["default-src"] == csp["script-src"] == csp["style-src"] == "'self'"
    assert csp["img-src"] == f"'self' {storage}"
    assert csp["connect-src"] == f"'self' {origin_of(settings.media_base_url)} {storage}"
    assert "unsafe" not in page.headers["content-security-policy"]
    assert "<style" not in page.text and not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # nothing inline
    assert f'<meta name="wairo-media-api" content="{settings.media_base_url}">' in page.text

    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert {u.rsplit("/", 1)[1] for u in urls} == {"join.mjs", "app.css", "icon.svg"}
    digest = assets().digest
    for url in urls:
        answer = pages.get(url)
        assert answer.status_code == 200 and f"/static/{digest}/" in url
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    module = pages.get(f"/static/{digest}/join.mjs")
    assert module.headers["content-type"].startswith("text/javascript")
    assert pages.get("/static/0123456789abcdef/join.mjs").headers["cache-control"] == "no-cache"
    assert pages.get(f"/static/{digest}/secrets.py").status_code == 404
    assert pages.get(f"/static/{digest}/..%2Fendpoints.py").status_code == 404


def test_browser_origin_may_call_the_media_api_and_put_to_the_bucket(infra: dict[str, str]) -> None:
    web_origin = get_settings().web_origin
    preflight = {
        "Origin": web_origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    answer = TestClient(media.create_app()).options("/v1/selfie/upload-url", headers=preflight)
    assert answer.headers["access-control-allow-origin"] == web_origin
    (rule,) = s3().get_bucket_cors(Bucket=default_bucket())["CORSRules"]
    assert web_origin in rule["AllowedOrigins"] and "*" not in rule["AllowedOrigins"]
    assert {"PUT", "GET"} <= set(rule["AllowedMethods"]) and rule["AllowedHeaders"] == ["*"]
