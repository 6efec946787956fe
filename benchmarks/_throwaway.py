"""Set-up shared by benchmarks that run on a throwaway SQLite file unless DATABASE_URL says
otherwise. Import it before Django is set up."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def prepare(db_name: str) -> None:
    """Put the project on sys.path, quiet the logs and, without DATABASE_URL, start from an
    empty var/<db_name>.sqlite3."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncc.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if "DATABASE_URL" not in os.environ:
        db = ROOT / "var" / f"{db_name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
