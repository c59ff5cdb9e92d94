"""The production set-up (docker-compose.yml, Dockerfile) keeps what one process writes where
the process that reads it can: the worker builds the archives the web serves, the web keeps
the logos it serves, both across rebuilds."""

from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent


def _mounts(service: dict) -> dict[str, str]:
    return {target: source for source, target in
            (volume.split(":")[:2] for volume in service.get("volumes", []))}


def test_the_worker_and_the_web_share_the_archives_and_the_web_keeps_the_logos():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web, worker = _mounts(compose["services"]["web"]), _mounts(compose["services"]["worker"])
    assert web["/app/var/exports"] == worker["/app/var/exports"]
    assert web["/app/var/exports"] in compose["volumes"]
    assert web["/app/var/media"] in compose["volumes"]


def test_the_image_makes_the_mounted_folders_writable_by_its_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "mkdir -p /app/var/media /app/var/exports" in dockerfile
    assert "chown -R portal /app/var" in dockerfile
