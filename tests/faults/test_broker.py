"""The broker (Valkey) down: uploads and purchases are still accepted, their jobs wait in the outbox
and are delivered when the broker is back; a job already queued in the broker survives its restart."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import func, select

from api.models import EmailMessage, Purchase, PurchaseDownload, StripeEvent
from tests.factories import Factory, Tenant
from tests.faults.flows import assert_processed_once, complete, presign, put_original, upload, wait_settled
from tests.faults.harness import FaultStack
from tests.support.http import bearer, wait_until
from tests.support.images import jpeg_bytes
from wairo_dev.demo.attendee import pay_with_test_card


def _queued(faults: FaultStack, task_id: str) -> bool:
    """Whether a message with this task id waits in the `wairo` queue of the broker."""
    return any(task_id.encode() in message for message in faults.redis().lrange("wairo", 0, -1))


def test_broker_down_uploads_and_purchases_are_accepted_then_delivered(
    faults: FaultStack, tenant: Tenant, media: httpx.Client, main_api: httpx.Client
) -> None:
    """With the broker stopped, photos are PUT and completed (202) and a purchase is created (201)
    and paid on localstripe, whose webhook the main API stores (200); /readyz says the broker is
    down. Their jobs stay in the outbox, unsent; once the broker is back, beat's relay sends them:
    the photos are processed and the purchase is paid, with its confirmation email sent once.

    Also in the broker when it stops: a job taken by the worker (held in its vision call) and one
    waiting in the queue; both are done after the restart (Valkey keeps its append-only file).

    Nothing lost: every photo is ready once with all its objects, the purchase is paid once with
    one download right and one confirmation email, and no outbox row is left unsent. The upload
    URLs are asked for during the outage too: the upload-URL rate limit counts in Valkey and fails
    open (api/core/ratelimit.py)."""
    data = jpeg_bytes((800, 600))
    bought = upload(media, tenant, data)  # a ready photo, to buy during the outage
    complete(media, tenant, bought)
    assert wait_settled(media, tenant, [bought])[bought]["status"] == "ready"
    with faults.db() as session:
        build = Factory(session)
        guest = build.attendee(tenant.project)
        buyer, buyer_token = guest.user, guest.token
        build.price(tenant.operator, 500)

    faults.hold_vision()
    held = upload(media, tenant, data)  # taken by the worker, waiting for vision when the broker stops
    complete(media, tenant, held)
    wait_until(lambda: faults.vision_requests(f"photos/{tenant.project.id}/{held}/original.jpg"), 60)
    queued = upload(media, tenant, data)  # published, waiting in the broker's queue
    complete(media, tenant, queued)
    queued_job = str(faults.job(f"photo:{queued}:process").id)
    wait_until(lambda: _queued(faults, queued_job), 30, "the job of `queued` to wait in the broker")

    before = faults.totals()
    faults.stop_broker()
    try:
        for api in (media, main_api):
            ready = api.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["broker"].startswith("error")
        urls = [presign(media, tenant, len(data)) for _ in range(2)]
        for url in urls:
            put_original(url["uploadUrl"], data)
            complete(media, tenant, url["photoId"])
        jobs = [faults.job(f"photo:{url['photoId']}:process") for url in urls]
        assert all(job.sent_at is None for job in jobs)
        assert any(job.attempts >= 1 and job.last_error for job in jobs)  # the relay tried, and failed

        body = {"projectId": str(tenant.project.id), "photoIds": [bought]}
        created = main_api.post("/v1/purchases", json=body, headers=bearer(buyer_token))
        assert created.status_code == 201, created.text
        purchase_id = uuid.UUID(created.json()["purchaseId"])
        intent = pay_with_test_card(faults.stripe_url, created.json()["clientSecret"])

        def webhook_stored() -> StripeEvent | None:
            with faults.db() as session:
                return session.scalar(
                    select(StripeEvent).where(
                        StripeEvent.type == "payment_intent.succeeded",
                        StripeEvent.payload["data"]["object"]["id"].astext == intent,
                    )
                )

        event = wait_until(webhook_stored, 60, "localstripe's webhook to be stored")
        assert faults.job(f"stripe:{event.event_id}").sent_at is None
        during = faults.totals()
        assert during.photos == before.photos + len(urls) and during.outbox_unsent >= 3
    finally:
        faults.start_broker()
    faults.release_vision()

    photos = [bought, held, queued, *(u["photoId"] for u in urls)]
    settled = wait_settled(media, tenant, photos, timeout_s=120)
    assert {pid: b["status"] for pid, b in settled.items()} == dict.fromkeys(photos, "ready")
    assert_processed_once(faults, tenant, photos)

    def confirmed() -> bool:
        with faults.db() as session:
            return bool(
                session.scalar(
                    select(func.count()).where(
                        EmailMessage.to_address == buyer.email,
                        EmailMessage.template == "purchase_confirmed",
                        EmailMessage.sent_at.is_not(None),
                    )
                )
            )

    wait_until(confirmed, 120, "the purchase confirmation email to be sent")
    mine = main_api.get("/v1/purchases", headers=bearer(buyer_token)).json()
    assert [(p["id"], p["status"]) for p in mine] == [(str(purchase_id), "paid")]
    with faults.db() as session:
        assert session.scalar(select(func.count()).where(Purchase.user_id == buyer.id)) == 1
        rights = session.scalars(
            select(PurchaseDownload.photo_id).where(PurchaseDownload.purchase_id == purchase_id)
        )
        assert [str(p) for p in rights] == [bought]
        emails = session.scalar(select(func.count()).where(EmailMessage.to_address == buyer.email))
        assert emails == 1
        stored = session.get(StripeEvent, event.id)
        assert stored is not None and stored.processed_at is not None
    after = wait_until(lambda: (t := faults.totals()).outbox_unsent == 0 and t, 60, "the outbox to drain")
    assert after.photos == before.photos + len(urls)  # the two asked for during the outage
    assert after.objects == before.objects + 4 * len(urls) + 3  # `queued` had its original, `held` all four
