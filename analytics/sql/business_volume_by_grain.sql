-- The volume side of unit cost: per time bucket ($grain 'day' or 'month') and dimension of the
-- business metric $metric over [$start, $end), Σ value and the number of days it was reported. One
-- row per bucket and dimension the metric reports; the cost side is cost_by_tag_by_grain.sql.
SELECT date_trunc($grain, date)::DATE AS bucket_start,
       dimension,
       sum(value) AS volume,
       count(DISTINCT date) AS volume_days
FROM business_metrics
WHERE metric = $metric AND date >= $start::DATE AND date < $end::DATE
GROUP BY ALL
ORDER BY bucket_start, dimension
