"""The project lifecycle, one rule for every path (spec/backoffice-api.md, design.md "Lifecycle").

- Participants (members, would-be members, buyers) see a `live` or `closed` project: its public
  info, photos, `:view`, favourites, reports, new purchases and new share links. `draft` and
  `archived` hide it from them like an unknown project (404); their memberships are kept.
- Joining: `live` only; a `closed` project refuses new members with 409 `project_closed`.
- What a buyer already paid for (download, existing share links) works in every status: those
  paths do not ask this module.
- Photographers see `draft`, `live` and `closed` projects (`archived` is hidden from them, 404);
  operators see all their own projects. Uploads are taken in `draft` and `live` projects only.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import ColumnElement

from api.core.errors import Conflict, NotFound
from api.models import Project

ParticipantAction = Literal["see", "buy", "join"]

_SHOWN = frozenset({"live", "closed"})
PARTICIPANT_STATUSES: dict[ParticipantAction, frozenset[str]] = {
    "see": _SHOWN,
    "buy": _SHOWN,  # new purchases and new share links
    "join": frozenset({"live"}),
}
PHOTOGRAPHER_STATUSES = frozenset({"draft", "live", "closed"})
UPLOAD_STATUSES = frozenset({"draft", "live"})


def participant_may(action: ParticipantAction) -> ColumnElement[bool]:
    """SQL: a participant may `action` in the row's project (`Project` in the query)."""
    return Project.status.in_(PARTICIPANT_STATUSES[action])


def require_participant(project: Project | None, action: ParticipantAction) -> Project:
    """The project if a participant may `action` in it: an unknown or hidden project is a 404, a
    shown one that refuses the action (a `closed` project's join) 409 `project_closed`."""
    if project is None or project.status not in PARTICIPANT_STATUSES[action] | _SHOWN:
        raise NotFound("Project not found.")
    if project.status not in PARTICIPANT_STATUSES[action]:
        raise Conflict("This project no longer accepts new members.", code="project_closed")
    return project


def photographer_sees() -> ColumnElement[bool]:
    """SQL: the row's project (`Project` in the query) is shown to its photographers."""
    return Project.status.in_(PHOTOGRAPHER_STATUSES)


def require_uploads_open(status: str) -> None:
    """A project in `status` takes uploads (409 `project_closed` otherwise)."""
    if status not in UPLOAD_STATUSES:
        raise Conflict(f"The project is {status}: it takes no more photos.", code="project_closed")
