-- 0009 export kinds (issue 13 points 7-11).
-- Cost quarantine that still reconciles: a cost row set aside with --quarantine keeps its billing
-- period, currency, provider and raw amounts, so loaded + quarantined = source total per billing
-- period (docs/cost-loaders.md, "Quarantine").

ALTER TABLE ingest_quarantine ADD COLUMN data_file VARCHAR;
ALTER TABLE ingest_quarantine ADD COLUMN billing_period_start TIMESTAMPTZ;
ALTER TABLE ingest_quarantine ADD COLUMN billing_currency VARCHAR;
ALTER TABLE ingest_quarantine ADD COLUMN provider VARCHAR;
ALTER TABLE ingest_quarantine ADD COLUMN billed_cost DECIMAL(38, 18);
ALTER TABLE ingest_quarantine ADD COLUMN effective_cost DECIMAL(38, 18);

COMMENT ON COLUMN ingest_quarantine.data_file IS 'Name of the data file the row came from (one delivery may have several parts).';
COMMENT ON COLUMN ingest_quarantine.billing_period_start IS 'Cost rows: the billing period the row names (NULL when it is unreadable); the period its amounts count towards in reconciliation.';
COMMENT ON COLUMN ingest_quarantine.billing_currency IS 'Cost rows: the billing currency the row names, as written.';
COMMENT ON COLUMN ingest_quarantine.provider IS 'Cost rows: the provider (ProviderName) the row names.';
COMMENT ON COLUMN ingest_quarantine.billed_cost IS 'Cost rows: BilledCost of the row at source precision (NULL when not a number); source total = loaded + quarantined per billing period.';
COMMENT ON COLUMN ingest_quarantine.effective_cost IS 'Cost rows: EffectiveCost of the row at source precision (NULL when not a number).';
