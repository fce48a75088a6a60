"""Sending one queued email (the `send_email` job): over SMTP when a host is configured, always
logged; recorded as sent once, so a redelivered job sends nothing more."""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage as MimeMessage

from sqlalchemy import select

from api.core.db import session_scope
from api.models import EmailMessage
from api.settings import get_settings

log = logging.getLogger("wairo.worker")

# Failures worth retrying (the job retries with backoff on these).
TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)


def deliver(email_id: str | uuid.UUID) -> None:
    settings = get_settings()
    with session_scope() as session:
        email = session.scalar(select(EmailMessage).where(EmailMessage.id == email_id).with_for_update())
        if email is None or email.sent_at is not None:
            return
        if settings.smtp_host:
            message = MimeMessage()
            message["From"] = settings.mail_from
            message["To"] = email.to_address
            message["Subject"] = email.subject
            message.set_content(email.body)
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
                smtp.send_message(message)
        log.info("email %s to %s: %s\n%s", email.template, email.to_address, email.subject, email.body)
        email.sent_at = datetime.now(UTC)
