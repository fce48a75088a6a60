"""The apps' route tables, flattened (FastAPI keeps included routers as nested route groups)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, _iter_included_route_candidates

from api.deps import AuthRequirement


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    for route in _iter_included_route_candidates(app.routes):
        if isinstance(route, APIRoute):
            yield route


def requirement(dependant: Dependant) -> AuthRequirement | None:
    """The audience and roles a route demands, found in its dependency tree (None: public)."""
    for dep in dependant.dependencies:
        found = getattr(dep.call, "auth_requirement", None) or requirement(dep)
        if found is not None:
            return found
    return None
