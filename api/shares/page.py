"""The page a share link opens (`GET /s/{token}` on the main API): the photo and the event's name.

Plain HTML with no script; its Content-Security-Policy allows images from the storage origin the
presigned URL points at and nothing else."""

from __future__ import annotations

from html import escape
from string import Template
from urllib.parse import urlsplit

from fastapi import status
from fastapi.responses import HTMLResponse

_PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>$title</title>
<style>
body { margin: 0; font-family: system-ui, sans-serif; background: #111; color: #eee; text-align: center; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
img { max-width: 100%; height: auto; border-radius: 4px; }
</style>
</head>
<body>
<main>
$body
</main>
</body>
</html>
""")

_STYLE_SRC = "style-src 'unsafe-inline'"


def _csp(image_origin: str | None) -> str:
    images = f"; img-src {image_origin}" if image_origin else ""
    return f"default-src 'none'; {_STYLE_SRC}{images}; frame-ancestors 'none'; base-uri 'none'"


def _response(title: str, body: str, image_origin: str | None, status_code: int) -> HTMLResponse:
    html = _PAGE.substitute(title=title, body=body)
    return HTMLResponse(
        html, status_code=status_code, headers={"Content-Security-Policy": _csp(image_origin)}
    )


def shared_photo_page(event_name: str, image_url: str) -> HTMLResponse:
    """The page of a live share link."""
    parts = urlsplit(image_url)
    name = escape(event_name)
    body = (
        f"<h1>{name}</h1>\n"
        f'<img src="{escape(image_url, quote=True)}" alt="A photo from {name}">\n'
        "<p>Shared with Wairo</p>"
    )
    return _response(f"A photo from {name}", body, f"{parts.scheme}://{parts.netloc}", status.HTTP_200_OK)


def missing_share_page() -> HTMLResponse:
    """The 404 page of a revoked, expired or unknown link."""
    body = "<h1>This link no longer works</h1>\n<p>The share link was revoked or has expired.</p>"
    return _response("Link not found", body, None, status.HTTP_404_NOT_FOUND)
