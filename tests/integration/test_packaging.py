"""Build the wheel and check it ships what editable installs hide: SQL, migrations, notebooks."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from analytics.sql import sql_names
from tests.conftest import REPO

pytestmark = pytest.mark.integration


def test_wheel_contains_sql_migrations_and_notebooks(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next(tmp_path.glob("opsreview_analytics-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in sql_names():
        assert f"analytics/sql/{name}.sql" in names
    assert "analytics/warehouse/migrations/0001_initial.sql" in names
    assert "analytics/config/targets.yaml" in names
    assert "analytics/notebooks/incident_trends.ipynb" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "opsreview = analytics.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
