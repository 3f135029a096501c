-- Σ EffectiveCost (and BilledCost) per time bucket of grain $grain ('day', 'week' = ISO week
-- starting Monday, 'month') and per value of one dimension, for rows whose ChargePeriodStart lies
-- in [$start, $end). Every bucket touching the window appears for every value seen in it (0 where
-- none); buckets cut by the window are flagged partial. Corrections (ChargeClass = 'Correction')
-- are kept out of effective_cost and billed_cost and reported in their own column, corrections
-- (their EffectiveCost).
-- Dimension, scope and window: the cost_dimension_value and cost_in_scope macros (migration 0006).
WITH scoped AS (
    SELECT date_trunc($grain, ChargePeriodStart) AS bucket_start,
           EffectiveCost,
           BilledCost,
           coalesce(ChargeClass = 'Correction', false) AS is_correction,
           cost_dimension_value($dimension, dimension_tag.tag_value, cost_row) AS value
    FROM cost_in_scope($start, $end, $provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
         AS cost_row
         LEFT JOIN cost_tags AS dimension_tag
                ON dimension_tag.Tags = cost_row.Tags AND dimension_tag.tag_key = $dimension_tag_key
),
buckets AS (
    -- one branch per grain: a sequence has one step type, and a day step and a month step differ
    SELECT t.bucket_start, t.bucket_start + INTERVAL 1 DAY AS bucket_end
    FROM unnest(generate_series(date_trunc('day', $start::TIMESTAMPTZ), $end::TIMESTAMPTZ - INTERVAL 1 SECOND,
                                INTERVAL 1 DAY)) AS t(bucket_start)
    WHERE $grain = 'day'
    UNION ALL
    SELECT t.bucket_start, t.bucket_start + INTERVAL 7 DAY AS bucket_end
    FROM unnest(generate_series(date_trunc('week', $start::TIMESTAMPTZ), $end::TIMESTAMPTZ - INTERVAL 1 SECOND,
                                INTERVAL 7 DAY)) AS t(bucket_start)
    WHERE $grain = 'week'
    UNION ALL
    SELECT t.bucket_start, t.bucket_start + INTERVAL 1 MONTH AS bucket_end
    FROM unnest(generate_series(date_trunc('month', $start::TIMESTAMPTZ), $end::TIMESTAMPTZ - INTERVAL 1 SECOND,
                                INTERVAL 1 MONTH)) AS t(bucket_start)
    WHERE $grain NOT IN ('day', 'week')
),
vals AS (SELECT DISTINCT value FROM scoped),
summed AS (
    SELECT bucket_start,
           value,
           coalesce(sum(EffectiveCost) FILTER (WHERE NOT is_correction), 0) AS effective_cost,
           coalesce(sum(EffectiveCost) FILTER (WHERE is_correction), 0) AS corrections,
           coalesce(sum(BilledCost) FILTER (WHERE NOT is_correction), 0) AS billed_cost,
           count(*) AS rows
    FROM scoped
    GROUP BY ALL
)
SELECT b.bucket_start::DATE AS bucket_start,
       b.bucket_end::DATE AS bucket_end,
       v.value,
       coalesce(s.effective_cost, 0)::DECIMAL(38, 10) AS effective_cost,
       coalesce(s.corrections, 0)::DECIMAL(38, 10) AS corrections,
       coalesce(s.billed_cost, 0)::DECIMAL(38, 10) AS billed_cost,
       coalesce(s.rows, 0)::BIGINT AS rows,
       (b.bucket_start < $start::TIMESTAMPTZ OR b.bucket_end > $end::TIMESTAMPTZ) AS partial
FROM buckets b
CROSS JOIN vals v
LEFT JOIN summed s ON s.bucket_start = b.bucket_start AND s.value = v.value
ORDER BY b.bucket_start, v.value
