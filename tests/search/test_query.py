"""The search language's parser (api/search/query.py): property tests with hypothesis, and the
error positions a client shows under the search box."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.search import query as q

ALL = q.STAFF_QUALIFIERS | q.MEMBER_QUALIFIERS
word = st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True)
label = st.from_regex(r"[a-z0-9_-]{1,32}", fullmatch=True)
phrase = st.lists(word, min_size=1, max_size=3).map(" ".join)
ids = st.uuids()
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
counts = st.integers(0, 9999)


# (rendered term, the term it parses to)
TERMS: st.SearchStrategy[tuple[str, q.Term]] = st.one_of(
    word.map(lambda w: (w, q.Text(w))),
    phrase.map(lambda p: (f'"{p}"', q.Text(p))),
    label.map(lambda t: (f"tag:{t}", q.Tag(t))),
    ids.map(lambda i: (f"album:{i}", q.Album(id=i))),
    phrase.map(lambda n: (f'album:"{n}"', q.Album(name=n))),
    ids.map(lambda i: (f"project:{i}", q.Project(i))),
    ids.map(lambda i: (f"photographer:{i}", q.Photographer(i))),
    st.just(("photographer:me", q.Photographer(None))),
    days.map(lambda d: (f"taken:{d}", q.Taken(d, d + timedelta(days=1)))),
    days.map(lambda d: (f"taken:>={d}", q.Taken(d, None))),
    days.map(lambda d: (f"taken:<{d}", q.Taken(None, d))),
    st.tuples(days, days)
    .map(sorted)
    .map(lambda ab: (f"taken:{ab[0]}..{ab[1]}", q.Taken(ab[0], ab[1] + timedelta(days=1)))),
    phrase.map(lambda n: (f'camera:"{n}"', q.Camera(n))),
    counts.map(lambda n: (f"faces:{n}", q.Faces(n, n))),
    counts.map(lambda n: (f"faces:>{n}", q.Faces(n + 1, None))),
    counts.map(lambda n: (f"faces:<={n}", q.Faces(None, n))),
    st.tuples(counts, counts).map(sorted).map(lambda ab: (f"faces:{ab[0]}..{ab[1]}", q.Faces(ab[0], ab[1]))),
    st.sampled_from(q.PHOTO_STATUSES).map(lambda s: (f"status:{s}", q.Status(s))),
    ids.map(lambda i: (f"person:{i}", q.Person(i))),
    st.sampled_from(["tagged", "favourite", "bought"]).map(lambda k: (f"{k}:me", q.MineFilter(k))),  # type: ignore[arg-type]
)


@given(st.lists(TERMS, max_size=q.MAX_TERMS), st.sampled_from([" ", "  ", "\t"]))
def test_rendered_terms_parse_back(terms: list[tuple[str, q.Term]], gap: str) -> None:
    text = gap.join(rendered for rendered, _ in terms)
    assert q.parse(f" {text} ", ALL) == [term for _, term in terms]


@given(st.text(max_size=200))
def test_any_text_parses_or_fails_with_a_position_in_it(text: str) -> None:
    try:
        q.parse(text, ALL)
    except q.SearchSyntaxError as exc:
        assert 0 <= exc.position <= len(text) and exc.message


@given(st.lists(TERMS, min_size=1, max_size=5), st.integers(0, 4))
def test_a_bad_term_is_reported_where_it_starts(terms: list[tuple[str, q.Term]], at: int) -> None:
    rendered = [r for r, _ in terms]
    at = min(at, len(rendered))
    rendered.insert(at, "faces:lots")
    text = " ".join(rendered)
    with pytest.raises(q.SearchSyntaxError) as caught:
        q.parse(text, ALL)
    assert caught.value.position == text.index("faces:lots") + len("faces:")


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ('cat "blue dress', 4, "quote is not closed"),
        ("cat foo:bar", 4, "Unknown qualifier 'foo'"),
        ("tag:", 0, "tag: needs a value"),
        ("tag:Two Words", 0, None),  # a valid tag, then a word: no error
        ("tag:a+b", 4, "a tag is"),
        ("taken:2026-02-30", 6, "a day is YYYY-MM-DD"),
        ("taken:2026-06-02..2026-06-01", 6, "end comes before its start"),
        ("faces:>x", 6, "a count"),
        ("album:First", 6, "name in quotes"),
        ("tagged:you", 7, "only 'me'"),
        ('a"b"', 1, "separated by spaces"),
        ("!!", 0, "letter or a digit"),
    ],
)
def test_errors_say_where(text: str, position: int, message: str | None) -> None:
    if message is None:
        assert q.parse(text, ALL) == [q.Tag("two"), q.Text("words")]
        return
    with pytest.raises(q.SearchSyntaxError, match=message) as caught:
        q.parse(text, ALL)
    assert caught.value.position == position


def test_each_audience_has_its_own_qualifiers() -> None:
    user = str(uuid.uuid4())
    assert q.parse(f"person:{user} status:ready", q.STAFF_QUALIFIERS) == [
        q.Person(uuid.UUID(user)),
        q.Status("ready"),
    ]
    with pytest.raises(q.SearchSyntaxError, match="Unknown qualifier 'person'"):
        q.parse(f"cat person:{user}", q.MEMBER_QUALIFIERS)
    with pytest.raises(q.SearchSyntaxError, match="Unknown qualifier 'bought'"):
        q.parse("bought:me", q.STAFF_QUALIFIERS)


def test_limits() -> None:
    with pytest.raises(q.SearchSyntaxError, match="at most 20 terms"):
        q.parse(" ".join(["cat"] * 21), ALL)
    with pytest.raises(q.SearchSyntaxError, match="longer than 500"):
        q.parse("a" * 501, ALL)
    assert q.parse("", ALL) == [] and q.parse("   ", ALL) == []


@pytest.mark.parametrize("qualifiers", [q.STAFF_QUALIFIERS, q.MEMBER_QUALIFIERS])
def test_every_allowed_qualifier_parses_or_explains(qualifiers: frozenset[str]) -> None:
    """Each qualifier either side may use has a value parser: a value yields a term or a 400-type
    error with the value's position, never a lookup failure."""
    for name in sorted(qualifiers):
        try:
            (term,) = q.parse(f"{name}:me", qualifiers)
        except q.SearchSyntaxError as exc:
            assert exc.position == len(name) + 1, (name, exc.message)
        else:
            assert term is not None
