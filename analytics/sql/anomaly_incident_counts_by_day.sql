-- Incidents created per UTC day in [$start, $end), per service and team (NULL shown as
-- '(none)'). Days without incidents are absent; the caller fills them with 0 inside the data window.
SELECT created_at::DATE AS day,
       coalesce(service, '(none)') AS service,
       coalesce(team, '(none)') AS team,
       count(*) AS incidents
FROM incidents
WHERE created_at >= $start AND created_at < $end
GROUP BY ALL
ORDER BY day, service, team
