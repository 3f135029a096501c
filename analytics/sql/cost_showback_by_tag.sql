-- Showback inputs for the tag key $tag_key (a bound value): Σ EffectiveCost per bucket over rows
-- whose ChargePeriodStart lies in [$start, $end). kind is
--   'correction'  ChargeClass = 'Correction' (own line, never allocated),
--   'shared'      the row's tag value is in $shared_values or its ServiceName in $shared_services,
--   'direct'      the row carries a non-empty value of the tag (bucket = that value),
--   'unallocated' everything else (untagged cost is never dropped).
-- bucket is the tag value for 'direct' rows and what made a row shared (the tag value or the
-- ServiceName) for 'shared' rows, so the shared pool's make-up can be shown.
-- Money stays DECIMAL; the allocation itself is exact decimal arithmetic in Python.
-- Scope and window: the cost_in_scope macro (migrations 0006, 0010); the tag value is joined from
-- cost_tags (migration 0010).
WITH scoped AS (
    SELECT EffectiveCost,
           nullif(trim(showback_tag.tag_value), '') AS tag_value,
           coalesce(ChargeClass = 'Correction', false) AS is_correction,
           ServiceName
    FROM cost_in_scope($start, $end, $provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
         AS cost_row
         LEFT JOIN cost_tags AS showback_tag ON showback_tag.Tags = cost_row.Tags AND showback_tag.tag_key = $tag_key
),
classified AS (
    SELECT EffectiveCost,
           CASE
               WHEN is_correction THEN 'correction'
               WHEN list_contains($shared_values::VARCHAR[], tag_value)
                    OR list_contains($shared_services::VARCHAR[], ServiceName) THEN 'shared'
               WHEN tag_value IS NOT NULL THEN 'direct'
               ELSE 'unallocated'
           END AS kind,
           CASE
               WHEN list_contains($shared_values::VARCHAR[], tag_value) THEN tag_value
               ELSE ServiceName
           END AS shared_source,
           tag_value
    FROM scoped
)
SELECT kind,
       CASE kind WHEN 'direct' THEN tag_value WHEN 'shared' THEN shared_source END AS bucket,
       sum(EffectiveCost)::DECIMAL(38, 10) AS cost,
       count(*) AS rows
FROM classified
GROUP BY ALL
ORDER BY kind, bucket NULLS FIRST
