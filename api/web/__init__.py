"""The attendee web app, served by the main API (one origin with it): server-rendered page shells
(Jinja2 templates) and plain ES modules calling the same public APIs REST clients use.

The session token lives in sessionStorage and goes out as a bearer token, not in an HttpOnly
cookie: the APIs take bearer tokens, and the selfie upload goes to the media API, another origin,
which a cookie of the main API's origin would not reach without cross-site cookies and a CSRF
scheme on both APIs. A bearer token in a header cannot be forged by another site (no CSRF), it
never appears in a URL, and sessionStorage ends with the tab. What it needs is no script
injection: every page's CSP allows scripts from this origin only, no inline scripts or styles, and
the modules write text with `textContent`, never HTML.
"""
