-- The service catalogue: each service with its owning team and tier (tier1 = critical), by tier then name;
-- services without a tier come last.
SELECT service, team, tier
FROM services
ORDER BY tier NULLS LAST, service
