"""A real SMTP server on a loopback port (aiosmtpd), for the tests of send_notifications.

The site talks to it with Django's SMTP backend, as it talks to a force's mail relay; the tests read
what arrived off the server, and stop and start it to play a relay that is down and comes back.
"""

import email
import email.policy
import logging
import socket
import threading

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What the server received, and hooks a test can set: what to say to a message, what to do at MAIL FROM."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        self.on_mail = None  # called with the number of messages received so far, when a new one starts
        self.refuse: set[str] = set()  # addresses whose messages are refused with a 550

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.on_mail:
            self.on_mail(len(self.messages))
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]).strip() for m in self.messages]


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server, and the site's email settings pointed at it."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.TRACKER_SITE_URL = "https://tracker.example.police.uk"
    yield server
    server.stop()
