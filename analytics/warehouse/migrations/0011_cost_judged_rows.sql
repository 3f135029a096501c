-- 0011 cost judged rows: the one definition of "a cost row anomaly detection judges" and of its
-- members at every level of the cost hierarchy, read by anomaly_cost_by_day.sql (the daily series)
-- and anomaly_cost_by_member.sql (the root-cause splits), which each restated the filter and the six
-- member projections. A warehouse macro, like migration 0006's scope macros, because it reads cost and
-- cost_tags (DuckDB binds a table macro's tables when it is created: a TEMP macro over cost_tags could
-- not be installed on a warehouse from before migration 0010). Composed for the cost engines like the
-- other macros (analytics/engines/compose.py).
--
--   cost_judged_rows(p_start, p_end, p_tag_key)
--       Table macro: the cost rows charged in [p_start, p_end) that anomaly detection judges —
--       ChargeCategory = 'Usage', not a correction of a closed period, not a one-time or recurring
--       (scheduled) charge, not unused commitment; everything else is a scheduled or expected charge
--       (anomaly_scheduled_charges.sql) — each with its charge day and its member at every level:
--       provider, service, account, region, usage_type (x_UsageType) and tag (the value of tag
--       p_tag_key), by the cost_dimension_value macro (migrations 0006, 0010) as in every cost report:
--       a NULL or blank value is the member '(not set)', a missing or blank tag value '(untagged)' — a
--       member of its own, never a NULL; then every column of the cost row (c.*), for callers that split
--       further (resource, another tag).

CREATE OR REPLACE MACRO cost_judged_rows(p_start, p_end, p_tag_key) AS TABLE
    SELECT ChargePeriodStart::DATE AS day,
           cost_dimension_value('ProviderName', NULL, c) AS provider,
           cost_dimension_value('ServiceName', NULL, c) AS service,
           cost_dimension_value('SubAccountId', NULL, c) AS account,
           cost_dimension_value('RegionId', NULL, c) AS region,
           cost_dimension_value('x_UsageType', NULL, c) AS usage_type,
           cost_dimension_value('tag', level_tag.tag_value, c) AS tag,
           c.*
    FROM cost AS c
    LEFT JOIN cost_tags AS level_tag ON level_tag.Tags = c.Tags AND level_tag.tag_key = p_tag_key
    WHERE c.ChargePeriodStart >= p_start AND c.ChargePeriodStart < p_end
      AND c.ChargeCategory = 'Usage'
      AND c.ChargeClass IS DISTINCT FROM 'Correction'
      AND coalesce(c.ChargeFrequency, 'Usage-Based') NOT IN ('One-Time', 'Recurring')
      AND c.CommitmentDiscountStatus IS DISTINCT FROM 'Unused';

COMMENT ON MACRO TABLE cost_judged_rows IS 'Cost rows anomaly detection judges (usage; no correction, scheduled charge or unused commitment), charged in [p_start, p_end), with day and the member of each level (provider, service, account, region, usage_type, tag = value of p_tag_key; blank = ''(not set)'' / ''(untagged)'') and every cost column: the one definition anomaly_cost_by_day and anomaly_cost_by_member read.';
