-- Σ EffectiveCost per value of one dimension in two windows, A = [$a_start, $a_end) and
-- B = [$b_start, $b_end), by ChargePeriodStart (accrual basis; docs/metrics.md §5).
-- The dimension value is the cost_dimension_value macro (migration 0006): $dimension is a bound
-- value naming an allow-listed column ('ProviderName', …), 'tag' (the value of the tag key
-- $dimension_tag_key, bound, never spliced into a JSON path) or 'total'; missing values become
-- '(untagged)' for a tag and '(not set)' for a column. Corrections to closed periods (ChargeClass =
-- 'Correction') are never mixed into a dimension value: they form their own line (is_correction).
-- Scope filters: the cost_in_scope_any_date macro (NULL means "any"); the two windows are bounded here.
WITH scoped AS (
    SELECT ChargePeriodStart,
           EffectiveCost,
           coalesce(ChargeClass = 'Correction', false) AS is_correction,
           cost_dimension_value($dimension, dimension_tag.tag_value, cost_row) AS dimension_value
    FROM cost_in_scope_any_date($provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
         AS cost_row
         LEFT JOIN cost_tags AS dimension_tag
                ON dimension_tag.Tags = cost_row.Tags AND dimension_tag.tag_key = $dimension_tag_key
    WHERE (ChargePeriodStart >= $a_start AND ChargePeriodStart < $a_end)
       OR (ChargePeriodStart >= $b_start AND ChargePeriodStart < $b_end)
)
SELECT CASE WHEN is_correction THEN '(corrections)' ELSE dimension_value END AS value,
       is_correction,
       coalesce(sum(EffectiveCost) FILTER (WHERE ChargePeriodStart >= $a_start AND ChargePeriodStart < $a_end),
                0)::DECIMAL(38, 10) AS cost_a,
       coalesce(sum(EffectiveCost) FILTER (WHERE ChargePeriodStart >= $b_start AND ChargePeriodStart < $b_end),
                0)::DECIMAL(38, 10) AS cost_b,
       count(*) FILTER (WHERE ChargePeriodStart >= $a_start AND ChargePeriodStart < $a_end) AS rows_a,
       count(*) FILTER (WHERE ChargePeriodStart >= $b_start AND ChargePeriodStart < $b_end) AS rows_b
FROM scoped
GROUP BY ALL
ORDER BY is_correction, cost_b DESC, cost_a DESC, value
