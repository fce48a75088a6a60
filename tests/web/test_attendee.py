"""An attendee in a real browser (Debian's Chromium at 390 x 844): the join link, sign-up, the
terms changing while they read, consent, a selfie from a file approved by the real worker, the
photos they are tagged in first, favourites, an album, revocation; a draft event's link."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Album, AlbumPhoto, Favourite, Project, TermsVersion
from tests.factories import Factory, Tenant
from tests.support.http import bearer, put, wait_until
from tests.support.images import FACE_IMAGES
from tests.web.conftest import Tab, Web

SELFIE = FACE_IMAGES / "img1.jpg"  # person p01
THEIRS = ("img2.jpg", "img4.jpg")  # p01 again
OTHERS = ("img47.jpg",)  # p02
TERMS = "Photos may be taken throughout the evening."


def _photos(web: Web, t: Tenant, names: tuple[str, ...]) -> list[str]:
    """Uploaded through the media API and processed by the worker (thumbnails, faces)."""
    ids = []
    with httpx.Client(base_url=web.media, headers=bearer(t.photographer_token), timeout=30) as client:
        for name in names:
            data = (FACE_IMAGES / name).read_bytes()
            body = {"projectId": str(t.project.id), "contentType": "image/jpeg", "sizeBytes": len(data)}
            upload = client.post("/v1/photos/upload-url", json=body).json()
            assert put(upload["uploadUrl"], data, "image/jpeg").status_code == 200
            assert client.post(f"/v1/photos/{upload['photoId']}/complete").status_code == 202
            ids.append(upload["photoId"])
        for photo_id in ids:

            def ready(photo_id: str = photo_id) -> Any:
                return client.get(f"/v1/photos/{photo_id}").json()["status"] in ("ready", "failed")

            wait_until(ready, timeout_s=120, what=f"photo {photo_id}")
            assert client.get(f"/v1/photos/{photo_id}").json()["status"] == "ready"
    return ids


def _event(committed: Session) -> Tenant:
    build = Factory(committed)
    t = build.tenant(type="public", terms=TERMS, name=f"Harbour Gala {uuid.uuid4().hex[:6]}")
    build.add(TermsVersion(project_id=t.project.id, version=1, content=TERMS))
    return t


def _change_terms(committed: Session, project_id: uuid.UUID, text: str) -> None:
    project = committed.get(Project, project_id)
    assert project is not None
    project.terms_and_conditions = text
    committed.add(TermsVersion(project_id=project_id, version=2, content=text))
    committed.commit()


def _grid(tab: Tab, section: str) -> int:
    return int(tab.page.locator(f"#{section}-grid li").count())


def test_attendee_joins_consents_and_finds_their_photos_first(web: Web, tab: Tab, committed: Session) -> None:
    t = _event(committed)
    theirs, others = _photos(web, t, THEIRS), _photos(web, t, OTHERS)
    album = Factory(committed).add(Album(project_id=t.project.id, name="Harbour", position=0))
    Factory(committed).add(AlbumPhoto(album_id=album.id, photo_id=uuid.UUID(others[0]), position=0))
    page = tab.page

    # The join link of an invitation: the event, its terms, sign-up.
    page.goto(f"{web.main}/e/{t.project.id}?invite=one-time-token")
    page.get_by_text(TERMS).wait_for()
    assert page.locator("h1").inner_text() == t.project.name
    assert page.locator("#invite-note").is_visible()
    tab.shot("join")
    assert tab.serious_violations() == []
    page.get_by_label("Your name").fill("Mia Park")
    email = f"mia-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("harbour-gala-2026")
    page.get_by_label("I have read and accept").check()

    # The terms change while they read: the page shows the new text and asks again.
    new_terms = "Photos may be taken and sold to guests."
    _change_terms(committed, t.project.id, new_terms)
    page.get_by_role("button", name="Join the event").click()
    page.get_by_text("The terms changed while you were reading them").wait_for()
    assert page.locator("#terms-text").inner_text() == new_terms
    assert not page.get_by_label("I have read and accept").is_checked()
    assert tab.errors == ["Failed to load resource: the server responded with a status of 409 (Conflict)"]
    tab.errors.clear()
    page.get_by_label("I have read and accept").check()
    page.get_by_role("button", name="Join the event").click()
    page.wait_for_url(re.compile(rf"/e/{t.project.id}/selfie$"))
    page.go_back()
    assert page.url == f"{web.main}/e/{t.project.id}"  # the invite's token left the address bar
    page.go_forward()

    # Consent, then a selfie from a file: approved by the worker.
    page.get_by_role("heading", name="Face matching needs your consent").wait_for()
    assert page.locator("#consent-version").inner_text().startswith("Version ")
    tab.shot("consent")
    assert tab.serious_violations() == []
    page.get_by_label("I agree that Wairo matches my face").check()
    page.get_by_role("button", name="Give consent").click()
    page.get_by_label("Take a selfie or choose a photo of your face").set_input_files(SELFIE)
    assert page.locator("#selfie-file").get_attribute("capture") == "user"
    page.get_by_role("button", name="Upload selfie").click()
    page.get_by_text("Your selfie is approved").wait_for(timeout=120_000)
    tab.shot("selfie")

    # Their photos first, then the rest of the event; an album; a favourite.
    page.get_by_role("link", name="See your photos").click()

    def tagged() -> bool:
        page.reload()
        page.locator("#rest-grid li, #tagged-grid li").first.wait_for()
        return _grid(tab, "tagged") == len(theirs)

    wait_until(tagged, timeout_s=60, what="the photos of them")
    assert _grid(tab, "rest") == len(others)
    assert page.get_by_role("heading", name="Photos of you").is_visible()
    headings = page.locator("#all-photos h2").all_inner_texts()
    assert headings == ["Photos of you", "More from the event"]
    assert page.locator("#tagged-grid img").first.get_attribute("loading") == "lazy"
    page.locator("#tagged-grid img").first.evaluate("img => img.decode()")  # the thumbnail loads
    tab.shot("photos")
    assert tab.serious_violations("#tagged-grid li") == []
    favourite = page.locator("#tagged-grid .favourite").first
    favourite.click()
    page.locator('#tagged-grid .favourite[aria-pressed="true"]').wait_for()
    favourites = select(func.count()).select_from(Favourite).where(Favourite.photo_id.in_(theirs))
    assert committed.scalar(favourites) == 1
    page.get_by_role("button", name="Harbour (1)").click()
    page.locator("#album-grid li").wait_for()
    assert page.locator("#album-grid li").count() == 1

    # Revocation says what it deletes; then no "photos of you".
    page.get_by_role("link", name="Selfie", exact=True).click()
    assert "deletes your selfies" in page.locator("#revoke-section").inner_text()
    page.get_by_role("button", name="Revoke consent and delete my selfies").click()
    page.get_by_text("Your consent is revoked").wait_for()
    page.get_by_role("link", name="Photos", exact=True).click()
    page.locator("#rest-grid li").first.wait_for()
    assert _grid(tab, "rest") == len(theirs) + len(others)
    assert not page.locator("#tagged").is_visible() and _grid(tab, "tagged") == 0
    assert page.locator("#selfie-hint").is_visible()

    page.get_by_role("link", name="Buy photos").click()
    page.get_by_role("heading", name="Buying photos").wait_for()
    assert tab.serious_violations() == []
    assert tab.errors == []


def test_a_draft_events_link_shows_the_not_found_page(web: Web, tab: Tab, committed: Session) -> None:
    draft = Factory(committed).project(status="draft", name="Secret Launch")
    answer = tab.page.goto(f"{web.main}/e/{draft.id}")
    assert answer is not None and answer.status == 404
    assert tab.page.locator("h1").inner_text() == "We can't find this event"
    assert "Secret Launch" not in tab.page.content()
    tab.shot("not-found")
    assert tab.serious_violations() == []
    # The document's own 404 is the only thing the console reports.
    document_404 = "Failed to load resource: the server responded with a status of 404 (Not Found)"
    assert tab.errors in ([], [document_404])
