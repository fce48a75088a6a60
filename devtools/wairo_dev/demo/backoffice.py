"""Demo chapter: the operator sets up an event in the backoffice (pricing, discounts, invites)."""

from __future__ import annotations

import uuid
from typing import Any

from api.core.links import join_link
from wairo_dev.demo.client import Api, chapter, step

PROMO_CODE = "WAIRO20"


def operator_setup(apis: dict[str, Api], state: dict[str, Any]) -> None:
    backoffice, token, run = apis["backoffice"], state["operator_token"], state["run"]
    chapter("Operator setup")

    profile = backoffice.call("PATCH", "/v1/operators/me", token=token, json={"currency": "eur"})
    step(f"currency set to {profile['currency']}")

    project = backoffice.call(
        "POST",
        "/v1/projects",
        token=token,
        json={
            "name": "Summer Gala",
            "type": "public",
            "status": "live",
            "locationName": "Harbour Hall",
            "timezone": "Europe/Paris",
            "termsAndConditions": "Photos are shared with attendees who opt in to face matching.",
        },
        expect=201,
    )
    state["project_id"] = project["id"]
    step(
        f"project {project['name']} created ({project['id']}): {project['type']}, {project['status']}, "
        f"terms v{project['termsVersion']}, storage {project['provisioningPhase']}"
    )
    step(f"join link (the attendee web app): {join_link(uuid.UUID(project['id']))}")

    default = backoffice.call(
        "POST", "/v1/pricing/rules", token=token, json={"pricePerPhotoCents": 500}, expect=201
    )
    override = backoffice.call(
        "POST",
        "/v1/pricing/rules",
        token=token,
        json={"projectId": project["id"], "pricePerPhotoCents": 400, "compareAtPriceCents": 500},
        expect=201,
    )
    step(
        f"pricing: default {default['pricePerPhotoCents']} cents, "
        f"this project {override['pricePerPhotoCents']} cents"
    )

    percentage = backoffice.call(
        "POST",
        "/v1/discounts",
        token=token,
        json={"name": "20% off", "type": "percentage", "value": 20},
        expect=201,
    )
    promo = backoffice.call(
        "POST",
        "/v1/promo-codes",
        token=token,
        json={"code": PROMO_CODE, "discountId": percentage["id"], "maxUses": 10, "maxUsesPerUser": 1},
        expect=201,
    )
    state["promo_code"] = promo["code"]
    step(f"promo code {promo['code']} → {percentage['name']} (max {promo['maxUses']} uses, 1 per user)")

    bundle = backoffice.call(
        "POST",
        "/v1/discounts",
        token=token,
        json={"name": "30% from 10 photos", "type": "bundle", "value": 30, "bundleMinPhotos": 10},
        expect=201,
    )
    backoffice.call(
        "POST",
        f"/v1/projects/{project['id']}/discounts",
        token=token,
        json={"discountId": bundle["id"]},
        expect=204,
    )
    step(f"bundle discount '{bundle['name']}' linked to the project")

    backoffice.call(
        "POST",
        f"/v1/projects/{project['id']}/photographers",
        token=token,
        json={"photographerId": state["photographer_id"]},
        expect=204,
    )
    assigned = backoffice.call("GET", "/v1/photographers/me/projects", token=state["photographer_token"])
    step(f"photographer assigned; sees {[p['name'] for p in assigned]}")

    invited = backoffice.call(
        "POST",
        f"/v1/projects/{project['id']}/invites/bulk",
        token=token,
        json={"emails": [f"alice-{run}@example.com", f"bob-{run}@example.com"]},
        expect=202,
    )
    step(f"invites: {invited['queued']} queued, {invited['skipped']} skipped")

    kpis = backoffice.call("GET", "/v1/analytics", token=token)["kpis"]
    step("analytics: " + ", ".join(f"{name} {value}" for name, value in kpis.items()))
