-- Incident semantic layer: the one definition of each incident concept the statements in
-- analytics/sql/incident_*.sql, delivery_*.sql, anomaly_incident_*.sql and data_rows_by_domain.sql
-- build on (docs/metrics.md §0–§1). Installed as TEMP macros on every warehouse connection
-- (analytics.sql.semantic.install_semantic_layer), so changing a definition needs no migration.
-- DuckDB binds a table macro's tables when it is created: install after the migrations.
--
--   incident_is_live(p_status)            not canceled: the incidents every KPI counts.
--   incident_seconds_to_ack(p_row)        vendor-computed seconds when the source gives them, else
--                                         acknowledged_at − created_at; NULL if never acknowledged.
--   incident_seconds_to_resolve(p_row)    the same for resolve; NULL while unresolved.
--   incident_minutes_to_ack(p_row), incident_minutes_to_resolve(p_row)   the same in minutes.
--   incident_still_open(p_row)            no resolve time and not resolved/closed: right-censored.
--   incident_no_resolve_time(p_row)       resolved or closed, but without any resolve time.
--   incident_backfilled(p_row)            Statuspage history whose resolved_at = created_at: a zero
--                                         duration that was never measured.
--   incident_is_major(p_row)              SEV1–SEV2 (severity_rank <= 2; no severity: not major): the
--                                         "major incident" of the volume KPI and of the incident load.
--   incident_is_critical(p_row, p_tier)   a major incident of a service whose catalogue tier is p_tier
--                                         (tier1: the critical services); p_row needs service_tier,
--                                         i.e. a row of incident_facts() or incidents_in_scope().
--   incident_normalised_title(p_title)    lower case, hex runs of 8+ and tokens with a digit → '#',
--                                         whitespace collapsed (the repeat/failure-mode fallback key).
--   incident_repeat_key(p_row)            problem record, else de-duplication key (fingerprint),
--                                         else the normalised title (docs/metrics.md §1.3).
--   incident_facts()                      table: every live incident with owner_team (the
--                                         incident's team, else the catalogue owner) and service_tier.
--   incidents_in_scope_any_date(p_max_severity_rank, p_service, p_team)
--                                         table: incident_facts() within the severity floor
--                                         (NULL severity passes only when no floor is set, i.e.
--                                         p_max_severity_rank >= 5), the service and the owner team
--                                         (NULL = any).
--   incidents_in_scope(p_start, p_end, p_max_severity_rank, p_service, p_team)
--                                         table: the same, created in [p_start, p_end).
--   incident_deployment_links(p_start, p_end, p_deployed_start, p_deployed_end, p_service, p_team,
--                             p_repo, p_environment)
--                                         table (incident_id, deployment_id), distinct: a live
--                                         incident created in [p_start, p_end) is linked to a
--                                         deployment when it names it (incidents.deployment_id) or
--                                         names a commit it shipped (incidents.change_id = the head
--                                         commit of a deployment of
--                                         deployments_in_scope(p_deployed_start, p_deployed_end, …),
--                                         or a change whose changes.deployment_id is set: fourkeys'
--                                         root-cause link). NULL bounds: any time.
--   incident_bucket(p_unit, p_time)       p_time truncated to its 'week' (ISO, Monday) or 'month' (a CASE,
--                                         not date_trunc(p_unit, …): the date part stays a literal, so
--                                         analytics.engines.compose can inline the macro).
--   incident_counts_zero_filled(p_unit, p_step, p_start, p_end, p_max_severity_rank, p_service, p_team)
--                                         table (bucket_start, severity, severity_rank, incidents):
--                                         incidents_in_scope(p_start, p_end, …) counted per
--                                         incident_bucket(p_unit, created_at) (p_unit 'week' or
--                                         'month', p_step its length: INTERVAL 7 DAY, INTERVAL 1 MONTH)
--                                         and severity, with 0 for every bucket touching the period
--                                         and every severity in scope (SEV1 … the floor, and
--                                         'unknown', rank 6, when an incident in scope has none).
--
-- p_row is a row passed as its table alias (FROM incidents_in_scope(…) AS i … incident_minutes_to_ack(i)).
-- Macros bind at each call, and the arguments may be prepared parameters ($period_start…).

CREATE OR REPLACE TEMP MACRO incident_is_live(p_status) AS p_status IS DISTINCT FROM 'canceled';

CREATE OR REPLACE TEMP MACRO incident_seconds_to_ack(p_row) AS
    coalesce(p_row.seconds_to_first_ack, epoch(p_row.acknowledged_at - p_row.created_at));

CREATE OR REPLACE TEMP MACRO incident_seconds_to_resolve(p_row) AS
    coalesce(p_row.seconds_to_resolve, epoch(p_row.resolved_at - p_row.created_at));

CREATE OR REPLACE TEMP MACRO incident_minutes_to_ack(p_row) AS incident_seconds_to_ack(p_row) / 60.0;

CREATE OR REPLACE TEMP MACRO incident_minutes_to_resolve(p_row) AS incident_seconds_to_resolve(p_row) / 60.0;

CREATE OR REPLACE TEMP MACRO incident_still_open(p_row) AS
    (p_row.resolved_at IS NULL AND p_row.seconds_to_resolve IS NULL
     AND coalesce(p_row.status, 'open') NOT IN ('resolved', 'closed'));

CREATE OR REPLACE TEMP MACRO incident_no_resolve_time(p_row) AS
    (p_row.resolved_at IS NULL AND p_row.seconds_to_resolve IS NULL AND p_row.status IN ('resolved', 'closed'));

CREATE OR REPLACE TEMP MACRO incident_backfilled(p_row) AS
    (p_row.source = 'statuspage' AND p_row.seconds_to_resolve IS NULL AND p_row.resolved_at = p_row.created_at);

CREATE OR REPLACE TEMP MACRO incident_is_major(p_row) AS coalesce(p_row.severity_rank <= 2, FALSE);

CREATE OR REPLACE TEMP MACRO incident_is_critical(p_row, p_tier) AS
    (coalesce(p_row.service_tier = p_tier, FALSE) AND incident_is_major(p_row));

CREATE OR REPLACE TEMP MACRO incident_normalised_title(p_title) AS
    trim(regexp_replace(regexp_replace(regexp_replace(
        lower(p_title), '[0-9a-f]{8,}', '#', 'g'), '\b[a-z_]*[0-9][a-z0-9_]*\b', '#', 'g'), '\s+', ' ', 'g'));

CREATE OR REPLACE TEMP MACRO incident_repeat_key(p_row) AS
    CASE WHEN p_row.problem_id IS NOT NULL THEN 'problem:' || p_row.problem_id
         WHEN p_row.fingerprint IS NOT NULL THEN 'key:' || p_row.fingerprint
         WHEN p_row.title IS NOT NULL THEN 'title:' || incident_normalised_title(p_row.title)
    END;

CREATE OR REPLACE TEMP MACRO incident_facts() AS TABLE
    SELECT i.*, coalesce(i.team, s.team) AS owner_team, s.tier AS service_tier
    FROM incidents AS i
    LEFT JOIN services AS s ON s.service = i.service
    WHERE incident_is_live(i.status);

CREATE OR REPLACE TEMP MACRO incidents_in_scope_any_date(p_max_severity_rank, p_service, p_team) AS TABLE
    SELECT *
    FROM incident_facts()
    WHERE (severity_rank <= p_max_severity_rank OR (severity_rank IS NULL AND p_max_severity_rank >= 5))
      AND (p_service IS NULL OR service = p_service)
      AND (p_team IS NULL OR owner_team = p_team);

CREATE OR REPLACE TEMP MACRO incidents_in_scope(p_start, p_end, p_max_severity_rank, p_service, p_team) AS TABLE
    SELECT *
    FROM incidents_in_scope_any_date(p_max_severity_rank, p_service, p_team)
    WHERE created_at >= p_start AND created_at < p_end;

CREATE OR REPLACE TEMP MACRO incident_deployment_links(p_start, p_end, p_deployed_start, p_deployed_end, p_service,
                                                       p_team, p_repo, p_environment) AS TABLE
    WITH live AS (
        SELECT DISTINCT incident_id, deployment_id, change_id FROM incidents
        WHERE incident_is_live(status)
          AND (p_start IS NULL OR created_at >= p_start) AND (p_end IS NULL OR created_at < p_end)
    ),
    shipped AS (
        SELECT deployment_id, commit_sha
        FROM deployments_in_scope(p_deployed_start, p_deployed_end, p_service, p_team, p_repo, p_environment)
    )
    SELECT incident_id, deployment_id FROM live WHERE deployment_id IS NOT NULL
    UNION
    SELECT l.incident_id, d.deployment_id FROM live AS l JOIN shipped AS d ON d.commit_sha = l.change_id
    UNION
    SELECT l.incident_id, c.deployment_id FROM live AS l JOIN changes AS c ON c.commit_sha = l.change_id
    WHERE c.deployment_id IS NOT NULL;

CREATE OR REPLACE TEMP MACRO incident_bucket(p_unit, p_time) AS
    CASE p_unit WHEN 'week' THEN date_trunc('week', p_time) WHEN 'month' THEN date_trunc('month', p_time) END;

CREATE OR REPLACE TEMP MACRO incident_counts_zero_filled(p_unit, p_step, p_start, p_end, p_max_severity_rank, p_service,
                                                         p_team) AS TABLE
    WITH buckets AS (
        SELECT unnest(generate_series(incident_bucket(p_unit, p_start::TIMESTAMPTZ),
                                      p_end::TIMESTAMPTZ - INTERVAL 1 SECOND,
                                      p_step)) AS bucket_start
    ),
    scoped AS (
        SELECT incident_bucket(p_unit, i.created_at) AS bucket_start, coalesce(i.severity, 'unknown') AS severity
        FROM incidents_in_scope(p_start, p_end, p_max_severity_rank, p_service, p_team) AS i
    ),
    severities AS (
        SELECT 'SEV' || r AS severity, r AS severity_rank FROM range(1, p_max_severity_rank + 1) AS t(r)
        UNION ALL
        SELECT 'unknown', 6 WHERE EXISTS (SELECT 1 FROM scoped WHERE severity = 'unknown')
    ),
    counted AS (
        SELECT bucket_start, severity, count(*) AS incidents FROM scoped GROUP BY ALL
    )
    SELECT b.bucket_start, s.severity, s.severity_rank, coalesce(c.incidents, 0)::BIGINT AS incidents
    FROM buckets AS b
    CROSS JOIN severities AS s
    LEFT JOIN counted AS c ON c.bucket_start = b.bucket_start AND c.severity = s.severity;
