"""A tiny SMTP server on the loopback interface, for tests (unit and browser ones) that follow
an e-mail from Django's SMTP backend to the inbox: standard library only (no aiosmtpd).

It speaks just enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA (with dot
unstuffing), RSET, NOOP, QUIT. Every message is kept whole, as the bytes received, and parsed
with the `email` package on demand.
"""

from __future__ import annotations

import email
import email.policy
import re
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass
class Received:
    """One message as the server got it."""

    sender: str
    recipients: list[str]
    raw: bytes
    _parsed: EmailMessage | None = field(default=None, repr=False)

    @property
    def message(self) -> EmailMessage:
        if self._parsed is None:
            self._parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        return self._parsed

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The plain-text part, decoded."""
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None, f"Pas de partie texte dans « {self.subject} »"
        return body.get_content()

    def link(self, pattern: str) -> str:
        """The first URL of the text part that matches `pattern` (a regular expression)."""
        for url in re.findall(r"https?://\S+", self.text):
            if re.search(pattern, url):
                return url
        raise AssertionError(f"Aucun lien {pattern!r} dans « {self.subject} » :\n{self.text}")


class Mailbox:
    """What the server received, shared between its threads and the test."""

    def __init__(self) -> None:
        self._messages: list[Received] = []
        self._changed = threading.Condition()

    def add(self, received: Received) -> None:
        with self._changed:
            self._messages.append(received)
            self._changed.notify_all()

    @property
    def messages(self) -> list[Received]:
        with self._changed:
            return list(self._messages)

    def to(self, address: str) -> list[Received]:
        address = address.lower()
        return [m for m in self.messages if address in (r.lower() for r in m.recipients)]

    def wait_for(
        self, predicate: Callable[[Received], bool], *, timeout: float = 10.0, what: str = ""
    ) -> Received:
        """The first message that satisfies `predicate`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for received in self._messages:
                    if predicate(received):
                        return received
                left = deadline - time.monotonic()
                if left <= 0:
                    subjects = [f"{m.recipients} {m.subject}" for m in self._messages]
                    raise AssertionError(f"Courriel attendu non reçu ({what}) ; reçus : {subjects}")
                self._changed.wait(left)

    def wait_to(self, address: str, subject_contains: str, *, timeout: float = 10.0) -> Received:
        address = address.lower()
        return self.wait_for(
            lambda m: (
                address in (r.lower() for r in m.recipients) and subject_contains in m.subject
            ),
            timeout=timeout,
            what=f"{address} : « {subject_contains} »",
        )


def _address(argument: str) -> str:
    match = re.search(r"<([^>]*)>", argument)
    return (match.group(1) if match else argument.split(":", 1)[-1]).strip()


class _Handler(socketserver.StreamRequestHandler):
    server: _Server
    timeout = 10

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 localhost SMTP de test")
        sender, recipients = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command, _, argument = line.decode("utf-8", "replace").strip().partition(" ")
            verb = command.upper()
            if verb == "EHLO":
                self.wfile.write(b"250-localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n")
                self.reply("250 SIZE 10485760")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL":
                sender, recipients = _address(argument), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(_address(argument))
                self.reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self.reply("503 RCPT d'abord")
                    continue
                self.reply("354 Fin par <CRLF>.<CRLF>")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if not data or data in (b".\r\n", b".\n"):
                        break
                    lines.append(data[1:] if data.startswith(b".") else data)
                self.server.mailbox.add(Received(sender, recipients, b"".join(lines)))
                sender, recipients = "", []
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                if verb == "RSET":
                    sender, recipients = "", []
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Au revoir")
                return
            else:
                self.reply("502 Commande non prise en charge")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: Mailbox):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mailbox = mailbox


@contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    """Listens on 127.0.0.1 on a free port for as long as the block runs: (port, mailbox)."""
    mailbox = Mailbox()
    server = _Server(mailbox)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="smtp-de-test",
        daemon=True,
    )
    thread.start()
    try:
        yield server.server_address[1], mailbox
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
