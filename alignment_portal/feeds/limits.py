"""Every limit and rule of a feed run, in one place (DOMAIN.md, "Feeds").

The network limits can be tightened (never loosened past these) by settings for tests; the
names here are what the pages and messages quote.
"""

from django.conf import settings

from alignment_portal.scoring.rules import FEED_FAILING_RUNS

# A pull run: the whole request (every redirect included) must finish within this many seconds.
TIMEOUT_SECONDS = 20
# The body is read while streaming and refused once it passes this many bytes (the CSV import's
# own limit).
MAX_BYTES = 5 * 1024 * 1024
# Redirects followed at most; each target is checked like the first address.
MAX_REDIRECTS = 3
# Two runs in a row that failed raise FEED_FAILING (the domain rule, which the pure flag code
# reads too).
FAILING_AFTER_RUNS = FEED_FAILING_RUNS
# Retries of a run whose failure may pass (timeout, connection refused, 429, 5xx), with
# exponential backoff from RETRY_BASE_SECONDS.
MAX_RETRIES = 3
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 600
# A run claimed this long ago belongs to a worker that died: it may be claimed again.
RUN_STALE_SECONDS = 10 * 60
# A run queued this long ago lost its message (broker down): beat queues it again.
QUEUED_STALE_SECONDS = 10 * 60
# A run keeps at most this many refused rows with their reasons (the counts stay exact).
PROBLEMS_KEPT = 200
# The preview shows this many rows of the file.
PREVIEW_ROWS = 10
# The feed page lists this many runs.
RUNS_SHOWN = 50
# Header a push sender signs with: "sha256=<hex of HMAC-SHA256(body, secret)>" (or the hex).
SIGNATURE_HEADER = "X-Feed-Signature"
USER_AGENT = "AlignmentPortal-Feeds/1 (+https://github.com/)"


def timeout_seconds() -> float:
    return float(getattr(settings, "FEEDS_TIMEOUT_SECONDS", TIMEOUT_SECONDS))


def max_bytes() -> int:
    return int(getattr(settings, "FEEDS_MAX_BYTES", MAX_BYTES))


def allowed_hosts() -> set[str]:
    """Hosts a feed may reach over plain http and on a private or loopback address."""
    return {h.strip().lower().strip("[]") for h in getattr(settings, "FEEDS_ALLOWED_HOSTS", [])
            if h.strip()}
