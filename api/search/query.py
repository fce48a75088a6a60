"""The photo search language (the seed's `q=cat tag:pets owner:me`), parsed into terms.

A query is terms separated by spaces, all of which a photo must meet: free words (or a "quoted
phrase") matched against title, tags and file name, and qualifiers `name:value` whose value is a
word or a "quoted string":

    tag:pets  album:<id> | album:"First dance"  project:<id>  photographer:<id> | photographer:me
    taken:2026-06-01  taken:2026-06-01..2026-06-02  taken:>=2026-06-01  taken:<2026-06-02
    camera:"Canon EOS R5"  faces:0  faces:>3  faces:1..4
    staff only:      status:ready  person:<userId>
    attendees only:  tagged:me  favourite:me  bought:me

Dates are days (UTC); a range's both days are included. Anything else is a `SearchSyntaxError`
carrying the position (0-based, in characters) of the term at fault.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from typing import Literal

from api.media.schemas import normalise_tag

MAX_QUERY_CHARS = 500
MAX_TERMS = 20
_TOKEN = re.compile(r'\s*(?:(?P<name>[a-z]+):)?(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"]+))')
_BOUND = re.compile(r"^(?P<op>>=|<=|>|<)?(?P<value>[^.<>=]+)$")
_RANGE = re.compile(r"^(?P<low>[^.]+)\.\.(?P<high>[^.]+)$")
_DANGLING = re.compile(r"^(?P<name>[a-z]+):$")
_WORD = re.compile(r"[^\W_]+")
PHOTO_STATUSES = ("pending_upload", "uploaded", "processing", "ready", "failed")
Mine = Literal["tagged", "favourite", "bought"]


class SearchSyntaxError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message, self.position = message, position


@dataclass(frozen=True, slots=True)
class Text:
    """Free text: every word of it must be found in the title, a tag or the file name."""

    text: str


@dataclass(frozen=True, slots=True)
class Tag:
    label: str


@dataclass(frozen=True, slots=True)
class Album:
    id: uuid.UUID | None = None
    name: str | None = None  # exact name, case-insensitive


@dataclass(frozen=True, slots=True)
class Project:
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Photographer:
    id: uuid.UUID | None  # None: the caller (`me`)


@dataclass(frozen=True, slots=True)
class Taken:
    """Taken on or after `start` and before `end` (days, UTC); None: unbounded."""

    start: date | None
    end: date | None


@dataclass(frozen=True, slots=True)
class Camera:
    name: str


@dataclass(frozen=True, slots=True)
class Faces:
    """A face count from `low` to `high`, both included; None: unbounded."""

    low: int | None
    high: int | None


@dataclass(frozen=True, slots=True)
class Status:
    status: str


@dataclass(frozen=True, slots=True)
class Person:
    user_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class MineFilter:
    kind: Mine


Term = Text | Tag | Album | Project | Photographer | Taken | Camera | Faces | Status | Person | MineFilter

COMMON = frozenset({"tag", "album", "project", "photographer", "taken", "camera", "faces"})
STAFF_QUALIFIERS = COMMON | {"status", "person"}
MEMBER_QUALIFIERS = COMMON | {"tagged", "favourite", "bought"}


def parse(q: str, qualifiers: Collection[str]) -> list[Term]:
    """The terms of `q`; `qualifiers` are the names this caller may use."""
    if len(q) > MAX_QUERY_CHARS:
        raise SearchSyntaxError(f"The query is longer than {MAX_QUERY_CHARS} characters.", MAX_QUERY_CHARS)
    terms: list[Term] = []
    pos = 0
    while q[pos:].strip():
        match = _TOKEN.match(q, pos)
        start = pos + len(q[pos:]) - len(q[pos:].lstrip())
        if match is None:
            raise SearchSyntaxError('A quote is not closed ("…").', start)
        name, quoted, bare = match.group("name"), match.group("quoted"), match.group("bare")
        value = quoted if quoted is not None else bare
        if len(terms) == MAX_TERMS:
            raise SearchSyntaxError(f"A query has at most {MAX_TERMS} terms.", start)
        terms.append(_term(name, value, quoted is not None, qualifiers, start))
        pos = match.end()
        if pos < len(q) and not q[pos].isspace():
            raise SearchSyntaxError("Terms are separated by spaces.", pos)
    return terms


def words(text: str) -> list[str]:
    """The words of free text as the search document holds them: runs of letters and digits."""
    return _WORD.findall(text.lower())


def _term(name: str | None, value: str, quoted: bool, qualifiers: Collection[str], at: int) -> Term:
    if name is None:
        if dangling := _DANGLING.match(value):
            raise SearchSyntaxError(f"{dangling['name']}: needs a value.", at)
        if not words(value):
            raise SearchSyntaxError("Free text needs a letter or a digit.", at)
        return Text(value.strip().lower())
    if name not in qualifiers:
        known = ", ".join(sorted(qualifiers))
        raise SearchSyntaxError(f"Unknown qualifier {name!r}; known: {known}.", at)
    value_at = at + len(name) + 1
    try:
        return _QUALIFIERS[name](value, quoted)
    except ValueError as exc:
        raise SearchSyntaxError(f"{name}: {exc}", value_at) from None


def _album(value: str, quoted: bool) -> Album:
    if not quoted:
        return Album(id=_uuid(value, 'an album id, or a name in quotes: album:"First dance"'))
    if not value.strip():
        raise ValueError("an album name is not empty")
    return Album(name=value.strip())


def _camera(value: str, _: bool) -> Camera:
    if not value.strip():
        raise ValueError("a camera name is not empty")
    return Camera(value.strip())


def _status(value: str, _: bool) -> Status:
    if value not in PHOTO_STATUSES:
        raise ValueError(f"one of {', '.join(PHOTO_STATUSES)}")
    return Status(value)


def _mine(kind: Mine) -> Callable[[str, bool], MineFilter]:
    def parse(value: str, _: bool) -> MineFilter:
        if value != "me":
            raise ValueError("only 'me'")
        return MineFilter(kind)

    return parse


# Each qualifier's value parser (value, quoted) -> term; a ValueError's message says what is expected.
_QUALIFIERS: dict[str, Callable[[str, bool], Term]] = {
    "tag": lambda value, _: Tag(normalise_tag(value)),
    "album": _album,
    "project": lambda value, _: Project(_uuid(value, "a project id")),
    "photographer": lambda value, _: Photographer(
        None if value == "me" else _uuid(value, "a photographer id or me")
    ),
    "taken": lambda value, _: _days(value),
    "camera": _camera,
    "faces": lambda value, _: Faces(*_bounds(value, _count)),
    "status": _status,
    "person": lambda value, _: Person(_uuid(value, "a user id")),
    "tagged": _mine("tagged"),
    "favourite": _mine("favourite"),
    "bought": _mine("bought"),
}


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueError(f"expected {what}") from None


def _day(value: str) -> int:
    """A day as its ordinal (so that days and counts share `_bounds`)."""
    if len(value) != 10:
        raise ValueError("a day is YYYY-MM-DD")
    try:
        return date.fromisoformat(value).toordinal()
    except ValueError:
        raise ValueError("a day is YYYY-MM-DD") from None


def _count(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 4:
        raise ValueError("a count is a whole number from 0 to 9999")
    return int(value)


def _bounds(value: str, convert: Callable[[str], int]) -> tuple[int | None, int | None]:
    """`v`, `a..b`, `>=v`, `>v`, `<=v` or `<v` as inclusive bounds; None: unbounded."""
    if ranged := _RANGE.match(value):
        low, high = convert(ranged["low"]), convert(ranged["high"])
        if high < low:
            raise ValueError("a range's end comes before its start")
        return low, high
    bound = _BOUND.match(value)
    if bound is None:
        raise ValueError("expected v, a..b, >=v, >v, <=v or <v")
    v = convert(bound["value"])
    return {">=": (v, None), ">": (v + 1, None), "<=": (None, v), "<": (None, v - 1)}.get(bound["op"], (v, v))


def _days(value: str) -> Taken:
    low, high = _bounds(value, _day)
    return Taken(
        None if low is None else date.fromordinal(low),  # ValueError past the calendar's ends
        None if high is None else date.fromordinal(high + 1),
    )
