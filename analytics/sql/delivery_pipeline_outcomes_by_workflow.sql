-- Pipeline runs started in [$period_start, $period_end) per repository and workflow, in scope
-- ($service, $team — the run's, else the catalogue owner —, $repo; NULL = all): completed runs by
-- outcome. Pipeline success rate = succeeded / (succeeded + failed); cancelled, skipped, neutral,
-- action_required and stale runs are neither (reported as excluded), runs still going are not completed.
SELECT coalesce(p.repo, '(no repo)') AS repo,
       coalesce(p.workflow, '(no workflow)') AS workflow,
       bool_or(p.is_deployment) AS deploys,
       count(*)::BIGINT AS runs,
       count(*) FILTER (WHERE p.status = 'completed')::BIGINT AS completed,
       count(*) FILTER (WHERE p.conclusion = 'success')::BIGINT AS succeeded,
       count(*) FILTER (WHERE p.conclusion IN ('failure', 'timed_out', 'startup_failure'))::BIGINT AS failed,
       count(*) FILTER (WHERE p.conclusion IN ('cancelled', 'skipped', 'neutral', 'action_required', 'stale'))::BIGINT
           AS excluded
FROM pipeline_runs AS p
LEFT JOIN services AS s ON s.service = p.service
WHERE p.started_at >= $period_start AND p.started_at < $period_end
  AND ($service IS NULL OR p.service = $service)
  AND ($team IS NULL OR coalesce(p.team, s.team) = $team)
  AND ($repo IS NULL OR p.repo = $repo)
GROUP BY ALL
ORDER BY repo, workflow
