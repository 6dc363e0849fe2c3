"""`manage.py check --deploy` with production settings must report nothing.

Run as `python -m concertation.checks.deploy`: it sets a production environment (a strong
secret key, HTTPS, a real host name) and fails on any warning.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "HTTPS": "1",
    "ALLOWED_HOSTS": "concertation.example.org",
    "DEBUG": "0",
    # Production sends mail through SMTP; the console backend is refused by check --deploy.
    "EMAIL_HOST": "smtp.example.org",
}


def main() -> int:
    env = {**os.environ, **PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        return 1
    print("check --deploy: aucun avertissement avec les réglages de production")
    return 0


if __name__ == "__main__":
    sys.exit(main())
