"""The Kubernetes manifests (deploy/k8s) against the Kubernetes API schemas, offline
(kubernetes-validate, strict: an unknown or misspelt field fails), and the properties the
README promises of them; docker-compose.yml's replica/pooler profile."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))
KUBERNETES_VERSION = "1.30.0"  # the oldest version still supported upstream when written


def _documents():
    for path in MANIFESTS:
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                yield path.name, document


def _resources() -> dict[tuple[str, str], dict]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in _documents()}


def test_there_are_manifests():
    assert {path.name for path in MANIFESTS} >= {"web.yaml", "asgi.yaml", "worker.yaml", "beat.yaml", "hpa.yaml"}


@pytest.mark.parametrize(("name", "document"), list(_documents()), ids=lambda value: str(value)[:40])
def test_manifest_is_valid_against_the_kubernetes_schemas(name, document):
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_a_misspelt_field_is_caught():
    broken = _resources()[("Deployment", "lectern-web")]
    broken = {**broken, "spec": {**broken["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize("name", ["lectern-web", "lectern-asgi"])
def test_web_and_asgi_probe_the_split_health_endpoints(name):
    container = _container(_resources()[("Deployment", name)])
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz/live"
    for probe in ("readinessProbe", "livenessProbe"):
        headers = {h["name"]: h["value"] for h in container[probe]["httpGet"]["httpHeaders"]}
        assert headers == {"Host": "localhost", "X-Forwarded-Proto": "https"}  # not the HTTPS redirect


def test_beat_runs_exactly_once_and_never_overlaps():
    beat = _resources()[("Deployment", "lectern-beat")]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert "HorizontalPodAutoscaler" not in {kind for kind, name in _resources() if name == "lectern-beat"}


def test_the_web_deployment_autoscales():
    hpa = _resources()[("HorizontalPodAutoscaler", "lectern-web")]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "lectern-web"}
    assert hpa["spec"]["minReplicas"] >= 2


def test_every_process_gets_the_same_settings():
    for (kind, name), resource in _resources().items():
        if kind in ("Deployment", "Job"):
            sources = _container(resource)["envFrom"]
            assert {"configMapRef": {"name": "lectern-config"}} in sources, name
            assert {"secretRef": {"name": "lectern-secrets"}} in sources, name


def test_compose_profile_adds_a_replica_and_pgbouncer_in_transaction_mode():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("db-replica", "pgbouncer"):
        assert services[name]["profiles"] == ["scale"], name
    ini = (ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini").read_text()
    assert "pool_mode = transaction" in ini
    scale = dict(line.split("=", 1) for line in (ROOT / "deploy" / "scale.env").read_text().splitlines() if "=" in line)
    assert scale["COMPOSE_PROFILES"] == "scale"
    assert scale["DATABASE_PGBOUNCER"] == "true"
    assert "@pgbouncer:6432/" in scale["DATABASE_URL"]
    assert "@db-replica:5432/" in scale["DATABASE_REPLICA_URL"]  # not through PgBouncer: see pgbouncer.ini


def test_pgbouncer_settings_turn_off_what_transaction_pooling_cannot_carry(monkeypatch):
    """config/settings/base.py under DATABASE_PGBOUNCER: no server-side cursors, no prepared
    statements, no pool of Django's own."""
    import importlib

    import config.settings.base as base

    monkeypatch.setenv("DATABASE_URL", "postgres://lectern:lectern@pgbouncer:6432/lectern")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://lectern:lectern@db-replica:5432/lectern")
    monkeypatch.setenv("DATABASE_PGBOUNCER", "true")
    monkeypatch.setenv("DATABASE_POOL", "true")
    try:
        settings = importlib.reload(base)
        primary, replica = settings.DATABASES["default"], settings.DATABASES["replica"]
        assert primary["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert primary["OPTIONS"]["prepare_threshold"] is None
        assert "pool" not in primary["OPTIONS"]
        # The replica, reached directly, keeps its own small pool and its server-side cursors.
        assert replica["OPTIONS"]["pool"]["timeout"] == 2.0
        assert "DISABLE_SERVER_SIDE_CURSORS" not in replica
        assert settings.DATABASE_REPLICA_READS is True
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_persistent_connections_are_the_production_default_on_postgresql(monkeypatch):
    """Production keeps each thread's connection for 60 s (bench/README.md "Connections");
    DATABASE_POOL=true gives every process psycopg's pool instead."""
    import importlib
    import sys

    import config.settings.base as base

    monkeypatch.setenv("DATABASE_URL", "postgres://lectern:lectern@db:5432/lectern")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://lectern:lectern@db-replica:5432/lectern")
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("EARNINGS_ENCRYPTION_KEY", "fS8PbW0wkCgqHRaSmNn5PEW5aLSQ1FEaGp1mVQ7sKbU=")
    for name in ("DATABASE_POOL", "CONN_MAX_AGE", "DATABASE_PGBOUNCER"):
        monkeypatch.delenv(name, raising=False)

    def production():
        importlib.reload(base)
        sys.modules.pop("config.settings.production", None)
        return importlib.import_module("config.settings.production")

    try:
        settings = production()
        assert settings.DATABASE_POOL is False
        for alias in ("default", "replica"):
            assert settings.DATABASES[alias]["CONN_MAX_AGE"] == 60, alias
            assert settings.DATABASES[alias]["CONN_HEALTH_CHECKS"] is True, alias
            assert "pool" not in settings.DATABASES[alias].get("OPTIONS", {}), alias

        monkeypatch.setenv("DATABASE_POOL", "true")
        settings = production()
        for alias in ("default", "replica"):
            assert settings.DATABASES[alias]["CONN_MAX_AGE"] == 0, alias
            assert settings.DATABASES[alias]["OPTIONS"]["pool"]["max_size"] == 8, alias
        assert settings.DATABASES["replica"]["OPTIONS"]["pool"]["timeout"] == 2.0

        monkeypatch.setenv("DATABASE_POOL", "false")
        monkeypatch.setenv("DATABASE_PGBOUNCER", "true")
        settings = production()
        assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0  # PgBouncer holds the connections
        assert settings.DATABASES["replica"]["CONN_MAX_AGE"] == 60

        monkeypatch.setenv("DATABASE_POOL", "true")  # PgBouncer for the primary, a pool for the replica
        settings = production()
        assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0
        assert "pool" not in settings.DATABASES["default"]["OPTIONS"]
        assert settings.DATABASES["replica"]["CONN_MAX_AGE"] == 0
        assert settings.DATABASES["replica"]["OPTIONS"]["pool"]["timeout"] == 2.0
    finally:
        monkeypatch.undo()
        sys.modules.pop("config.settings.production", None)
        importlib.reload(base)
