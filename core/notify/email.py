"""E-mail over SMTP: a notice as a text and an HTML part, sent with STARTTLS (port 587), implicit TLS (465) or
neither, and a login when a username is configured.

SMTP answers in three digits: 2xx delivered, 4xx a temporary failure (retried), 5xx a refusal (an unknown
recipient, a failed login: not retried). The ``Message-ID`` is built from the idempotency key, so a mail system
that sees a retry of a message it already has can tell. Untrusted text is escaped in the HTML part.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any, Literal

from core.notify.delivery import Delivered, DeliveryError
from core.notify.notice import Notice
from core.report.escape import html_text, one_line

SUBJECT_CHARS = 200
Security = Literal["starttls", "tls", "none"]


def _lines(notice: Notice) -> list[tuple[str, str]]:
    rows = notice.facts
    if notice.first_action:
        rows.append(("First action", notice.first_action))
    if notice.first_command:
        rows.append(("Command", notice.first_command))
    return rows


def render(notice: Notice) -> dict[str, Any]:
    """``{"subject", "text", "html"}`` for ``notice``."""
    subject = one_line(f"{notice.verb}: {notice.headline}", SUBJECT_CHARS)
    rows = _lines(notice)
    text = [notice.headline, ""] + [f"{label}: {one_line(value)}" for label, value in rows]
    if notice.evidence:
        text += ["", "Evidence:"] + [f"- {one_line(item)}" for item in notice.evidence]
    if notice.summary:
        text += ["", one_line(notice.summary)]
    text += ["", f"Incident page: {notice.url}"]
    cells = "".join(
        f"<tr><th align='left'>{html_text(label)}</th><td>{html_text(one_line(value))}</td></tr>"
        for label, value in rows
    )
    evidence = "".join(f"<li>{html_text(one_line(item))}</li>" for item in notice.evidence)
    html = (
        f"<!doctype html><html><body><h2>{html_text(notice.headline)}</h2><table>{cells}</table>"
        + (f"<p><b>Evidence</b></p><ul>{evidence}</ul>" if evidence else "")
        + (f"<p>{html_text(one_line(notice.summary))}</p>" if notice.summary else "")
        + f"<p><a href='{html_text(notice.url)}'>Open the incident</a></p></body></html>"
    )
    return {"subject": subject, "text": "\n".join(text) + "\n", "html": html}


class EmailChannel:
    """An SMTP server and the addresses a message goes to."""

    type = "email"

    def __init__(
        self,
        name: str,
        *,
        host: str,
        port: int,
        security: Security,
        sender: str,
        to: list[str],
        username: str | None,
        password: str | None,
        ca_file: Path | None,
        verify_tls: bool,
        timeout: float,
    ) -> None:
        self.name = name
        self._host, self._port, self._security = host, port, security
        self._sender, self._to = sender, list(to)
        self._username, self._password = username, password
        self._timeout = timeout
        self._tls = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        if not verify_tls:
            self._tls.check_hostname = False
            self._tls.verify_mode = ssl.CERT_NONE

    def render(self, notice: Notice) -> dict[str, Any]:
        return render(notice)

    def _message(self, message: dict[str, Any], key: str) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = message["subject"]
        mail["From"] = self._sender
        mail["To"] = ", ".join(self._to)
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = f"<{key}@incident-tool>"
        mail["Idempotency-Key"] = key
        mail.set_content(message["text"])
        mail.add_alternative(message["html"], subtype="html")
        return mail

    def deliver(self, message: dict[str, Any], key: str) -> Delivered:
        mail = self._message(message, key)
        try:
            with self._connect() as smtp:
                if self._security == "starttls":
                    smtp.starttls(context=self._tls)
                if self._username:
                    smtp.login(self._username, self._password or "")
                refused = smtp.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            said = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            retryable = 400 <= exc.smtp_code < 500
            raise DeliveryError(
                f"{self.name}: SMTP {exc.smtp_code} {one_line(said, 200)}", retryable=retryable, status=exc.smtp_code
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            retryable = all(400 <= code < 500 for code in codes)
            raise DeliveryError(
                f"{self.name}: every recipient was refused (SMTP {', '.join(map(str, codes))})",
                retryable=retryable,
                status=codes[0] if codes else None,
            ) from exc
        except ssl.SSLError as exc:
            raise DeliveryError(
                f"{self.name}: TLS with {self._host}:{self._port} failed ({exc.reason or type(exc).__name__}); "
                "trust its certificate authority with ca_file",
                retryable=True,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused connection, timeout, dropped connection
            reason = "timed out" if isinstance(exc, socket.timeout | TimeoutError) else type(exc).__name__
            raise DeliveryError(f"{self.name}: SMTP {self._host}:{self._port}: {reason}", retryable=True) from exc
        if refused:
            return Delivered(250, f"refused by {len(refused)} of {len(self._to)} recipients")
        return Delivered(250, f"accepted for {len(self._to)} recipients")

    def _connect(self) -> smtplib.SMTP:
        if self._security == "tls":
            return smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=self._tls)
        return smtplib.SMTP(self._host, self._port, timeout=self._timeout)

    def target(self) -> str:
        login = " with a login" if self._username else ""
        return f"smtp {self._host}:{self._port} ({self._security}{login}) to {', '.join(self._to)}"

    def close(self) -> None:
        """Nothing to release: every delivery opens and closes its own SMTP connection."""
