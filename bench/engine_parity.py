"""Every cost statement on DuckDB and on Spark local over one large FOCUS table: times, rows returned,
and whether every result is equal (issue 11).

The table is the demo's FOCUS export repeated until it has ``--rows`` rows (default 10M); each copy
gets its own SubAccountId and ResourceId suffix, so dimension values multiply like a larger estate's.
DuckDB runs the composed statements (analytics.engines.compose: the macros expanded) over the parquet
file; Spark runs the translated statements through :class:`analytics.engines.spark.SparkEngine`. The
ratio Spark / DuckDB is printed for information (2 shared cores); equality and rows returned are the
point. Usage::

    python bench/engine_parity.py --warehouse data/warehouse.duckdb --rows 10000000
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

import analytics
from analytics.engines import engine_statements
from analytics.engines.compose import composed_duckdb_sql
from analytics.engines.spark import SparkEngine, local_session
from analytics.periods import latest_full_quarter
from analytics.sources.cost.focus_export import export_focus
from analytics.sql import parameters_of


def _params(quarter_start: datetime, quarter_end: datetime, previous_start: datetime) -> dict[str, Any]:
    return dict(start=quarter_start, end=quarter_end, a_start=previous_start, a_end=quarter_start,
                b_start=quarter_start, b_end=quarter_end, as_of_end=quarter_end, rate_start=previous_start,
                rate_end=quarter_end, provider=None, service=None, account=None, region=None, filter_tag_key=None,
                filter_tag_value=None, dimension="ServiceName", dimension_tag_key=None, tag_key="team", grain="day",
                shared_values=["platform"], shared_services=[], cost_tag_key="service", member_dim="account",
                member_tag_key="team", usage_type=None, tag=None,
                # anomaly_cost_by_member's batched requests ('' = any): provider-wide by account, one service
                # by tag, the whole estate by the annotation tag
                request_id=[0, 1, 2], request_member_dim=["account", "tag", "annotation_tag"],
                request_provider=["AWS", "AWS", ""], request_service=["", "Amazon Elastic Compute Cloud", ""],
                request_account=["", "", ""], request_region=["", "", ""], request_usage_type=["", "", ""],
                request_tag=["", "", ""], request_start=[quarter_start.date()] * 3,
                request_end=[quarter_end.date()] * 3,
                request_finding_start=[quarter_start.date() + timedelta(days=28)] * 3, annotation_tag_key="service")


def _same(a: list[tuple], b: list[tuple]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) or isinstance(v, float):
                if u is None or v is None or not math.isclose(float(u), float(v), rel_tol=0, abs_tol=1e-6):
                    return False
            elif u != v:
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", required=True, help="a warehouse with cost rows (e.g. the demo's)")
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="engine-parity-") as tmp:
        seed, big = Path(tmp) / "seed.parquet", Path(tmp) / "focus.parquet"
        con = analytics.connect(args.warehouse, read_only=True)
        export_focus(con, seed)
        (last,) = con.execute("SELECT max(ChargePeriodStart) FROM cost").fetchone()
        con.close()
        scratch = duckdb.connect()
        (n,) = scratch.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(seed)}).fetchone()
        copies = max(1, math.ceil(args.rows / n))
        scratch.execute(
            f"COPY (SELECT s.* REPLACE (s.SubAccountId || '-' || c AS SubAccountId, s.ResourceId || '-' || c AS "
            f"ResourceId) FROM read_parquet('{seed}') s, range({copies}) r(c) LIMIT {args.rows}) TO '{big}' "
            "(FORMAT parquet, ROW_GROUP_SIZE 1000000)")
        # Tags is JSON text in parquet; the warehouse's column is JSON, which the statements' MAP cast reads
        scratch.execute(f"CREATE VIEW cost AS SELECT * REPLACE (Tags::JSON AS Tags) FROM read_parquet('{big}')")
        quarter = latest_full_quarter(last.date())
        q_start, q_end = quarter.start_ts, quarter.end_ts
        p_start = quarter.previous().start_ts
        params = _params(q_start, q_end, p_start)
        engine = SparkEngine(table="focus_cost", session=local_session(), parquet=str(big))
        print(f"{args.rows:,} FOCUS rows ({copies} copies of {n:,}); quarter {quarter.label}")
        print(f"{'statement':45s} {'duckdb s':>9s} {'spark s':>9s} {'ratio':>7s} {'rows':>8s} equal")
        all_equal, total_rows = True, 0
        for name in engine_statements():
            sql = composed_duckdb_sql(name)
            started = time.perf_counter()
            want = scratch.execute(sql, {k: params[k] for k in parameters_of(sql)}).fetchall()
            duck_s = time.perf_counter() - started
            started = time.perf_counter()
            table = engine.run(name, params)
            spark_s = time.perf_counter() - started
            got = [tuple(r.values()) for r in table.to_pylist()]
            equal = _same(want, got)
            all_equal &= equal
            total_rows += table.num_rows
            print(f"{name:45s} {duck_s:9.2f} {spark_s:9.2f} {spark_s / max(duck_s, 1e-9):7.1f} {table.num_rows:8,d} "
                  f"{'yes' if equal else 'NO'}")
        totals = engine.totals()
        print(f"rows returned {total_rows:,}, bytes returned {totals['bytes_returned']:,}; "
              f"every result equal: {'yes' if all_equal else 'NO'} ({datetime.now(UTC):%Y-%m-%d})")
        engine.close()


if __name__ == "__main__":
    main()
