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

-- FOCUS 1.3 Contract Commitment dataset (the 13-column companion file of Cost and Usage): the terms
-- of contracts agreed with a service provider, one row per contract commitment. Re-delivered
-- commitments replace the earlier row with the same ContractCommitmentId.
CREATE TABLE contract_commitments (
    ContractCommitmentId VARCHAR NOT NULL,
    ContractId VARCHAR NOT NULL,
    ContractCommitmentCategory VARCHAR NOT NULL CHECK (ContractCommitmentCategory IN ('Spend', 'Usage')),
    ContractCommitmentType VARCHAR NOT NULL,
    ContractCommitmentDescription VARCHAR,
    ContractCommitmentPeriodStart TIMESTAMPTZ NOT NULL,
    ContractCommitmentPeriodEnd TIMESTAMPTZ NOT NULL,
    ContractCommitmentCost DECIMAL(38, 10),
    ContractCommitmentQuantity DOUBLE,
    ContractCommitmentUnit VARCHAR,
    BillingCurrency VARCHAR,
    ContractPeriodStart TIMESTAMPTZ NOT NULL,
    ContractPeriodEnd TIMESTAMPTZ NOT NULL,
    ServiceProviderName VARCHAR,
    source_file_id BIGINT NOT NULL,
    CHECK (ContractCommitmentPeriodEnd > ContractCommitmentPeriodStart),
    CHECK (ContractPeriodEnd > ContractPeriodStart),
    CHECK (ContractCommitmentCategory <> 'Spend' OR ContractCommitmentCost IS NOT NULL),
    CHECK (ContractCommitmentCategory <> 'Usage' OR ContractCommitmentQuantity IS NOT NULL)
);
COMMENT ON TABLE contract_commitments IS 'FOCUS 1.3 Contract Commitment dataset: the terms of contracts agreed with a service provider (spend or usage commitments over a period). Joined to cost through ContractApplied.Elements[].ContractCommitmentId; loaders may add x_ columns (VARCHAR).';
COMMENT ON COLUMN contract_commitments.ContractCommitmentId IS 'FOCUS 1.3: provider-assigned id of the contract commitment (natural key: a re-delivery replaces the row).';
COMMENT ON COLUMN contract_commitments.ContractId IS 'FOCUS 1.3: id of the contract the commitment belongs to.';
COMMENT ON COLUMN contract_commitments.ContractCommitmentCategory IS 'FOCUS 1.3: Spend (a predetermined amount of spend) or Usage (a predetermined amount of usage).';
COMMENT ON COLUMN contract_commitments.ContractCommitmentType IS 'FOCUS 1.3: provider-assigned display name of the commitment type.';
COMMENT ON COLUMN contract_commitments.ContractCommitmentDescription IS 'FOCUS 1.3: description of the commitment.';
COMMENT ON COLUMN contract_commitments.ContractCommitmentPeriodStart IS 'FOCUS 1.3: inclusive start of the commitment period (UTC).';
COMMENT ON COLUMN contract_commitments.ContractCommitmentPeriodEnd IS 'FOCUS 1.3: exclusive end of the commitment period (UTC).';
COMMENT ON COLUMN contract_commitments.ContractCommitmentCost IS 'FOCUS 1.3: monetary value of the commitment in BillingCurrency (required for Spend).';
COMMENT ON COLUMN contract_commitments.ContractCommitmentQuantity IS 'FOCUS 1.3: committed amount in ContractCommitmentUnit (required for Usage).';
COMMENT ON COLUMN contract_commitments.ContractCommitmentUnit IS 'FOCUS 1.3: provider-defined unit of ContractCommitmentQuantity.';
COMMENT ON COLUMN contract_commitments.BillingCurrency IS 'FOCUS 1.3: ISO 4217 currency of ContractCommitmentCost.';
COMMENT ON COLUMN contract_commitments.ContractPeriodStart IS 'FOCUS 1.3: inclusive start of the contract (UTC).';
COMMENT ON COLUMN contract_commitments.ContractPeriodEnd IS 'FOCUS 1.3: exclusive end of the contract (UTC).';
COMMENT ON COLUMN contract_commitments.ServiceProviderName IS 'Provider of the commitment: the file''s ServiceProviderName column (later FOCUS versions) or --option provider=… (not one of the 13 FOCUS 1.3 columns).';
COMMENT ON COLUMN contract_commitments.source_file_id IS 'Lineage: ingest_ledger.file_id.';

-- FOCUS 1.3 ContractApplied on cost rows (earlier loads kept it as the text column x_ContractApplied).
ALTER TABLE cost ADD COLUMN ContractApplied JSON;
COMMENT ON COLUMN cost.ContractApplied IS 'FOCUS 1.3: the contract commitments applied to the charge, {"Elements": [{ContractId, ContractCommitmentId, ContractCommitmentAppliedCost | ContractCommitmentAppliedQuantity + ContractCommitmentAppliedUnit}]}; joins contract_commitments.';
