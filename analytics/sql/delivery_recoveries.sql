-- Failed-deployment recovery: one row per incident created in [$period_start, $period_end) that is
-- linked to a successful deployment in scope (deployed at any time; scope and links as in
-- delivery_deployments.sql), canceled incidents left out. The clock starts when the incident starts
-- (created_at — fourkeys #119: not at the deployment) and stops at its resolve time (the vendor's
-- seconds_to_resolve when given), in minutes. still_open marks incidents without a resolve time
-- (right-censored: counted, left out of the quantiles). An incident linked to several deployments
-- is attributed to the earliest.
WITH scoped AS (
    SELECT d.deployment_id, d.commit_sha, d.deployed_at,
           coalesce(d.service, '(no service)') AS service,
           coalesce(d.owner_team, '(no team)') AS team,
           coalesce(d.repo, '(no repo)') AS repo,
           coalesce(d.environment, '(no environment)') AS environment
    FROM deployments_in_scope(NULL, NULL, $service, $team, $repo, $environment) AS d
),
live AS (
    SELECT DISTINCT incident_id, deployment_id, change_id FROM incidents
    WHERE incident_is_live(status) AND created_at >= $period_start AND created_at < $period_end
),
links AS (
    SELECT incident_id, deployment_id FROM live WHERE deployment_id IS NOT NULL
    UNION
    SELECT l.incident_id, d.deployment_id FROM live AS l JOIN scoped AS d ON d.commit_sha = l.change_id
    UNION
    SELECT l.incident_id, c.deployment_id FROM live AS l JOIN changes AS c ON c.commit_sha = l.change_id
    WHERE c.deployment_id IS NOT NULL
),
first_link AS (
    SELECT l.incident_id, d.deployment_id, d.service, d.team, d.repo, d.environment
    FROM links AS l JOIN scoped AS d ON d.deployment_id = l.deployment_id
    QUALIFY row_number() OVER (PARTITION BY l.incident_id ORDER BY d.deployed_at, d.deployment_id) = 1
)
SELECT i.incident_id, f.deployment_id, f.service, f.team, f.repo, f.environment, i.severity, i.created_at,
       i.resolved_at,
       incident_minutes_to_resolve(i) AS minutes_to_recover,
       incident_seconds_to_resolve(i) IS NULL AS still_open
FROM incidents AS i
JOIN first_link AS f ON f.incident_id = i.incident_id
ORDER BY i.created_at, i.incident_id
