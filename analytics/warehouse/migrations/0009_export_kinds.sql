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

-- Provider status history (issue 13.10): incidents of our dependencies (Google Cloud status
-- incidents.json, the AWS Health Dashboard event feeds), kept apart from our own incidents.
CREATE TABLE provider_incidents (
    provider_incident_id VARCHAR NOT NULL,
    provider VARCHAR NOT NULL,
    product VARCHAR,
    products VARCHAR[],
    locations VARCHAR[],
    title VARCHAR,
    severity VARCHAR CHECK (severity IS NULL OR severity IN ('high', 'medium', 'low')),
    impact VARCHAR NOT NULL CHECK (impact IN ('outage', 'disruption', 'degraded', 'information')),
    begin_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ,
    updates INTEGER NOT NULL,
    last_update_at TIMESTAMPTZ,
    uri VARCHAR,
    raw VARCHAR,
    source_file_id BIGINT NOT NULL,
    CHECK (end_at IS NULL OR end_at >= begin_at)
);
COMMENT ON TABLE provider_incidents IS 'Incidents of our cloud providers from their public status history (kinds gcp-status, aws-health): one row per provider incident, apart from our own incidents; joined to incidents by time in the degraded-dependencies metric.';
COMMENT ON COLUMN provider_incidents.provider_incident_id IS 'gcp-status:<incident id> or aws-health:<event ARN, else service key and start epoch> (natural key: a later delivery replaces the row).';
COMMENT ON COLUMN provider_incidents.provider IS 'Google Cloud or AWS.';
COMMENT ON COLUMN provider_incidents.product IS 'The main affected product or service (GCP service_name, AWS service_name).';
COMMENT ON COLUMN provider_incidents.products IS 'Every affected product (GCP affected_products titles; AWS service_name and impacted services).';
COMMENT ON COLUMN provider_incidents.locations IS 'Affected locations or regions (GCP location ids; AWS region from the service key).';
COMMENT ON COLUMN provider_incidents.title IS 'GCP external_desc; AWS summary.';
COMMENT ON COLUMN provider_incidents.severity IS 'high, medium or low (GCP severity; AWS from the status code: 3 high, 2 medium, 0-1 low).';
COMMENT ON COLUMN provider_incidents.impact IS 'outage, disruption, degraded or information (GCP status_impact SERVICE_OUTAGE / SERVICE_DISRUPTION / SERVICE_INFORMATION; AWS status 3 disruption, 2 degraded, 0-1 information).';
COMMENT ON COLUMN provider_incidents.begin_at IS 'Start of the provider incident (UTC).';
COMMENT ON COLUMN provider_incidents.end_at IS 'End (UTC); NULL while ongoing (GCP end absent; AWS without a [RESOLVED] update).';
COMMENT ON COLUMN provider_incidents.updates IS 'Number of status updates (provider_incident_updates).';
COMMENT ON COLUMN provider_incidents.last_update_at IS 'Time of the latest status update.';
COMMENT ON COLUMN provider_incidents.uri IS 'Public status page of the incident, when the provider gives one.';
COMMENT ON COLUMN provider_incidents.raw IS 'The source record as JSON.';
COMMENT ON COLUMN provider_incidents.source_file_id IS 'Lineage: ingest_ledger.file_id.';

CREATE TABLE provider_incident_updates (
    provider_incident_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    update_at TIMESTAMPTZ NOT NULL,
    status VARCHAR,
    text VARCHAR,
    locations VARCHAR[],
    source_file_id BIGINT NOT NULL
);
COMMENT ON TABLE provider_incident_updates IS 'The status updates of each provider incident, oldest first (GCP updates[], AWS event_log[]); replaced with the incident.';
COMMENT ON COLUMN provider_incident_updates.provider_incident_id IS 'provider_incidents.provider_incident_id.';
COMMENT ON COLUMN provider_incident_updates.seq IS '1 = the oldest update.';
COMMENT ON COLUMN provider_incident_updates.update_at IS 'When the update was posted (GCP when, else created; AWS timestamp), UTC.';
COMMENT ON COLUMN provider_incident_updates.status IS 'GCP update status (SERVICE_OUTAGE, AVAILABLE, …); AWS status code as text.';
COMMENT ON COLUMN provider_incident_updates.text IS 'The update text (AWS: summary and message).';
COMMENT ON COLUMN provider_incident_updates.locations IS 'Locations the update names (GCP affected_locations ids).';
COMMENT ON COLUMN provider_incident_updates.source_file_id IS 'Lineage: ingest_ledger.file_id.';
