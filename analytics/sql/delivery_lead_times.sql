-- Lead time for changes: one row per (deployment, commit) pair for the successful deployments with
-- deployed_at in [$period_start, $period_end) in scope (as in delivery_deployments.sql), joined to
-- the changes that deployment first shipped (changes.deployment_id). Deployments are de-duplicated
-- by source id and pairs by (deployment, commit sha) — the same commit loaded from two sources
-- counts once — before anything is measured. lead_minutes = deployed_at − committed_at in minutes
-- (not truncated); values <= 0 (automated or clock-skewed commits) are kept here and excluded by
-- the metric, which reports how many.
WITH scoped AS (
    SELECT * FROM deployments_labelled($period_start, $period_end, $service, $team, $repo, $environment)
)
SELECT d.deployment_id, d.service, d.team, d.repo, d.environment, d.deployed_at,
       c.change_id, c.commit_sha, c.committed_at,
       epoch(d.deployed_at - c.committed_at) / 60.0 AS lead_minutes
FROM scoped AS d
JOIN changes AS c ON c.deployment_id = d.deployment_id
QUALIFY row_number() OVER (PARTITION BY d.deployment_id, c.commit_sha ORDER BY c.committed_at, c.change_id) = 1
ORDER BY d.deployed_at, d.deployment_id, c.commit_sha
