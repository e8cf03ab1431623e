"""How a partner webhook is delivered (engine/handover/partners.py): a redirect is not followed,
every kind of failure reads the same to a supervisor (no port scan through last_error), and a
delivery pinned to the checked address still checks TLS against the partner's name."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from redis.asyncio import Redis

from engine.handover.addresses import pin
from engine.handover.partners import NOT_DELIVERED, Partners
from tools.stack import free_port


@contextmanager
def partner_server(status: int, location: str = "", tls: ssl.SSLContext | None = None) -> Iterator[tuple[int, list]]:
    """A partner answering every POST with `status` (and `location`); yields its port and what it got."""
    hits: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hits.append({"path": self.path, "host": self.headers["Host"]})
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def post_once(redis_url: str, url: str) -> str | None:
    async def scenario():
        redis = Redis.from_url(redis_url)
        partners = Partners(redis, Fernet.generate_key().decode(), 3600, 3, 1.0, 2.0)
        await partners.register("delivery-test", url, "s", "admin")
        job = {"organisation": "delivery-test", "event": "referral.created", "body": json.dumps({"delivery": "d1"})}
        async with partners.http_client() as http:
            error = await partners._post(http, job)
        await partners.remove("delivery-test")
        await redis.aclose()
        return error

    return asyncio.run(scenario())


def test_a_redirect_is_not_followed(redis_url):
    with partner_server(200) as (inside, inside_hits):
        with partner_server(307, f"http://127.0.0.1:{inside}/admin") as (port, hits):
            error = post_once(redis_url, f"http://127.0.0.1:{port}/hook")
    assert hits and not inside_hits  # the partner was reached, the address it pointed to never
    assert error == NOT_DELIVERED


def test_every_failure_reads_the_same_to_a_supervisor(redis_url):
    errors = {"closed port": post_once(redis_url, f"http://127.0.0.1:{free_port()}/hook")}
    for status in (301, 404, 500):
        with partner_server(status, "/elsewhere") as (port, _hits):
            errors[f"HTTP {status}"] = post_once(redis_url, f"http://127.0.0.1:{port}/hook")
    assert set(errors.values()) == {NOT_DELIVERED}, errors


def certificates(name: str) -> tuple[ssl.SSLContext, ssl.SSLContext, list[str | None]]:
    """A CA and a certificate for `name` signed by it: the partner's TLS context, a client
    context trusting only that CA, and the names each TLS hello asked for."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM).decode()  # noqa: E731
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(
        *_files(
            pem(leaf),
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode(),
        )
    )
    asked: list[str | None] = []

    def hello(_sock: ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext) -> None:
        asked.append(server_name)

    server.sni_callback = hello
    client = ssl.create_default_context(cadata=pem(ca))
    return server, client, asked


def _files(cert: str, key: str) -> tuple[str, str]:
    import tempfile

    paths = []
    for text in (cert, key):
        with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
            f.write(text)
            paths.append(f.name)
    return paths[0], paths[1]


def test_a_pinned_delivery_checks_tls_against_the_name_not_the_address():
    server_tls, client_tls, asked = certificates("partner.example.org")
    loopback = ipaddress.ip_address("127.0.0.1")

    async def post(url: str) -> httpx.Response:
        target = pin(url, loopback)  # as if partner.example.org had resolved, checked, to this address
        async with httpx.AsyncClient(verify=client_tls) as http:
            return await http.post(target.url, content=b"{}", headers=target.headers, extensions=target.extensions)

    with partner_server(200, tls=server_tls) as (port, hits):
        response = asyncio.run(post(f"https://partner.example.org:{port}/hook"))
        try:  # the same address under another name: its certificate does not match, no POST
            asyncio.run(post(f"https://other.example.org:{port}/hook"))
            wrong_name_refused = False
        except httpx.ConnectError as exc:
            wrong_name_refused = "certificate" in str(exc).lower() or "hostname" in str(exc).lower()
    assert response.status_code == 200
    assert hits == [{"path": "/hook", "host": f"partner.example.org:{port}"}]
    assert asked[0] == "partner.example.org" and wrong_name_refused
