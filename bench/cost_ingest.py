"""Benchmark: ingest a generated CUR 2.0 parquet export into the FOCUS ``cost`` table.

    python bench/cost_ingest.py [--rows N] [--out DIR]

Generates a CUR 2.0 parquet file with N line items (default 10,000,000; MAP columns
``resource_tags``, ``product``, ``cost_category``, ``discount`` included; Savings Plan, RI, tax and
credit lines mixed in), then, each in a fresh subprocess writing a fresh warehouse file in DIR:

1. the baseline: DuckDB's bare ``CREATE TABLE t AS SELECT * FROM read_parquet(…)``;
2. ``opsreview ingest aws-cur FILE`` (validation, exact source totals, FOCUS mapping in SQL,
   insert, billing-period replacement and reconciliation, in one transaction).

Prints both times, their ratio (target ≤ 2× at 10M rows) and each subprocess's peak RSS
(``getrusage(RUSAGE_SELF).ru_maxrss``; target ≤ 1.5 GiB).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

GIB = 1024**3


def generate(path: Path, rows: int) -> None:
    """Write a CUR 2.0 parquet file of ``rows`` line items with DuckDB (deterministic)."""
    types = "['Usage','Usage','Usage','Usage','Usage','Usage','SavingsPlanCoveredUsage','DiscountedUsage'," \
            "'Usage','Tax','SavingsPlanNegation','Credit','RIFee','SavingsPlanRecurringFee','Usage','Usage']"
    sql = f"""
    COPY (
      WITH g AS (SELECT i, hash(i) AS h, {types}[1 + (hash(i * 7) % 16)::INTEGER] AS t FROM range({rows}) r(i))
      SELECT
        md5(i::VARCHAR) AS identity_line_item_id,
        '2026-07-01T00:00:00Z/2026-08-01T00:00:00Z' AS identity_time_interval,
        'INV-2026-07' AS bill_invoice_id,
        'Amazon Web Services, Inc.' AS bill_invoicing_entity,
        'AWS' AS bill_billing_entity,
        'Anniversary' AS bill_bill_type,
        '123456789012' AS bill_payer_account_id,
        'Payer' AS bill_payer_account_name,
        TIMESTAMP '2026-07-01' AS bill_billing_period_start_date,
        TIMESTAMP '2026-08-01' AS bill_billing_period_end_date,
        lpad((100000000000 + h % 40)::VARCHAR, 12, '0') AS line_item_usage_account_id,
        'account-' || (h % 40)::VARCHAR AS line_item_usage_account_name,
        t AS line_item_line_item_type,
        TIMESTAMP '2026-07-01' + INTERVAL (h % 744) HOUR AS line_item_usage_start_date,
        TIMESTAMP '2026-07-01' + INTERVAL (h % 744 + 1) HOUR AS line_item_usage_end_date,
        ['AmazonEC2','AmazonS3','AmazonRDS','AWSLambda','AmazonCloudFront'][1 + (h % 5)::INTEGER]
          AS line_item_product_code,
        'USE1-BoxUsage:m5.large' AS line_item_usage_type,
        'RunInstances' AS line_item_operation,
        'us-east-1a' AS line_item_availability_zone,
        'arn:aws:ec2:us-east-1:123456789012:instance/i-' || (h % 100000)::VARCHAR AS line_item_resource_id,
        ((h % 1000) / 100.0)::DOUBLE AS line_item_usage_amount,
        'USD' AS line_item_currency_code,
        0.096::DOUBLE AS line_item_unblended_rate,
        CASE WHEN t = 'SavingsPlanNegation' THEN -((h % 10000) / 1000.0) WHEN t = 'Credit' THEN -1.5
             WHEN t = 'DiscountedUsage' THEN 0 ELSE (h % 10000) / 1000.0 END::DOUBLE AS line_item_unblended_cost,
        'usage line ' || t AS line_item_line_item_description,
        'us-east-1' AS product_region_code,
        'US East (N. Virginia)' AS product_location,
        'SKU' || (h % 500)::VARCHAR AS product_sku,
        'Compute Instance' AS product_product_family,
        MAP {{'product_name': 'Amazon Elastic Compute Cloud', 'instance_type': 'm5.large'}} AS product,
        ((h % 12000) / 1000.0)::DOUBLE AS pricing_public_on_demand_cost,
        0.096::DOUBLE AS pricing_public_on_demand_rate,
        'OnDemand' AS pricing_term,
        'Hrs' AS pricing_unit,
        'RATE' || (h % 97)::VARCHAR AS pricing_rate_id,
        CASE WHEN t IN ('DiscountedUsage', 'RIFee') THEN 'arn:aws:rds:us-east-1:123456789012:ri:r1' END
          AS reservation_reservation_a_r_n,
        CASE WHEN t = 'DiscountedUsage' THEN (h % 9000) / 1000.0 END::DOUBLE AS reservation_effective_cost,
        CASE WHEN t = 'RIFee' THEN 0.25 END::DOUBLE AS reservation_unused_amortized_upfront_fee_for_billing_period,
        CASE WHEN t = 'RIFee' THEN 0.5 END::DOUBLE AS reservation_unused_recurring_fee,
        CASE WHEN t LIKE 'SavingsPlan%' THEN 'arn:aws:savingsplans::123456789012:savingsplan/sp1' END
          AS savings_plan_savings_plan_a_r_n,
        CASE WHEN t = 'SavingsPlanCoveredUsage' THEN (h % 7000) / 1000.0 END::DOUBLE
          AS savings_plan_savings_plan_effective_cost,
        CASE WHEN t = 'SavingsPlanRecurringFee' THEN 10.0 END::DOUBLE AS savings_plan_total_commitment_to_date,
        CASE WHEN t = 'SavingsPlanRecurringFee' THEN 8.0 END::DOUBLE AS savings_plan_used_commitment,
        CASE WHEN h % 5 = 0 THEN MAP {{}}::MAP(VARCHAR, VARCHAR)
             ELSE MAP {{'user_team': 'team-' || (h % 12)::VARCHAR, 'user_service': 'svc-' || (h % 30)::VARCHAR}}
        END AS resource_tags,
        MAP {{'business_unit': 'bu-' || (h % 4)::VARCHAR}} AS cost_category,
        CASE WHEN h % 9 = 0 THEN MAP {{'edp_discount': -0.01}} ELSE MAP {{}}::MAP(VARCHAR, DOUBLE) END AS discount
      FROM g
    ) TO '{path}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)
    """
    con = duckdb.connect()
    try:
        con.execute(sql)
    finally:
        con.close()


def _child_baseline(parquet: str, warehouse: str) -> dict[str, float]:
    """Time DuckDB's bare CTAS from the parquet file into a fresh database file."""
    con = duckdb.connect(warehouse)
    began = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{parquet}')")
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - began
    con.close()
    return {"seconds": seconds}


def _child_ingest(parquet: str, warehouse: str) -> dict[str, float]:
    """Time the aws-cur ingest of the parquet file into a fresh warehouse file."""
    import analytics
    from analytics.sources import ingest

    con = analytics.connect(warehouse)
    began = time.perf_counter()
    result = ingest(con, "aws-cur", [parquet])[0]
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - began
    con.close()
    return {"seconds": seconds, "rows": result.rows_loaded}


def _run_child(mode: str, parquet: Path, warehouse: Path) -> dict[str, float]:
    """Run one measurement in a fresh interpreter; return its timings and peak RSS."""
    warehouse.unlink(missing_ok=True)
    Path(f"{warehouse}.wal").unlink(missing_ok=True)
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(parquet), str(warehouse)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Generate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="CUR line items to generate")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="folder for the generated files")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PARQUET", "WAREHOUSE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, parquet, warehouse = args.child
        measured = (_child_baseline if mode == "baseline" else _child_ingest)(parquet, warehouse)
        measured["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps(measured))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    parquet = (args.out / f"cur2-{args.rows}.parquet").resolve()
    if not parquet.exists():
        began = time.perf_counter()
        generate(parquet, args.rows)
        print(f"generated {args.rows:,} CUR 2.0 line items in {time.perf_counter() - began:.1f} s "
              f"({parquet.stat().st_size / 1024**2:.0f} MiB): {parquet}")
    baseline = _run_child("baseline", parquet, args.out / "baseline.duckdb")
    ingest = _run_child("ingest", parquet, args.out / "warehouse.duckdb")
    ratio = ingest["seconds"] / baseline["seconds"]
    print(f"rows:                 {int(ingest['rows']):,}")
    print(f"baseline CTAS:        {baseline['seconds']:.2f} s, peak RSS {baseline['peak_rss_bytes'] / GIB:.2f} GiB")
    print(f"aws-cur ingest:       {ingest['seconds']:.2f} s, peak RSS {ingest['peak_rss_bytes'] / GIB:.2f} GiB")
    print(f"ratio ingest / CTAS:  {ratio:.2f}x (target <= 2x at 10M rows)")
    print(f"peak RSS of ingest:   {ingest['peak_rss_bytes'] / GIB:.2f} GiB (target <= 1.5 GiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
