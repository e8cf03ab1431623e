"""The addresses a partner webhook may reach (engine/handover/addresses.py): every form that slips
an internal address past a naive check is refused in production, names are resolved and checked
at each delivery (a name that turns private between registration and delivery, DNS rebinding, is
refused), and the delivery connects to the address checked while TLS still checks the name."""

from __future__ import annotations

import asyncio

import pytest

from engine.handover.addresses import AddressRefused, host_problem, pinned
from engine.handover.partners import check_url

REFUSED_URLS = [
    "https://127.0.0.1/hook",
    "https://2130706433/hook",  # 127.0.0.1 as one number
    "https://127.1/hook",  # short form
    "https://0x7f000001/hook",  # hexadecimal
    "https://0177.0.0.1/hook",  # octal
    "https://0x7f.0.0.1/hook",
    "https://0x/hook",  # 0.0.0.0 to some parsers
    "https://1.2.3.0x7f/hook",  # a last label a URL parser reads as a number
    "https://localhost./hook",  # trailing dot
    "https://example.org./hook",
    "https://localhost/hook",
    "https://redis.internal/hook",
    "https://10.0.0.5/hook",
    "https://172.16.3.4/hook",
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest/meta-data",  # a cloud's metadata service
    "https://100.64.0.1/hook",  # shared address space (CGNAT)
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",  # multicast
    "https://[::1]/hook",
    "https://[fd00::1]/hook",  # unique local
    "https://[fe80::1]/hook",  # link-local
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    "https://[::ffff:10.0.0.1]/hook",
    "https://[::ffff:0:a00:1]/hook",  # IPv4-translated
    "https://[::7f00:1]/hook",  # IPv4-compatible (deprecated) loopback
    "https://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
    "https://[64:ff9b:1::1]/hook",  # local-use NAT64
    "https://[fec0::1]/hook",  # site-local (deprecated)
    "https://192.0.0.8/hook",  # IETF protocol assignments
    "http://93.184.215.14/hook",  # public, but not https
    "https://user:pw@example.org/hook",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_every_form_of_an_internal_address_is_refused_at_registration_in_production(url):
    assert check_url(url, production=True) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://partner.example.org/hooks/remi",
        "https://93.184.215.14:8443/x",
        "https://[64:ff9b::808:808]/x",  # NAT64 of a public address
        "https://[2606:2800:220:1::1]/x",
    ],
)
def test_a_public_https_address_is_accepted(url):
    assert check_url(url, production=True) is None


def resolver(answers: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("no such name")
        return answers[host]

    return resolve


def test_a_name_that_resolves_to_a_private_address_at_delivery_is_refused():
    # Public when registered (host_problem makes no lookup), private when the delivery is due.
    assert host_problem("rebind.example.org") is None
    for private in (["10.1.2.3"], ["93.184.215.14", "127.0.0.1"], ["::ffff:169.254.169.254"]):
        with pytest.raises(AddressRefused):
            asyncio.run(pinned("https://rebind.example.org/hook", resolver({"rebind.example.org": private})))
    with pytest.raises(AddressRefused):
        asyncio.run(pinned("https://gone.example.org/hook", resolver({})))


def test_the_delivery_goes_to_the_address_checked_with_the_name_for_http_and_tls():
    target = asyncio.run(
        pinned("https://partner.example.org:8443/a?b=1", resolver({"partner.example.org": ["93.184.215.14"]}))
    )
    assert target.url == "https://93.184.215.14:8443/a?b=1"
    assert target.headers == {"Host": "partner.example.org:8443"}
    assert target.extensions == {"sni_hostname": "partner.example.org"}
    six = asyncio.run(pinned("https://v6.example.org/h", resolver({"v6.example.org": ["2606:2800:220:1::1"]})))
    assert six.url == "https://[2606:2800:220:1::1]/h"


def test_in_production_a_delivery_to_a_name_now_private_never_connects(redis_url):
    """Partners._post with production on: the name resolves to this machine, where a server
    listens; the delivery is refused before any connection, with the one uniform text."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import httpx
    from cryptography.fernet import Fernet
    from redis.asyncio import Redis

    from engine.handover.partners import NOT_DELIVERED, Partners

    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    async def scenario():
        redis = Redis.from_url(redis_url)
        key = Fernet.generate_key().decode()
        job = {"organisation": "rebinder", "event": "referral.created", "body": json.dumps({"delivery": "d1"})}
        url = f"http://partner.example.org:{port}/hook"
        results = []
        for production in (True, False):  # the control: without the check it does connect
            partners = Partners(
                redis,
                key,
                3600,
                3,
                1.0,
                5.0,
                production=production,
                resolve=resolver({"partner.example.org": ["127.0.0.1"]}),
            )
            await partners.register("rebinder", url if production else f"http://127.0.0.1:{port}/hook", "s", "admin")
            async with httpx.AsyncClient() as http:
                results.append(await partners._post(http, job))
        await redis.delete("remi:partner:rebinder")
        await redis.aclose()
        return results

    refused, control = asyncio.run(scenario())
    server.shutdown()
    assert refused == NOT_DELIVERED and control is None
    assert hits == ["/hook"]  # only the control reached the server
