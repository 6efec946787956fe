"""The container recipe and the operations scripts pass their linters (no Docker needed):
hadolint on the Dockerfile, shellcheck on every shell script we ship."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SCRIPTS = ["scripts/entrypoint", "scripts/smoke", "deploy/setup.sh", "deploy/release.sh",
           "deploy/env.sh"]


def tool(name):
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed (it comes with the dev dependencies)")
    return found


def test_the_dockerfile_passes_hadolint():
    result = subprocess.run([tool("hadolint"), "--failure-threshold", "info", "Dockerfile"],
                            cwd=BASE_DIR, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_shell_scripts_pass_shellcheck():
    result = subprocess.run([tool("shellcheck"), "-x", *SCRIPTS], cwd=BASE_DIR,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_non_root_user_and_installs_only_locked_dependencies():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert "USER 10001" in runtime
    assert "uv sync --locked --no-dev" in dockerfile
    assert "collectstatic" in dockerfile
    assert 'ENTRYPOINT ["scripts/entrypoint"]' in runtime


def test_the_web_service_yaml_renders_with_probes_and_matching_concurrency():
    import string

    import yaml

    values = {"IMAGE": "australia-southeast1-docker.pkg.dev/walk-easy/ncc/ncc:abc123",
              "REGION": "australia-southeast1",
              "CONNECTION_NAME": "walk-easy:australia-southeast1:ncc-db",
              "SERVICE_ACCOUNT": "ncc-runtime@walk-easy.iam.gserviceaccount.com",
              "DOMAIN": "clinic.walkeasy.com.au", "ALLOWED_HOSTS": "clinic.walkeasy.com.au",
              "EMAIL_HOST": "smtp.example.com", "EMAIL_HOST_USER": "ncc", "SMSB_USERNAME": "we",
              "XERO_CLIENT_ID": "client"}
    # The same rendering as deploy/release.sh: a missing value is an error, not an empty string.
    rendered = string.Template((BASE_DIR / "deploy" / "web.yaml").read_text()).substitute(values)
    service = yaml.safe_load(rendered)
    spec = service["spec"]["template"]["spec"]
    container = spec["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert container["image"] == values["IMAGE"]
    assert container["args"] == ["web"]
    assert container["startupProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert spec["containerConcurrency"] == int(env["WEB_CONCURRENCY"]) * int(
        env["GUNICORN_THREADS"])
    assert env["DEBUG"] == "false"
    assert env["XERO_REDIRECT_URI"] == "https://clinic.walkeasy.com.au/xero/callback/"
    secrets = {e["name"] for e in container["env"] if "valueFrom" in e}
    assert {"SECRET_KEY", "DATABASE_URL", "FIELD_ENCRYPTION_KEY"} <= secrets
