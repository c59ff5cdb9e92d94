"""The limits of a pull run, against a real local server: timeout, size cap while streaming,
redirects (each re-checked), https only, and SSRF protection that resolves once."""

import pytest

from alignment_portal.feeds.fetch import FetchError, check_url, fetch, is_public

CSV = "metric,date,value\nLoaves wasted,2026-11-02,27\n"


def test_a_csv_is_fetched_with_its_etag(feed_server):
    url = feed_server.serve("/values.csv", CSV)
    fetched = fetch(url)
    assert fetched.status == 200 and fetched.body == CSV.encode()
    assert fetched.etag.startswith('"') and fetched.last_modified.endswith("GMT")


def test_a_conditional_get_answered_304_reads_nothing(feed_server):
    url = feed_server.serve("/values.csv", CSV)
    first = fetch(url)
    again = fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert again.status == 304 and again.body == b""
    sent = feed_server.requests[-1]["headers"]
    assert sent["If-None-Match"] == first.etag
    assert sent["If-Modified-Since"] == first.last_modified


def test_a_slow_server_times_out_in_words(feed_server):
    url = feed_server.serve("/slow", CSV, delay=6)
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert caught.value.message == "timed out after 4 s" and caught.value.transient


def test_a_body_over_5_mb_is_refused_while_streaming(feed_server, settings):
    settings.FEEDS_MAX_BYTES = 5 * 1024 * 1024
    settings.FEEDS_TIMEOUT_SECONDS = 10
    url = feed_server.serve("/huge", chunked_bytes=50 * 1024 * 1024)  # no Content-Length
    with pytest.raises(FetchError, match="over 5 MB"):
        fetch(url)


def test_a_declared_length_over_the_cap_is_refused_before_reading(feed_server, settings):
    settings.FEEDS_MAX_BYTES = 1024
    url = feed_server.serve("/big", "x" * 5000)
    with pytest.raises(FetchError, match="the limit of a feed"):
        fetch(url)


@pytest.mark.parametrize(("status", "words", "transient"), [
    (403, "the server answered 403 (Forbidden)", False),
    (404, "the server answered 404 (Not Found)", False),
    (503, "the server answered 503 (Service Unavailable)", True),
])
def test_an_error_status_is_said_in_words(feed_server, status, words, transient):
    url = feed_server.serve("/denied", "no", status=status, etag=False)
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert caught.value.message == words and caught.value.transient is transient


def test_redirects_are_followed_up_to_three(feed_server):
    target = feed_server.serve("/values.csv", CSV)
    for n in range(3):
        feed_server.serve(f"/hop{n}", status=302, etag=False,
                          headers={"Location": f"/hop{n + 1}" if n < 2 else target})
    assert fetch(feed_server.url("/hop0")).body == CSV.encode()


def test_a_fourth_redirect_is_refused(feed_server):
    for n in range(4):
        feed_server.serve(f"/loop{n}", status=302, etag=False,
                          headers={"Location": f"/loop{n + 1}"})
    feed_server.serve("/loop4", CSV)
    with pytest.raises(FetchError, match="redirected more than 3 times"):
        fetch(feed_server.url("/loop0"))


def test_a_redirect_to_a_private_address_is_refused(feed_server, fake_dns):
    fake_dns.answers["internal.test"] = ["10.0.0.5"]
    url = feed_server.serve("/moved", status=302, etag=False,
                            headers={"Location": "https://internal.test/secrets.csv"})
    with pytest.raises(FetchError, match="internal.test resolves to 10.0.0.5, a private"):
        fetch(url)


def test_a_redirect_to_the_metadata_address_is_refused(feed_server):
    url = feed_server.serve("/moved", status=302, etag=False,
                            headers={"Location": "https://169.254.169.254/latest/meta-data"})
    with pytest.raises(FetchError, match="169.254.169.254 resolves to 169.254.169.254"):
        fetch(url)


def test_a_redirect_to_plain_http_elsewhere_is_refused(feed_server):
    url = feed_server.serve("/moved", status=302, etag=False,
                            headers={"Location": "http://example.com/values.csv"})
    with pytest.raises(FetchError, match="plain http"):
        fetch(url)


@pytest.mark.parametrize("address", ["10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1",
                                     "169.254.169.254", "0.0.0.0",  # noqa: S104
                                     "100.64.0.1", "224.0.0.1",
                                     "::1", "fc00::1", "fe80::1", "::ffff:10.0.0.1",
                                     "ff02::1", "240.0.0.1"])
def test_a_host_resolving_to_a_non_public_address_is_refused(fake_dns, settings, address):
    settings.FEEDS_ALLOWED_HOSTS = []
    fake_dns.answers["sheet.test"] = [address]
    with pytest.raises(FetchError, match="private, loopback or link-local"):
        check_url("https://sheet.test/values.csv")


@pytest.mark.parametrize("url", ["https://10.0.0.1/x.csv", "https://[::1]/x.csv",
                                 "https://[fc00::1]/x.csv", "https://[::ffff:127.0.0.1]/x"])
def test_a_private_address_written_in_the_url_is_refused(settings, url):
    settings.FEEDS_ALLOWED_HOSTS = []
    with pytest.raises(FetchError, match="private, loopback or link-local"):
        check_url(url)


def test_any_private_answer_among_several_refuses_the_host(fake_dns, settings, monkeypatch):
    settings.FEEDS_ALLOWED_HOSTS = []
    real = fake_dns

    def two_answers(host, port, *args, **kwargs):
        if host == "mixed.test":
            return [(2, 1, 6, "", ("93.184.216.34", port)), (2, 1, 6, "", ("10.0.0.9", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr("socket.getaddrinfo", two_answers)
    with pytest.raises(FetchError, match="10.0.0.9"):
        check_url("https://mixed.test/values.csv")


def test_a_public_host_passes_the_check_with_its_address(fake_dns, settings):
    settings.FEEDS_ALLOWED_HOSTS = []
    fake_dns.answers["sheets.example"] = ["93.184.216.34"]
    target = check_url("https://sheets.example/pub?output=csv")
    assert target.address == "93.184.216.34" and target.port == 443
    assert is_public("2606:4700::1111") and not is_public("::ffff:192.168.0.1")


def test_the_host_is_resolved_once_and_the_connection_goes_to_that_address(
        feed_server, fake_dns, settings):
    # DNS rebinding: the first answer is the (allowed) local server, every later one a private
    # address. The fetch must connect to the address it checked, never asking again.
    settings.FEEDS_ALLOWED_HOSTS = ["127.0.0.1", "rebind.test"]
    fake_dns.answers["rebind.test"] = ["127.0.0.1", "10.66.66.66"]
    feed_server.serve("/values.csv", CSV)
    fetched = fetch(feed_server.url("/values.csv", host="rebind.test"))
    assert fetched.body == CSV.encode()
    assert fake_dns.calls["rebind.test"] == 1
    assert feed_server.requests[-1]["headers"]["Host"] == f"rebind.test:{feed_server.port}"


def test_a_private_host_is_refused_before_any_connection(feed_server, fake_dns, settings):
    settings.FEEDS_ALLOWED_HOSTS = []
    fake_dns.answers["sneaky.test"] = ["127.0.0.1"]
    feed_server.serve("/values.csv", CSV)
    with pytest.raises(FetchError):
        fetch(f"https://sneaky.test:{feed_server.port}/values.csv")
    assert feed_server.hits == {}


def test_plain_http_is_refused_for_hosts_not_allowed(settings):
    settings.FEEDS_ALLOWED_HOSTS = []
    with pytest.raises(FetchError, match="use https://"):
        check_url("http://example.com/values.csv")


@pytest.mark.parametrize("url", ["ftp://example.com/x.csv", "file:///etc/passwd",
                                 "gopher://example.com/", "https://", "not a url"])
def test_other_schemes_are_refused(url):
    with pytest.raises(FetchError):
        check_url(url)


def test_an_unreachable_port_is_a_transient_failure_in_words(settings):
    settings.FEEDS_ALLOWED_HOSTS = ["127.0.0.1"]
    with pytest.raises(FetchError) as caught:
        fetch("http://127.0.0.1:1/values.csv")
    assert caught.value.transient and "could not be reached" in caught.value.message


def test_credentials_in_the_url_are_sent_as_basic_auth(feed_server):
    feed_server.serve("/private.csv", CSV)
    url = feed_server.url("/private.csv").replace("http://", "http://till:s3cret@")
    assert fetch(url).body == CSV.encode()
    assert feed_server.requests[-1]["headers"]["Authorization"] == "Basic dGlsbDpzM2NyZXQ="
