"""Compare two report folders written by ``opsreview report``: are the numbers the same?

Used to prove that a refactor changed no result: build the demo report before and after, then::

    python tools/compare_reports.py /tmp/before/2026Q3 reports/2026Q3

It compares, apart from run metadata:

* every JSON artifact (``kpis.json``, ``<notebook>/*.json``), key by key;
* every executed notebook's outputs, cell by cell: ``text/plain``, ``text/html``,
  ``text/markdown`` and plotly figure JSON, and stream text (images are compared only by whether a
  cell has one: rendered PNG bytes vary with the renderer, the data behind them does not).

Paths of the two folders (and of their warehouses, taken from each ``run.json``) are replaced by a
placeholder before comparing, so two runs in different folders compare equal. A refactor that renames a
field on purpose says so with ``--rename OLD=NEW`` (repeatable): the *before* side's JSON keys named OLD
are compared as NEW, so the values still have to agree. Exit status 0 when nothing differs, 1 otherwise
(each difference printed, at most ``--limit``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

RUN_METADATA = frozenset({"started_at", "finished_at", "seconds", "git_commit", "generated_at", "out_dir"})
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "application/vnd.plotly.v1+json")
# Cell-level noise papermill adds; never part of a result.
# pandas Styler gives every table a random id (``T_723c5``); object reprs carry addresses.
_NOISE = ((re.compile(r"\bT_[0-9a-f]{5}(?![0-9a-f])"), "T_…"), (re.compile(r"\bat 0x[0-9a-f]+\b"), "at 0x…"))


def _placeholders(folder: Path) -> list[tuple[str, str]]:
    """(text, placeholder) pairs that make two runs' outputs comparable."""
    pairs = [(str(folder.resolve()), "<OUT>")]
    run = folder / "run.json"
    if run.is_file():
        warehouse = json.loads(run.read_text(encoding="utf-8")).get("warehouse")
        if warehouse:
            pairs.append((str(warehouse), "<WAREHOUSE>"))
    return pairs


def _normalise(text: str, pairs: list[tuple[str, str]]) -> str:
    for value, placeholder in pairs:
        text = text.replace(value, placeholder)
    for pattern, replacement in _NOISE:
        text = pattern.sub(replacement, text)
    return text


def _strip_metadata(value: object) -> object:
    if isinstance(value, dict):
        return {k: _strip_metadata(v) for k, v in value.items() if k not in RUN_METADATA}
    if isinstance(value, list):
        return [_strip_metadata(v) for v in value]
    return value


def _renamed(value: object, renames: dict[str, str]) -> object:
    """JSON with the keys in ``renames`` renamed (at any depth)."""
    if isinstance(value, dict):
        return {renames.get(k, k): _renamed(v, renames) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, renames) for v in value]
    return value


def _json_differences(path: str, a: object, b: object) -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                yield f"{path}.{key}: only in {'after' if key not in a else 'before'}"
            else:
                yield from _json_differences(f"{path}.{key}", a[key], b[key])
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f"{path}: {len(a)} items before, {len(b)} after"
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            yield from _json_differences(f"{path}[{i}]", x, y)
    elif a != b:
        yield f"{path}: {a!r} before, {b!r} after"


def _cell_outputs(notebook: Path, pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Per code cell, its comparable outputs as normalised strings."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    result: list[list[str]] = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        outputs: list[str] = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                outputs.append(f"stream:{_normalise(''.join(output.get('text', '')), pairs)}")
                continue
            data = output.get("data", {})
            for mime in TEXT_MIMES:
                if mime in data:
                    raw = data[mime]
                    text = raw if isinstance(raw, str) else "".join(raw) if isinstance(raw, list) else None
                    text = json.dumps(raw, sort_keys=True) if text is None else text
                    outputs.append(f"{mime}:{_normalise(text, pairs)}")
            if "image/png" in data:
                outputs.append("image/png")
            if output.get("output_type") == "error":
                outputs.append(f"error:{output.get('ename')}: {output.get('evalue')}")
        result.append(outputs)
    return result


def report_differences(before: Path, after: Path, renames: dict[str, str] | None = None) -> Iterator[str]:
    """Every difference between two report folders, as one line each (``renames``: key OLD of the before
    side compared as key NEW)."""
    pairs_a, pairs_b = _placeholders(before), _placeholders(after)
    names_a = {p.relative_to(before).as_posix() for p in before.rglob("*") if p.suffix in {".json", ".ipynb"}}
    names_b = {p.relative_to(after).as_posix() for p in after.rglob("*") if p.suffix in {".json", ".ipynb"}}
    names_a.discard("run.json")
    names_b.discard("run.json")
    for name in sorted(names_a ^ names_b):
        yield f"{name}: only in {'before' if name in names_a else 'after'}"
    for name in sorted(names_a & names_b):
        a_path, b_path = before / name, after / name
        if name.endswith(".json"):
            a = _strip_metadata(_renamed(json.loads(_normalise(a_path.read_text(encoding="utf-8"), pairs_a)),
                                         renames or {}))
            b = _strip_metadata(json.loads(_normalise(b_path.read_text(encoding="utf-8"), pairs_b)))
            yield from _json_differences(name, a, b)
            continue
        cells_a, cells_b = _cell_outputs(a_path, pairs_a), _cell_outputs(b_path, pairs_b)
        if len(cells_a) != len(cells_b):
            yield f"{name}: {len(cells_a)} code cells before, {len(cells_b)} after"
        for i, (x, y) in enumerate(zip(cells_a, cells_b, strict=False)):
            if x != y:
                yield f"{name}: code cell {i} outputs differ"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--limit", type=int, default=50, help="print at most this many differences")
    parser.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                        help="a JSON key renamed on purpose: compare the before side's OLD as NEW (repeatable)")
    args = parser.parse_args(argv)
    pairs = [r.split("=", 1) for r in args.rename]
    if any(len(p) != 2 or not p[0] or not p[1] for p in pairs):
        parser.error("--rename takes OLD=NEW")
    renames = {old: new for old, new in pairs}
    differences = list(report_differences(args.before, args.after, renames))
    for line in differences[: args.limit]:
        print(line)  # noqa: T201 - a command-line tool
    notebooks = len(list(args.before.glob("*.ipynb")))
    artifacts = len([p for p in args.before.rglob("*.json") if p.name != "run.json"])
    print(  # noqa: T201
        f"{len(differences)} differences over {notebooks} notebooks and {artifacts} JSON artifacts"
        + (f" (keys renamed on purpose: {', '.join(f'{o} → {n}' for o, n in renames.items())})" if renames else "")
    )
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
