"""Demo chapter: the attendee reads the project, consents, joins, finds, buys, downloads and shares."""

from __future__ import annotations

import html
import re
import time
from typing import Any

import httpx

from api.settings import get_settings
from wairo_dev.demo.accounts import give_biometric_consent
from wairo_dev.demo.client import Api, DemoError, chapter, step

TEST_CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}


def _photos_after_matching(
    main: Api, token: str, wait: bool, timeout_s: float = 60.0
) -> list[dict[str, Any]]:
    """The attendee's photos; with a selfie, once the matching job that joining queued has tagged
    some (it runs in the worker a moment after the join)."""
    deadline = time.monotonic() + timeout_s
    while True:
        photos: list[dict[str, Any]] = main.call("GET", "/v1/photos", token=token, params={"limit": 100})
        if not wait or any(p["tagged"] for p in photos) or time.monotonic() > deadline:
            return photos
        time.sleep(0.5)


def pay_with_test_card(stripe_base: str, client_secret: str, api_key: str | None = None) -> str:
    """What Stripe.js does in the browser, over HTTP against localstripe: create a card
    PaymentMethod, attach it to the PaymentIntent and confirm it. Returns the PaymentIntent id."""
    intent_id = client_secret.split("_secret_")[0]
    headers = {"Authorization": f"Bearer {api_key or get_settings().stripe_api_key}"}
    with httpx.Client(base_url=stripe_base, headers=headers, timeout=15) as http:
        card = {f"card[{k}]": v for k, v in TEST_CARD.items()}
        method = http.post("/v1/payment_methods", data={"type": "card", **card})
        method.raise_for_status()
        http.post(
            f"/v1/payment_intents/{intent_id}", data={"payment_method": method.json()["id"]}
        ).raise_for_status()
        confirmed = http.post(f"/v1/payment_intents/{intent_id}/confirm")
        confirmed.raise_for_status()
    return intent_id


def attendee_story(apis: dict[str, Api], state: dict[str, Any]) -> None:
    main, token, project_id = apis["main"], state["user_token"], state["project_id"]
    chapter("Attendee at the event")
    public = main.call("GET", f"/v1/projects/{project_id}/public")
    step(f"join link shows the event: {public['name']}")
    terms = main.http.get(f"/v1/projects/{project_id}/terms")
    terms_read = terms.json()["version"] if terms.status_code == 200 else None
    step(f"terms: version {terms_read}" if terms_read else "terms: platform default")
    live = [c for c in main.call("GET", "/v1/consent", token=token) if c["revokedAt"] is None]
    if live:
        step(f"biometric consent {live[0]['consentVersion']} already given (before the selfie)")
    else:
        step(f"biometric consent {give_biometric_consent(main, token)} given")
    join: dict[str, Any] = {"projectId": project_id, "termsAccepted": True}
    if terms_read:
        join["termsVersion"] = terms_read
    joined = main.call("POST", "/v1/qr/join", token=token, json=join, expect=201)
    step(f"joined by QR on the terms version read (member {joined['projectMemberId']})")

    photos = _photos_after_matching(main, token, wait=bool(state.get("selfie_uploaded")))
    step(f"{len(photos)} photos visible")
    tagged = [p for p in photos if p["tagged"]]
    if state.get("selfie_uploaded"):
        step(f"{len(tagged)} of them found by the attendee's selfie (tagged with their face)")
    if len(photos) < 2:
        raise DemoError("the attendee needs at least two ready photos to buy")
    chosen = [p["id"] for p in [*tagged, *(p for p in photos if not p["tagged"])][:2]]  # their own first
    body: dict[str, Any] = {"projectId": project_id, "photoIds": chosen}
    if state.get("promo_code"):
        body["promoCode"] = state["promo_code"]
    purchase = main.call("POST", "/v1/purchases", token=token, json=body, expect=201)
    step(
        f"purchase of 2 photos: subtotal {purchase['subtotalCents']}, "
        f"discount {purchase['discountAppliedCents']}, total {purchase['totalCents']} cents"
    )
    if purchase["clientSecret"]:
        intent = pay_with_test_card(state["endpoints"]["stripe"], purchase["clientSecret"])
        step(f"paid PaymentIntent {intent} with the test card on localstripe")
    status = _wait_until_paid(main, token, purchase["purchaseId"])
    step(f"purchase is {status} (webhook received and processed)")

    download = main.call("GET", f"/v1/photos/{chosen[0]}/download", token=token)
    size = len(httpx.get(download["downloadUrl"], timeout=30).content)
    step(f"downloaded the watermarked photo: {size} bytes (link valid {download['expiresInSeconds']} s)")
    share = main.call("POST", f"/v1/photos/{chosen[0]}/shares", token=token, json={}, expect=201)
    step(f"share link created: {share['url']} (until {share['expiresAt']})")
    shared = main.call("GET", f"/v1/shares/{share['token']}")
    step(f"anyone with the link sees photo {shared['photoId']}")
    page = httpx.get(share["url"], timeout=30)
    image = re.search(r'<img src="([^"]+)"', page.text)
    if page.status_code != 200 or image is None:
        raise DemoError(f"the share page {share['url']} answered {page.status_code} without the photo")
    shown = len(httpx.get(html.unescape(image.group(1)), timeout=30).content)
    title = re.search(r"<h1>(.*?)</h1>", page.text)
    event = html.unescape(title.group(1)) if title else "?"
    step(f"opened the share link in a browser: page of {event!r} showing the photo ({shown} bytes)")
    state["purchase_id"] = purchase["purchaseId"]


def operator_rematch(apis: dict[str, Api], state: dict[str, Any]) -> None:
    """After a model or threshold change: the whole project re-matched in one batched job."""
    chapter("Operator re-matches the project")
    backoffice, main = apis["backoffice"], apis["main"]
    project_id, token = state["project_id"], state["user_token"]
    before = {
        p["id"] for p in main.call("GET", "/v1/photos", token=token, params={"limit": 100}) if p["tagged"]
    }
    queued = backoffice.call(
        "POST", f"/v1/projects/{project_id}:rematch", token=state["operator_token"], expect=202
    )
    step(f"re-match of the whole project {queued['status']} (one job: every selfie against every face)")
    time.sleep(5)  # the worker runs it in well under a second; the attendee's tags are then replaced
    after = {
        p["id"] for p in main.call("GET", "/v1/photos", token=token, params={"limit": 100}) if p["tagged"]
    }
    same = "the same" if after == before else "different"
    step(f"the attendee's photos after the re-match: {len(after)} tagged ({same} photos as before)")


def _wait_until_paid(main: Api, token: str, purchase_id: str, timeout_s: float = 30) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        mine = {p["id"]: p for p in main.call("GET", "/v1/purchases", token=token)}
        status = mine[purchase_id]["status"]
        if status == "paid":
            return status
        if time.monotonic() > deadline:
            raise DemoError(f"purchase {purchase_id} still {status} after {timeout_s:.0f} s")
        time.sleep(1)
