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
