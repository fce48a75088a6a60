"""What the pages read: the event a page is about, as a participant may see it."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from api.models import Project
from api.projects.lifecycle import PARTICIPANT_STATUSES


def event_for_page(session: Session, project_id: str) -> Project | None:
    """The project an event page shows: None for a malformed id, an unknown project, or one hidden
    from participants (draft, archived), which all get the same not-found page."""
    try:
        key = uuid.UUID(project_id)
    except ValueError:
        return None
    project = session.get(Project, key)
    if project is None or project.status not in PARTICIPANT_STATUSES["see"]:
        return None
    return project


def accepts_members(project: Project) -> bool:
    """A `closed` project is shown but takes no new members."""
    return project.status in PARTICIPANT_STATUSES["join"]
