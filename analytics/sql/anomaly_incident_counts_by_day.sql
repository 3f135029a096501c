-- Incidents created per UTC day in [$start, $end), per service and team (a NULL or blank service or
-- team is the member '(not set)', as cost members are). Days without incidents are absent; the caller fills them with 0 inside the data window.
SELECT created_at::DATE AS day,
       coalesce(nullif(trim(service), ''), '(not set)') AS service,
       coalesce(nullif(trim(team), ''), '(not set)') AS team,
       count(*) AS incidents
FROM incidents
WHERE created_at >= $start AND created_at < $end
GROUP BY ALL
ORDER BY day, service, team
