"""One settings object; every derived path is a method or property of it.

Resolution order for each path: explicit argument → environment variable → project default.

| Setting | Environment variable | Default |
|---|---|---|
| project home | ``OPSREVIEW_HOME`` | nearest folder above the working directory with ``notebooks/`` and |
|  |  | ``pyproject.toml``, else the working directory |
| warehouse file | ``OPSREVIEW_WAREHOUSE`` | ``<home>/data/warehouse.duckdb`` |
| reports folder | ``OPSREVIEW_REPORTS_DIR`` | ``<home>/reports`` |
| notebooks folder | ``OPSREVIEW_NOTEBOOKS_DIR`` | ``<home>/notebooks``, else the copy shipped inside the package |
| demo raw files | ``OPSREVIEW_DEMO_DIR`` | ``<home>/data/demo`` |
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

IN_MEMORY = ":memory:"


def _find_home(start: Path) -> Path:
    """The nearest ancestor of ``start`` that looks like a project checkout, else ``start``."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir():
            return folder
    return start


def _packaged_notebooks() -> Path:
    """Notebooks shipped in the wheel (``analytics/notebooks``), or the checkout's folder."""
    shipped = Path(str(resources.files("analytics"))) / "notebooks"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class Settings:
    """Where things live. Build it with :meth:`from_env`; override fields with :meth:`with_`."""

    home: Path
    warehouse: str
    reports_dir: Path
    notebooks_dir: Path
    demo_dir: Path

    @classmethod
    def from_env(cls, *, warehouse: str | Path | None = None, cwd: Path | None = None) -> Settings:
        """Resolve every setting from arguments, environment variables and defaults."""
        env = os.environ
        home = Path(env["OPSREVIEW_HOME"]) if env.get("OPSREVIEW_HOME") else _find_home(
            (cwd or Path.cwd()).resolve()
        )
        wh = warehouse if warehouse is not None else env.get("OPSREVIEW_WAREHOUSE")
        notebooks = env.get("OPSREVIEW_NOTEBOOKS_DIR")
        default_notebooks = home / "notebooks"
        return cls(
            home=home,
            warehouse=_normalise_warehouse(wh, home),
            reports_dir=Path(env.get("OPSREVIEW_REPORTS_DIR") or home / "reports"),
            notebooks_dir=Path(notebooks)
            if notebooks
            else (default_notebooks if default_notebooks.is_dir() else _packaged_notebooks()),
            demo_dir=Path(env.get("OPSREVIEW_DEMO_DIR") or home / "data" / "demo"),
        )

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields replaced."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def warehouse_is_memory(self) -> bool:
        """Whether the warehouse is an in-memory database."""
        return self.warehouse == IN_MEMORY

    def report_dir(self, period_label: str) -> Path:
        """Folder of one period's reports: ``<reports>/<period>``."""
        return self.reports_dir / period_label

    def notebook(self, name: str) -> Path:
        """Path of a report notebook by name (without ``.ipynb``)."""
        return self.notebooks_dir / f"{name}.ipynb"


def _normalise_warehouse(value: str | Path | None, home: Path) -> str:
    """An absolute warehouse path, or ``:memory:``."""
    if value is None or str(value) == "":
        return str(home / "data" / "warehouse.duckdb")
    text = str(value)
    if text == IN_MEMORY:
        return text
    path = Path(text).expanduser()
    return str(path if path.is_absolute() else (Path.cwd() / path).resolve())


@contextmanager
def environment_variable(name: str, value: str) -> Iterator[None]:
    """``name`` = ``value`` in this process's environment (and so in the kernels and connections it starts)
    for the length of the block, then as before — unset again when it was unset.

    >>> with environment_variable("OPSREVIEW_DOCTEST_VAR", "1"):
    ...     os.environ["OPSREVIEW_DOCTEST_VAR"]
    '1'
    >>> "OPSREVIEW_DOCTEST_VAR" in os.environ
    False
    """
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
