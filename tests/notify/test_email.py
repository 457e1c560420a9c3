"""E-mail against a real SMTP server on 127.0.0.1 (aiosmtpd): plain, STARTTLS with login, implicit TLS, refusals."""

from __future__ import annotations

import email
import ssl
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from core.notify.delivery import DeliveryError
from tests.notify.helpers import PUBLIC_URL, channel, notice
from tests.sources.prometheus_server import free_port

USER, PASSWORD = "alerts", "smtp-password-secret-42"


class Inbox:
    """An aiosmtpd handler that keeps every message and refuses one address with 550."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself when it fails


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    """A server context with a certificate for 127.0.0.1 from a CA made here, and that CA's file."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return context, path


def serve(inbox: Inbox, **options) -> Iterator[int]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def plain() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    for port in serve(inbox):
        yield inbox, port


def mail_channel(port: int, secrets: dict | None = None, **config):
    base = {
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        "sender": "tool@example.org",
        "to": ["oncall@example.org"],
    }
    return channel({**base, **config}, secrets or {})


def parts(message: Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


def test_plain_smtp_delivers_text_and_html(plain) -> None:
    inbox, port = plain
    ch = mail_channel(port, security="none")
    assert ch.deliver(ch.render(notice()), "key-e1").status == 250
    ((rcpt, message),) = inbox.messages
    assert rcpt == ["oncall@example.org"] and message["Message-ID"] == "<key-e1@incident-tool>"
    assert message["Subject"].startswith("Root cause: [SEV2] Checkout")
    body = parts(message)
    assert "Root cause: Error rate on checkout (70%)" in body["text/plain"] or "on checkout (70%)" in body["text/plain"]
    assert f"{PUBLIC_URL}/incident?id=inc-1" in body["text/plain"]
    assert "&lt;script&gt;" in body["text/html"] and "<script>" not in body["text/html"]


def test_starttls_with_login(tls) -> None:
    context, ca_file = tls
    inbox = Inbox()
    options = dict(tls_context=context, require_starttls=True, authenticator=authenticate, auth_require_tls=True)
    for port in serve(inbox, **options):
        config = dict(security="starttls", username_env="SMTP_USER", password_env="SMTP_PASSWORD", ca_file=str(ca_file))
        ch = mail_channel(port, {"username": USER, "password": PASSWORD}, **config)
        assert ch.deliver(ch.render(notice("opened")), "key-e2").status == 250
        assert len(inbox.messages) == 1

        wrong = mail_channel(port, {"username": USER, "password": "wrong"}, **config)
        with pytest.raises(DeliveryError) as caught:
            wrong.deliver(wrong.render(notice()), "key-e3")
        assert caught.value.status == 535 and not caught.value.retryable  # a failed login will not heal itself
        assert "wrong" not in str(caught.value)


def test_implicit_tls(tls) -> None:
    context, ca_file = tls
    inbox = Inbox()
    for port in serve(inbox, ssl_context=context):
        ch = mail_channel(port, security="tls", ca_file=str(ca_file))
        assert ch.deliver(ch.render(notice("resolved")), "key-e4").status == 250
        assert inbox.messages[0][1]["Subject"].startswith("Resolved:")


def test_a_certificate_from_an_unknown_authority_is_refused(tls) -> None:
    context, _ = tls
    inbox = Inbox()
    for port in serve(inbox, tls_context=context):
        ch = mail_channel(port, security="starttls")  # trusts the system's authorities only
        with pytest.raises(DeliveryError) as caught:
            ch.deliver(ch.render(notice()), "key-e5")
        assert "TLS" in str(caught.value) and "ca_file" in str(caught.value) and not inbox.messages


def test_an_unknown_recipient_is_a_final_refusal(plain) -> None:
    inbox, port = plain
    ch = mail_channel(port, security="none", to=["nobody@example.org"])
    with pytest.raises(DeliveryError) as caught:
        ch.deliver(ch.render(notice()), "key-e6")
    assert caught.value.status == 550 and not caught.value.retryable and not inbox.messages


def test_a_server_that_is_down_is_retried() -> None:
    ch = mail_channel(free_port(), security="none")
    with pytest.raises(DeliveryError) as caught:
        ch.deliver(ch.render(notice()), "key-e7")
    assert caught.value.retryable and "SMTP 127.0.0.1" in str(caught.value)
