"""PROCONNECT_* settings, read by concertation/settings.py at start-up (each case imports the
settings module in a fresh interpreter, with that environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import json, concertation.settings as s; print(json.dumps({"
    "'form_action': s.SECURE_CSP['form-action'], 'acr': s.PROCONNECT_ACR}))"
)


def import_settings(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PROCONNECT_")}
    clean.update(env, CONCERTATION_VAR_DIR=str(tmp_path), SECRET_KEY="x" * 50)
    return subprocess.run([sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=60)


FULL = {
    "PROCONNECT_CLIENT_ID": "id",
    "PROCONNECT_CLIENT_SECRET": "secret",
    "PROCONNECT_DISCOVERY_URL": "https://proconnect.example.fr/api/v2/.well-known/openid-configuration",
}


def test_configured_provider_origin_is_allowed_as_form_action(tmp_path):
    result = import_settings(tmp_path, **FULL, PROCONNECT_ACR="eidas1,eidas2")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    # The sign-in form and the logout form redirect there, which browsers check.
    assert values["form_action"] == ["'self'", "https://proconnect.example.fr"]
    assert values["acr"] == ["eidas1", "eidas2"]


def test_not_configured_leaves_form_action_alone(tmp_path):
    result = import_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"form_action": ["'self'"], "acr": ["eidas1"]}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PROCONNECT_CLIENT_ID": "id"}, "go together"),
        ({**FULL, "PROCONNECT_CLIENT_SECRET": ""}, "go together"),
        ({**FULL, "PROCONNECT_DISCOVERY_URL": "http://proconnect.example.fr/.well-known/openid-configuration"},
         "must be an https URL"),
    ],
)
def test_incomplete_or_plain_http_configuration_stops_the_start(tmp_path, env, message):
    result = import_settings(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
