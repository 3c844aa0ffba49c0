"""What the deploy check talks through: an HTTPS client that keeps cookies and chooses its source
address, a 9 MB image that passes the evidence checks, and a mail server that keeps what it is sent.

Standard library only (and Pillow, which the site itself needs), so the check runs on a fresh machine.
"""

import hashlib
import http.client
import io
import re
import secrets
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from PIL import Image

HOST = "tracker.example.test"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def csrf_token(self) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text)
        if not found:
            raise AssertionError(f"no CSRF token in the page (status {self.status})")
        return found.group(1)


class _ToLoopback(http.client.HTTPSConnection):
    """HTTPS to the site's name (the certificate is checked against it) on 127.0.0.1, with no DNS."""

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Client:
    """One person's browser: talks to https://tracker.example.test/ (port 443 as far as the site can
    tell), connected to nginx on 127.0.0.1:port from `source` (curl's --connect-to and --interface)."""

    port: int
    cafile: str
    source: str = "127.0.0.1"
    tls: bool = True
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookie_lines: list[str] = field(default_factory=list)

    def _connection(self):
        if not self.tls:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.source, 0))
        context = ssl.create_default_context(cafile=self.cafile)  # the check's own certificate, verified
        return _ToLoopback(HOST, self.port, timeout=60, context=context, source_address=(self.source, 0))

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> Answer:
        connection = self._connection()
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            all_headers = {"Host": HOST, "User-Agent": "tracker-deploy-check", **(headers or {})}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if body or method == "POST":
                all_headers["Content-Length"] = str(len(body))
            for name, value in all_headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            try:
                for start in range(0, len(body), 1 << 16):
                    connection.send(body[start : start + (1 << 16)])
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the whole body was read (a 413): the answer is still there to read
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for line in answer.headers.get_all("Set-Cookie") or []:
            self.set_cookie_lines.append(line)
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return answer

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict, files: dict | None = None) -> Answer:
        """Fetch the form's page for its CSRF token, then post it as a browser on the site would."""
        fields = {"csrfmiddlewaretoken": self.get(path).csrf_token(), **fields}
        body, content_type = multipart(fields, files or {})
        headers = {"Content-Type": content_type, "Referer": f"https://{HOST}{path}", "Origin": f"https://{HOST}"}
        return self.request("POST", path, body, headers)

    def sign_in(self, username: str, password: str) -> Answer:
        return self.post_form("/accounts/login/", {"username": username, "password": password})


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "----tracker-deploy-check-" + secrets.token_hex(8)
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        out.write(content)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def noise_png(size: int) -> bytes:
    """A real PNG of a little over `size` bytes: random pixels, which PNG cannot compress, so it decodes in full."""
    side = int((size / 3) ** 0.5) + 8  # and a little more, for when PNG does compress a few rows
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), secrets.token_bytes(side * side * 3)).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class MailSink(socketserver.ThreadingTCPServer):
    """Enough of an SMTP server for Django's SMTP backend without TLS or login: keeps each message."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.messages: list[bytes] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 deploy-check mail sink")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 deploy-check")
            elif verb == b"DATA":
                self.reply("354 end with .")
                lines = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(part)
                self.server.messages.append(b"".join(lines))
                self.reply("250 kept")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.reply("250 ok")
