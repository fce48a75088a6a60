from __future__ import annotations

import uuid

from api.core.schemas import CamelModel


class Kpis(CamelModel):
    """Figures over the projects in scope (the operator's, narrowed by `projectIds`, and by
    `photographerIds` to projects those photographers are assigned to or uploaded to):

    - membersEnrolled: project memberships (one per user and project);
    - revenueInCents: the sum of `totalCents` of paid purchases;
    - photosUploaded: photos whose upload arrived (status neither `pending_upload` nor `expired`),
      only those of the given photographers when `photographerIds` is set;
    - usersTagged: distinct users with a live tag (not soft-deleted) on those photos;
    - purchasesMade: paid purchases.
    """

    members_enrolled: int
    revenue_in_cents: int
    photos_uploaded: int
    users_tagged: int
    purchases_made: int


class PhotographerPhotos(CamelModel):
    """Uploaded photos (as in `photosUploaded`) per photographer of the operator."""

    photographer_id: uuid.UUID
    name: str
    photo_count: int


class ProjectRevenue(CamelModel):
    """Paid purchases and their revenue per project in scope (a deleted project: a null id and the
    name its purchases were made in)."""

    project_id: uuid.UUID | None
    project_name: str
    purchases_made: int
    revenue_in_cents: int


class ConversionFunnel(CamelModel):
    """invited: distinct invited emails; enrolled: distinct member users; tagged: distinct users with
    a live tag (as `usersTagged`); purchased: distinct users with a paid purchase."""

    invited: int
    enrolled: int
    tagged: int
    purchased: int


class Analytics(CamelModel):
    kpis: Kpis
    photos_by_photographer: list[PhotographerPhotos]
    revenue_by_project: list[ProjectRevenue]
    conversion_funnel: ConversionFunnel
