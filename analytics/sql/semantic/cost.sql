-- Cost anomaly semantic layer: the one definition of "a cost row anomaly detection judges" and of its
-- members at every level of the cost hierarchy, which anomaly_cost_by_day.sql (the daily series) and
-- anomaly_cost_by_member.sql (the root-cause splits) build on. Installed as TEMP macros on every
-- warehouse connection, like incidents.sql; composes for the cost engines like migration 0006's macros
-- (analytics/engines/compose.py).
--
--   cost_judged_rows(p_start, p_end, p_tag_key)
--       table: the cost rows charged in [p_start, p_end) that anomaly detection judges —
--       ChargeCategory = 'Usage', not a correction of a closed period, not a one-time or recurring
--       (scheduled) charge, not unused commitment; everything else is a scheduled or expected charge
--       (anomaly_scheduled_charges.sql) — each with its charge day and its member at every level:
--       provider, service, account, region, usage_type (x_UsageType) and tag (the value of tag
--       p_tag_key), by the cost_dimension_value macro (migrations 0006, 0010) as in every cost report:
--       a NULL or blank value is the member '(not set)', a missing or blank tag value '(untagged)' — a
--       member of its own, never a NULL; then every column of the cost row (c.*), for callers that
--       split further (resource, another tag).

CREATE OR REPLACE TEMP MACRO cost_judged_rows(p_start, p_end, p_tag_key) AS TABLE
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
