"""Fetching a pull feed's URL safely (DOMAIN.md, "Feeds": the limits of a run).

- https only; http only for a host FEEDS_ALLOWED_HOSTS lists;
- the host is resolved once per hop, every address it resolves to must be public (not
  private, loopback, link-local, multicast, reserved or otherwise non-global, IPv4 or IPv6,
  IPv4-mapped included) unless FEEDS_ALLOWED_HOSTS lists the host, and the connection goes to
  the address that was checked (never resolved again: no DNS rebinding). TLS still verifies
  the certificate against the host name (SNI and Host header carry it);
- at most MAX_REDIRECTS redirects, each target checked the same way;
- the whole fetch within TIMEOUT_SECONDS; the body read while streaming and refused past
  MAX_BYTES (after decompression, so a small gzip cannot unpack into gigabytes);
- conditional GET: If-None-Match / If-Modified-Since from the last run; 304 is "not modified";
- no proxy from the environment (trust_env off): a proxy would resolve the host itself.

Errors are `FetchError` with the reason as Words (lib/words.py): stored with the run, worded in
each reader's language on the feed's page.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from django.utils.translation import gettext_noop

from alignment_portal.feeds import limits
from alignment_portal.lib.words import Words

REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A fetch that failed, in words. `transient`: worth retrying later (timeouts, refused
    connections, 429, 5xx)."""

    def __init__(self, words: Words, *, transient: bool = False, status: int | None = None):
        super().__init__(words.english())
        self.words, self.transient, self.status = words, transient, status

    @property
    def message(self) -> str:
        """The reason in the active language."""
        return str(self.words)


@dataclass
class Fetched:
    status: int  # 200 or 304
    body: bytes
    content_type: str
    etag: str
    last_modified: str
    url: str  # after redirects


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int
    scheme: str
    address: str  # the resolved address the connection goes to


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (one lookup)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(Words(gettext_noop("the address %(host)s could not be found "
                                            "(%(detail)s)"), {"host": host, "detail": str(exc)}),
                         transient=True) from None
    addresses = []
    for info in infos:
        address = info[4][0].split("%", 1)[0]  # drop an IPv6 zone id
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(Words(gettext_noop("the address %(host)s could not be found"),
                               {"host": host}), transient=True)
    return addresses


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> Target:
    """The target of `url` once its scheme, host and addresses pass the rules above."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchError(Words(gettext_noop("the address is not a valid URL"))) from None
    scheme = (parts.scheme or "").lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("https", "http") or not host:
        raise FetchError(Words(gettext_noop("the address must start with https://")))
    allowed = host in limits.allowed_hosts()
    if scheme == "http" and not allowed:
        raise FetchError(Words(gettext_noop(
            "%(host)s is reached over plain http; use https:// (http is only for hosts the "
            "FEEDS_ALLOWED_HOSTS setting lists)"), {"host": host}))
    port = port or (443 if scheme == "https" else 80)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    addresses = [str(literal)] if literal is not None else resolve(host, port)
    if not allowed:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise FetchError(Words(gettext_noop(
                "%(host)s resolves to %(address)s, a private, loopback or link-local address; "
                "feeds only reach public addresses"), {"host": host, "address": refused[0]}))
    return Target(url, host, port, scheme, addresses[0])


def _address_url(target: Target) -> str:
    """`target.url` with its host replaced by the checked address."""
    parts = urlsplit(target.url)
    ip = ipaddress.ip_address(target.address)
    host = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = f"{host}:{target.port}"
    if "@" in parts.netloc:  # keep user:password (httpx sends it as Basic auth)
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    return parts._replace(netloc=netloc).geturl()


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def fetch(url: str, *, etag: str = "", last_modified: str = "",
          client: httpx.Client | None = None) -> Fetched:
    """GET `url` within the limits; raises FetchError."""
    timeout = limits.timeout_seconds()
    cap = limits.max_bytes()
    deadline = time.monotonic() + timeout
    own_client = client is None
    client = client or httpx.Client(
        timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False,
        transport=httpx.HTTPTransport(retries=0))
    headers = {"User-Agent": limits.USER_AGENT,
               "Accept": "text/csv, application/json;q=0.9, text/plain;q=0.8, */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        for _ in range(limits.MAX_REDIRECTS + 1):
            target = check_url(url)
            request = client.build_request(
                "GET", _address_url(target), headers={**headers, "Host": _host_header(target)},
                extensions={"sni_hostname": target.host,
                            "timeout": _remaining(deadline, timeout)})
            response = client.send(request, stream=True)
            try:
                if response.status_code in REDIRECT_STATUSES:
                    location = response.headers.get("location", "")
                    if not location:
                        raise FetchError(Words(gettext_noop(
                            "the server answered %(status)s without saying where to"),
                            {"status": str(response.status_code)}))
                    url = urljoin(url, location)
                    continue
                return _read(response, url, deadline, timeout, cap)
            finally:
                response.close()
        raise FetchError(Words(gettext_noop("the server redirected more than %(max)s times"),
                               {"max": limits.MAX_REDIRECTS}))
    except httpx.TimeoutException:
        raise FetchError(_timed_out(timeout), transient=True) from None
    except httpx.TransportError as exc:
        raise FetchError(Words(gettext_noop("the server could not be reached (%(detail)s)"),
                               {"detail": _why(exc)}), transient=True) from None
    finally:
        if own_client:
            client.close()


def _remaining(deadline: float, timeout: float) -> dict:
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpx.TimeoutException("deadline")
    return {"connect": left, "read": left, "write": left, "pool": left}


def _read(response: httpx.Response, url: str, deadline: float, timeout: float,
          cap: int) -> Fetched:
    status = response.status_code
    if status == 304:
        return Fetched(304, b"", "", response.headers.get("etag", ""),
                       response.headers.get("last-modified", ""), url)
    if status != 200:
        transient = status == 429 or status >= 500
        words = (Words(gettext_noop("the server answered %(status)s (%(phrase)s)"),
                       {"status": str(status), "phrase": response.reason_phrase})
                 if response.reason_phrase else
                 Words(gettext_noop("the server answered %(status)s"), {"status": str(status)}))
        raise FetchError(words, transient=transient, status=status)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise FetchError(_too_big(cap))
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise FetchError(_too_big(cap))
        if time.monotonic() > deadline:
            raise FetchError(_timed_out(timeout), transient=True)
        chunks.append(chunk)
    return Fetched(200, b"".join(chunks), response.headers.get("content-type", ""),
                   response.headers.get("etag", ""), response.headers.get("last-modified", ""),
                   url)


def _too_big(cap: int) -> Words:
    return Words(gettext_noop("the file is over %(size)s MB, the limit of a feed"),
                 {"size": round(cap / 1_048_576, 2)})


def _timed_out(timeout: float) -> Words:
    return Words(gettext_noop("timed out after %(seconds)s s"), {"seconds": timeout})


def _why(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
