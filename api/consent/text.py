"""The biometric consent text attendees are shown, and its version (what `POST /v1/consent/biometric`
records). A new text is a new version: members who consented to an earlier one keep that record."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsentText:
    version: str
    text: str


BIOMETRIC = ConsentText(
    version="2026-12-01",
    text=(
        "To find the photos you appear in, Wairo computes a face template (a list of numbers that "
        "describes your face) from the selfie you upload and compares it with the faces in this "
        "event's photos. The template is used only for this and is never shared or sold.\n\n"
        "You can revoke this consent at any time. Revoking deletes your selfies, their face "
        'templates and every automatic "photos of you" tag; photos you bought stay yours.\n\n'
        "Without consent you can still browse and buy the event's photos; nothing about your face "
        "is processed."
    ),
)
