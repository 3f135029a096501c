-- One row per distinct successful deployment with deployed_at in [$period_start, $period_end) in scope
-- ($service, $team — the deployment's team, else the catalogue owner —, $repo, $environment; NULL = all),
-- with the incidents linked to it. Duplicate copies of one source deployment (same source and
-- source_id: replayed webhooks, overlapping exports — fourkeys #213/#383) are removed before any join.
-- An incident is linked to a deployment when it names it (incidents.deployment_id) or names a commit
-- it shipped (incidents.change_id = its head commit or one of its changes: fourkeys' root-cause
-- link); canceled incidents are left out. failed is TRUE when at least one incident is linked, so a
-- deployment linked to several incidents counts once (the change-failure-rate numerator).
WITH scoped AS (
    SELECT d.deployment_id, d.source, d.source_id,
           coalesce(d.service, '(no service)') AS service,
           coalesce(d.owner_team, '(no team)') AS team,
           coalesce(d.repo, '(no repo)') AS repo,
           coalesce(d.environment, '(no environment)') AS environment,
           d.deployed_at, d.commit_sha, d.is_rework, d.is_rollback
    FROM deployments_in_scope($period_start, $period_end, $service, $team, $repo, $environment) AS d
),
live AS (
    SELECT DISTINCT incident_id, deployment_id, change_id FROM incidents WHERE incident_is_live(status)
),
links AS (
    SELECT incident_id, deployment_id FROM live WHERE deployment_id IS NOT NULL
    UNION
    SELECT l.incident_id, d.deployment_id FROM live AS l JOIN scoped AS d ON d.commit_sha = l.change_id
    UNION
    SELECT l.incident_id, c.deployment_id FROM live AS l JOIN changes AS c ON c.commit_sha = l.change_id
    WHERE c.deployment_id IS NOT NULL
)
SELECT d.deployment_id, d.source, d.source_id, d.service, d.team, d.repo, d.environment, d.deployed_at,
       d.commit_sha, d.is_rework OR d.is_rollback AS rework, d.is_rollback,
       count(l.incident_id)::BIGINT AS linked_incidents,
       count(l.incident_id) > 0 AS failed
FROM scoped AS d
LEFT JOIN links AS l ON l.deployment_id = d.deployment_id
GROUP BY ALL
ORDER BY d.deployed_at, d.deployment_id
