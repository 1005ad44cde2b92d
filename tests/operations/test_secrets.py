"""No secret has a working default: a service without one refuses to start and names it;
`cohort up` makes them once per data directory; compose mounts them as files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cohort_cli.secretfiles import GENERATORS, ensure, environment
from cohort_enrolment.settings import EnrolmentSettings
from cohort_kit import SettingsError, load_settings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
KNOWN_DEFAULTS = ("dev-link-secret-change-me", "dev-secret-change-me", '"change-me"')


def start(service: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COHORT_")}
    # Nothing listens there: a service that got past its settings would wait, not exit.
    clean |= {"COHORT_NATS_URL": "nats://127.0.0.1:9", "COHORT_STARTUP_WAIT_SECONDS": "30"}
    return subprocess.run(
        [sys.executable, "-m", f"cohort_{service}"],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "service, given, missing",
    [
        ("enrolment", {}, "COHORT_LINK_SECRET"),
        ("certification", {"COHORT_SIGNING_KEYS": '{"iom": "' + "11" * 32 + '"}'}, "COHORT_SECRET"),
        ("certification", {"COHORT_SECRET": "a-long-enough-secret"}, "COHORT_SIGNING_KEYS"),
        ("notification", {"COHORT_WEBHOOK_URLS": '{"iom": "http://x"}'}, "COHORT_WEBHOOK_SECRET"),
    ],
)
def test_a_service_without_its_secret_refuses_to_start_and_names_it(service, given, missing):
    result = start(service, **given)
    assert result.returncode != 0
    assert missing in result.stderr, result.stderr


def test_a_secret_can_come_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "link_secret"
    secret.write_text("from-a-compose-secret-file\n")
    monkeypatch.delenv("COHORT_LINK_SECRET", raising=False)
    monkeypatch.setenv("COHORT_LINK_SECRET_FILE", str(secret))
    assert load_settings(EnrolmentSettings).link_secret == "from-a-compose-secret-file"
    monkeypatch.setenv("COHORT_LINK_SECRET_FILE", str(tmp_path / "absent"))
    with pytest.raises(SettingsError, match="COHORT_LINK_SECRET_FILE"):
        load_settings(EnrolmentSettings)


def test_a_short_secret_is_refused(monkeypatch):
    monkeypatch.setenv("COHORT_LINK_SECRET", "short")
    with pytest.raises(SettingsError, match="COHORT_LINK_SECRET"):
        load_settings(EnrolmentSettings)


def test_secrets_are_made_once_per_folder_private_and_given_to_each_service(tmp_path):
    first = ensure(tmp_path / "secrets")
    assert set(first) == set(GENERATORS)
    assert ensure(tmp_path / "secrets") == first  # kept: links sent stay valid
    assert ensure(tmp_path / "other") != first
    for name in first:
        assert stat.S_IMODE((tmp_path / "secrets" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700
    assert environment("enrolment", first) == {"COHORT_LINK_SECRET": first["link_secret"]}
    assert set(environment("certification", first)) == {"COHORT_SECRET", "COHORT_SIGNING_KEYS"}


def test_no_document_or_compose_file_prints_a_usable_secret():
    files = [*ROOT.glob("docs/*.md"), *ROOT.glob("services/*/README.md"), ROOT / "README.md"]
    files += [ROOT / "compose.yaml", ROOT / "compose.cluster.yaml"]
    for path in files:
        text = path.read_text()
        for value in KNOWN_DEFAULTS:
            assert value not in text, (path.name, value)
