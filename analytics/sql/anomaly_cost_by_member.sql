-- Daily EffectiveCost of the judged rows inside anomaly scopes, split by a member dimension, for
-- many requests at once (one read of the cost rows for every root cause of a period, instead of
-- one statement per finding and dimension). Request i (the i-th entry of every $request_* list)
-- asks for the rows charged in [$request_start[i], $request_end[i]) whose provider, service,
-- account, region, usage type and tag (the value of $tag_key) equal the request's ('' = any: a
-- member is never blank, and the lists hold no NULL, which BigQuery's array parameters cannot),
-- split by $request_member_dim[i]: resource (ResourceId), account, region, usage_type, tag (the
-- value of $tag_key) or annotation_tag (the value of $annotation_tag_key). One row per request,
-- member and day that has rows from $request_finding_start[i] on (the finding's days, day set); the
-- baseline days before it come summed per weekday, one row per request, member and baseline_slot
-- (days since the request's start, mod 7; day NULL): the attribution only uses a member's weekday
-- shares of the baseline (analytics.anomalies.cost.contributions), and this keeps 28 baseline days
-- from coming back as 28 rows per member from an engine. Judged rows and members: the cost_judged_rows macro
-- (migration 0011), as in anomaly_cost_by_day.sql.
-- Requests with a service join the rows on (provider, service), provider-wide ones on provider,
-- total ones on nothing, so each row meets only the requests it can belong to.
WITH requests AS (
    SELECT unnest($request_id::INTEGER[]) AS request,
           unnest($request_member_dim::VARCHAR[]) AS member_dim,
           nullif(unnest($request_provider::VARCHAR[]), '') AS provider,
           nullif(unnest($request_service::VARCHAR[]), '') AS service,
           nullif(unnest($request_account::VARCHAR[]), '') AS account,
           nullif(unnest($request_region::VARCHAR[]), '') AS region,
           nullif(unnest($request_usage_type::VARCHAR[]), '') AS usage_type,
           nullif(unnest($request_tag::VARCHAR[]), '') AS tag,
           unnest($request_start::DATE[]) AS start_day,
           unnest($request_end::DATE[]) AS end_day,
           unnest($request_finding_start::DATE[]) AS finding_start
),
judged AS (
    SELECT j.day, j.provider, j.service, j.account, j.region, j.usage_type, j.tag,
           cost_dimension_value('tag', annotation_tag.tag_value, j) AS annotation_tag,
           coalesce(nullif(trim(j.ResourceId), ''), '(no resource id)') AS resource,
           j.EffectiveCost
    FROM cost_judged_rows((SELECT min(start_day) FROM requests)::TIMESTAMPTZ,
                          (SELECT max(end_day) FROM requests)::TIMESTAMPTZ, $tag_key::VARCHAR) AS j
    LEFT JOIN cost_tags AS annotation_tag
           ON annotation_tag.Tags = j.Tags AND annotation_tag.tag_key = $annotation_tag_key::VARCHAR
),
matched AS (
    SELECT r.*, j.day, j.account AS j_account, j.region AS j_region, j.usage_type AS j_usage_type,
           j.tag AS j_tag, j.annotation_tag AS j_annotation_tag, j.resource AS j_resource, j.EffectiveCost
    FROM judged AS j JOIN requests AS r ON r.provider = j.provider AND r.service = j.service
    UNION ALL
    SELECT r.*, j.day, j.account, j.region, j.usage_type, j.tag, j.annotation_tag, j.resource, j.EffectiveCost
    FROM judged AS j JOIN requests AS r ON r.provider = j.provider AND r.service IS NULL
    UNION ALL
    SELECT r.*, j.day, j.account, j.region, j.usage_type, j.tag, j.annotation_tag, j.resource, j.EffectiveCost
    FROM judged AS j JOIN requests AS r ON r.provider IS NULL
)
SELECT request,
       CASE member_dim WHEN 'resource' THEN j_resource WHEN 'account' THEN j_account WHEN 'region' THEN j_region
                       WHEN 'usage_type' THEN j_usage_type WHEN 'tag' THEN j_tag ELSE j_annotation_tag END AS member,
       CASE WHEN day >= finding_start THEN day END AS day,
       CASE WHEN day < finding_start THEN datediff('day', start_day, day) % 7 END AS baseline_slot,
       sum(EffectiveCost)::DOUBLE AS cost
FROM matched
WHERE day >= start_day AND day < end_day
  AND (account IS NULL OR j_account = account)
  AND (region IS NULL OR j_region = region)
  AND (usage_type IS NULL OR j_usage_type = usage_type)
  AND (tag IS NULL OR j_tag = tag)
GROUP BY ALL
ORDER BY request, member, baseline_slot NULLS LAST, day
