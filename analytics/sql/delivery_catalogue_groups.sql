-- Services or teams ($by) of the service catalogue in scope ($service, $team; NULL = all), so that
-- per-group delivery tables also list the groups that did not deploy (their metrics are NULL, never
-- a bucket). Any other $by gives no rows.
SELECT DISTINCT CASE $by WHEN 'service' THEN service WHEN 'team' THEN coalesce(team, '(no team)') END AS group_value
FROM services
WHERE $by IN ('service', 'team')
  AND ($service IS NULL OR service = $service)
  AND ($team IS NULL OR team = $team)
ORDER BY group_value
