"""Container health check: GET /healthz on the local gunicorn as the public host would.

python -m alignment_portal.healthcheck  (exit 0 when the site and its database answer)
"""

import os
import sys
import urllib.request


def main() -> int:
    host = (os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip()
            or "localhost")
    request = urllib.request.Request(
        f"http://127.0.0.1:{os.environ.get('HEALTHCHECK_PORT', '8000')}/healthz",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed URL)
            return 0 if response.status == 200 else 1
    except Exception as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
