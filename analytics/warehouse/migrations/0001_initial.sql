-- 0001 initial schema: the ingest ledger and the canonical tables.
-- Column documentation lives here, as COMMENT ON statements; docs/schema.md is generated from the
-- live schema by `opsreview schema --markdown` and a test keeps the two in step.
-- Conventions: timestamps are TIMESTAMPTZ in UTC; money is DECIMAL(38,10); every canonical row
-- carries source_file_id, the ingest_ledger.file_id of the file it came from (lineage).

CREATE SEQUENCE ingest_file_id_seq START 1;

CREATE TABLE ingest_ledger (
    file_id BIGINT PRIMARY KEY,
    source_kind VARCHAR NOT NULL,
    file_path VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT,
    target_table VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_updated BIGINT NOT NULL DEFAULT 0,
    rows_quarantined BIGINT NOT NULL DEFAULT 0,
    currency VARCHAR,
    source_billed_total DECIMAL(38, 10),
    warehouse_billed_total DECIMAL(38, 10),
    source_effective_total DECIMAL(38, 10),
    warehouse_effective_total DECIMAL(38, 10),
    reconciled BOOLEAN,
    period_start TIMESTAMPTZ,
    period_end TIMESTAMPTZ,
    loaded_at TIMESTAMPTZ NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('loaded', 'superseded', 'partially_superseded')),
    superseded_by BIGINT,
    tool_version VARCHAR NOT NULL,
    options JSON,
    details JSON
);
COMMENT ON TABLE ingest_ledger IS 'One row per file loaded: what, from where, how many rows, its cost totals on both sides, the period it covers, and whether a later delivery replaced it. The basis of idempotent, reconciled loads.';
COMMENT ON COLUMN ingest_ledger.file_id IS 'Lineage key; canonical rows point here through source_file_id.';
COMMENT ON COLUMN ingest_ledger.source_kind IS 'Loader that read the file (`opsreview ingest KIND`), e.g. pagerduty, aws-cur, focus.';
COMMENT ON COLUMN ingest_ledger.file_path IS 'Path or URI as given to the loader (s3://, bq://, or an absolute local path).';
COMMENT ON COLUMN ingest_ledger.file_name IS 'Base name of the file.';
COMMENT ON COLUMN ingest_ledger.sha256 IS 'SHA-256 of the file bytes (of the manifest plus data files for multi-file deliveries). Loading the same content again is a no-op.';
COMMENT ON COLUMN ingest_ledger.size_bytes IS 'Size of the file in bytes.';
COMMENT ON COLUMN ingest_ledger.target_table IS 'Main canonical table the file fed.';
COMMENT ON COLUMN ingest_ledger.rows_read IS 'Data rows (or records) read from the source.';
COMMENT ON COLUMN ingest_ledger.rows_loaded IS 'Rows inserted into target_table.';
COMMENT ON COLUMN ingest_ledger.rows_updated IS 'Rows that replaced an existing row with the same key (upserts).';
COMMENT ON COLUMN ingest_ledger.rows_quarantined IS 'Rows set aside because of row-level problems the user opted to quarantine.';
COMMENT ON COLUMN ingest_ledger.currency IS 'Billing currency of a cost file (NULL for non-cost files).';
COMMENT ON COLUMN ingest_ledger.source_billed_total IS 'Sum of BilledCost computed from the raw file with decimal arithmetic.';
COMMENT ON COLUMN ingest_ledger.warehouse_billed_total IS 'Sum of BilledCost of the rows the file left in the warehouse, at load time.';
COMMENT ON COLUMN ingest_ledger.source_effective_total IS 'Sum of EffectiveCost computed from the raw file.';
COMMENT ON COLUMN ingest_ledger.warehouse_effective_total IS 'Sum of EffectiveCost of the rows the file left in the warehouse, at load time.';
COMMENT ON COLUMN ingest_ledger.reconciled IS 'TRUE when source and warehouse totals agree to the cent (per file and per billing period); a load that does not reconcile is rolled back, so FALSE is never stored.';
COMMENT ON COLUMN ingest_ledger.period_start IS 'Earliest event / charge time in the file (inclusive).';
COMMENT ON COLUMN ingest_ledger.period_end IS 'End of the covered period (exclusive).';
COMMENT ON COLUMN ingest_ledger.loaded_at IS 'When the load committed (UTC).';
COMMENT ON COLUMN ingest_ledger.status IS 'loaded; superseded (a later delivery replaced all of its rows); partially_superseded (some of them).';
COMMENT ON COLUMN ingest_ledger.superseded_by IS 'file_id of the delivery that replaced this one.';
COMMENT ON COLUMN ingest_ledger.tool_version IS 'Version of this package that loaded the file.';
COMMENT ON COLUMN ingest_ledger.options IS 'Loader options (time zone, mapping file, …) as JSON; never credentials.';
COMMENT ON COLUMN ingest_ledger.details IS 'Loader-specific facts as JSON: per-period totals, rows per table, detected variant.';

-- FOCUS 1.2 Cost and Usage dataset (+ the two 1.3 provider columns, + x_ extras, + lineage).
CREATE TABLE cost (
    AvailabilityZone VARCHAR,
    BilledCost DECIMAL(38, 10) NOT NULL,
    BillingAccountId VARCHAR NOT NULL,
    BillingAccountName VARCHAR,
    BillingAccountType VARCHAR,
    BillingCurrency VARCHAR NOT NULL,
    BillingPeriodStart TIMESTAMPTZ NOT NULL,
    BillingPeriodEnd TIMESTAMPTZ NOT NULL,
    CapacityReservationId VARCHAR,
    CapacityReservationStatus VARCHAR,
    ChargeCategory VARCHAR NOT NULL,
    ChargeClass VARCHAR,
    ChargeDescription VARCHAR,
    ChargeFrequency VARCHAR,
    ChargePeriodStart TIMESTAMPTZ NOT NULL,
    ChargePeriodEnd TIMESTAMPTZ NOT NULL,
    CommitmentDiscountCategory VARCHAR,
    CommitmentDiscountId VARCHAR,
    CommitmentDiscountName VARCHAR,
    CommitmentDiscountQuantity DOUBLE,
    CommitmentDiscountStatus VARCHAR,
    CommitmentDiscountType VARCHAR,
    CommitmentDiscountUnit VARCHAR,
    ConsumedQuantity DOUBLE,
    ConsumedUnit VARCHAR,
    ContractedCost DECIMAL(38, 10),
    ContractedUnitPrice DOUBLE,
    EffectiveCost DECIMAL(38, 10) NOT NULL,
    InvoiceId VARCHAR,
    InvoiceIssuerName VARCHAR,
    ListCost DECIMAL(38, 10),
    ListUnitPrice DOUBLE,
    PricingCategory VARCHAR,
    PricingCurrency VARCHAR,
    PricingCurrencyContractedUnitPrice DOUBLE,
    PricingCurrencyEffectiveCost DECIMAL(38, 10),
    PricingCurrencyListUnitPrice DOUBLE,
    PricingQuantity DOUBLE,
    PricingUnit VARCHAR,
    ProviderName VARCHAR NOT NULL,
    PublisherName VARCHAR,
    RegionId VARCHAR,
    RegionName VARCHAR,
    ResourceId VARCHAR,
    ResourceName VARCHAR,
    ResourceType VARCHAR,
    ServiceCategory VARCHAR,
    ServiceName VARCHAR,
    ServiceSubcategory VARCHAR,
    SkuId VARCHAR,
    SkuMeter VARCHAR,
    SkuPriceDetails JSON,
    SkuPriceId VARCHAR,
    SubAccountId VARCHAR,
    SubAccountName VARCHAR,
    SubAccountType VARCHAR,
    Tags JSON,
    ServiceProviderName VARCHAR,
    HostProviderName VARCHAR,
    x_UsageType VARCHAR,
    x_Operation VARCHAR,
    x_ResourceGroupName VARCHAR,
    x_CostCategories JSON,
    x_Discounts JSON,
    x_Credits JSON,
    x_InvoiceMonth VARCHAR,
    x_SourceLineItemType VARCHAR,
    source_file_id BIGINT NOT NULL
);
COMMENT ON TABLE cost IS 'Cloud cost and usage in FOCUS 1.2 column names and types (BilledCost = invoice basis; EffectiveCost = amortised basis for showback, unit cost and anomalies). Provider extras are x_ columns; loaders may add more x_ columns (VARCHAR). One row per source line item.';
COMMENT ON COLUMN cost.AvailabilityZone IS 'FOCUS: provider-assigned zone.';
COMMENT ON COLUMN cost.BilledCost IS 'FOCUS: cost as invoiced (cash basis). Sums per InvoiceId to the invoice.';
COMMENT ON COLUMN cost.BillingAccountId IS 'FOCUS: billing (payer) account; always VARCHAR.';
COMMENT ON COLUMN cost.BillingAccountName IS 'FOCUS: billing account display name.';
COMMENT ON COLUMN cost.BillingAccountType IS 'FOCUS 1.2: provider label for the billing account kind.';
COMMENT ON COLUMN cost.BillingCurrency IS 'FOCUS: ISO 4217 currency of BilledCost/EffectiveCost/ListCost/ContractedCost.';
COMMENT ON COLUMN cost.BillingPeriodStart IS 'FOCUS: start of the billing period (inclusive, UTC). Re-delivered periods replace earlier rows with the same provider, billing account and period.';
COMMENT ON COLUMN cost.BillingPeriodEnd IS 'FOCUS: end of the billing period (exclusive, UTC).';
COMMENT ON COLUMN cost.CapacityReservationId IS 'FOCUS 1.1: capacity reservation applied.';
COMMENT ON COLUMN cost.CapacityReservationStatus IS 'FOCUS 1.1: Used / Unused.';
COMMENT ON COLUMN cost.ChargeCategory IS 'FOCUS: Usage, Purchase, Tax, Credit or Adjustment.';
COMMENT ON COLUMN cost.ChargeClass IS 'FOCUS: NULL, or Correction for changes to a closed (invoiced) billing period.';
COMMENT ON COLUMN cost.ChargeDescription IS 'FOCUS: human-readable line description.';
COMMENT ON COLUMN cost.ChargeFrequency IS 'FOCUS: One-Time, Recurring or Usage-Based.';
COMMENT ON COLUMN cost.ChargePeriodStart IS 'FOCUS: start of the charge (inclusive, UTC); the time axis of daily cost.';
COMMENT ON COLUMN cost.ChargePeriodEnd IS 'FOCUS: end of the charge (exclusive, UTC).';
COMMENT ON COLUMN cost.CommitmentDiscountCategory IS 'FOCUS: Spend or Usage.';
COMMENT ON COLUMN cost.CommitmentDiscountId IS 'FOCUS: reservation / savings plan / CUD id.';
COMMENT ON COLUMN cost.CommitmentDiscountName IS 'FOCUS: display name of the commitment.';
COMMENT ON COLUMN cost.CommitmentDiscountQuantity IS 'FOCUS 1.1: quantity of the commitment consumed.';
COMMENT ON COLUMN cost.CommitmentDiscountStatus IS 'FOCUS: Used or Unused (non-null on Usage rows with a CommitmentDiscountId).';
COMMENT ON COLUMN cost.CommitmentDiscountType IS 'FOCUS: provider label, e.g. Reserved Instance, Savings Plan.';
COMMENT ON COLUMN cost.CommitmentDiscountUnit IS 'FOCUS 1.1: unit of CommitmentDiscountQuantity.';
COMMENT ON COLUMN cost.ConsumedQuantity IS 'FOCUS: usage quantity consumed.';
COMMENT ON COLUMN cost.ConsumedUnit IS 'FOCUS: unit of ConsumedQuantity.';
COMMENT ON COLUMN cost.ContractedCost IS 'FOCUS: ContractedUnitPrice x PricingQuantity (negotiated price, before commitments).';
COMMENT ON COLUMN cost.ContractedUnitPrice IS 'FOCUS: negotiated unit price.';
COMMENT ON COLUMN cost.EffectiveCost IS 'FOCUS: amortised cost (commitment purchases spread over covered usage; 0 on prepaying Purchase rows). The basis of showback, unit cost and anomaly detection.';
COMMENT ON COLUMN cost.InvoiceId IS 'FOCUS 1.2: invoice the charge belongs to.';
COMMENT ON COLUMN cost.InvoiceIssuerName IS 'FOCUS: entity issuing the invoice.';
COMMENT ON COLUMN cost.ListCost IS 'FOCUS: ListUnitPrice x PricingQuantity (public price).';
COMMENT ON COLUMN cost.ListUnitPrice IS 'FOCUS: public unit price.';
COMMENT ON COLUMN cost.PricingCategory IS 'FOCUS: Standard, Dynamic, Committed or Other.';
COMMENT ON COLUMN cost.PricingCurrency IS 'FOCUS 1.2: currency of the price list.';
COMMENT ON COLUMN cost.PricingCurrencyContractedUnitPrice IS 'FOCUS 1.2: contracted unit price in PricingCurrency.';
COMMENT ON COLUMN cost.PricingCurrencyEffectiveCost IS 'FOCUS 1.2: EffectiveCost in PricingCurrency.';
COMMENT ON COLUMN cost.PricingCurrencyListUnitPrice IS 'FOCUS 1.2: list unit price in PricingCurrency.';
COMMENT ON COLUMN cost.PricingQuantity IS 'FOCUS: quantity in pricing units.';
COMMENT ON COLUMN cost.PricingUnit IS 'FOCUS: pricing unit; never add quantities with different units.';
COMMENT ON COLUMN cost.ProviderName IS 'FOCUS <=1.2: provider (AWS, Google Cloud, Microsoft, ...). Filled from ServiceProviderName for FOCUS 1.3 files.';
COMMENT ON COLUMN cost.PublisherName IS 'FOCUS: publisher of the service (marketplace seller, or the provider).';
COMMENT ON COLUMN cost.RegionId IS 'FOCUS: provider region code.';
COMMENT ON COLUMN cost.RegionName IS 'FOCUS: region display name.';
COMMENT ON COLUMN cost.ResourceId IS 'FOCUS: resource identifier (ARN, resource URI, global name).';
COMMENT ON COLUMN cost.ResourceName IS 'FOCUS: resource display name.';
COMMENT ON COLUMN cost.ResourceType IS 'FOCUS: resource kind.';
COMMENT ON COLUMN cost.ServiceCategory IS 'FOCUS: closed list (Compute, Databases, Storage, Networking, ...).';
COMMENT ON COLUMN cost.ServiceName IS 'FOCUS: provider service (Amazon EC2, Compute Engine, Virtual Machines, ...).';
COMMENT ON COLUMN cost.ServiceSubcategory IS 'FOCUS 1.1: finer service classification.';
COMMENT ON COLUMN cost.SkuId IS 'FOCUS: provider SKU.';
COMMENT ON COLUMN cost.SkuMeter IS 'FOCUS 1.1: what the SKU meters.';
COMMENT ON COLUMN cost.SkuPriceDetails IS 'FOCUS 1.1: SKU properties as a JSON object.';
COMMENT ON COLUMN cost.SkuPriceId IS 'FOCUS: price-list entry id.';
COMMENT ON COLUMN cost.SubAccountId IS 'FOCUS: AWS linked account, Azure subscription, GCP project.';
COMMENT ON COLUMN cost.SubAccountName IS 'FOCUS: sub-account display name.';
COMMENT ON COLUMN cost.SubAccountType IS 'FOCUS 1.2: provider label for the sub-account kind.';
COMMENT ON COLUMN cost.Tags IS 'FOCUS: flat JSON object of tag key -> value; keys trimmed on load. Query with json_extract_string(Tags, ''$."team"'').';
COMMENT ON COLUMN cost.ServiceProviderName IS 'FOCUS 1.3: provider of the service (same value as ProviderName for older files).';
COMMENT ON COLUMN cost.HostProviderName IS 'FOCUS 1.3: provider hosting the service, when it differs.';
COMMENT ON COLUMN cost.x_UsageType IS 'Extra: provider usage type (AWS lineItem/UsageType; Azure meter; GCP SKU description).';
COMMENT ON COLUMN cost.x_Operation IS 'Extra: AWS lineItem/Operation.';
COMMENT ON COLUMN cost.x_ResourceGroupName IS 'Extra: Azure resource group.';
COMMENT ON COLUMN cost.x_CostCategories IS 'Extra: AWS cost categories as a JSON object.';
COMMENT ON COLUMN cost.x_Discounts IS 'Extra: AWS discount map as a JSON object.';
COMMENT ON COLUMN cost.x_Credits IS 'Extra: GCP credits array as JSON (amounts negative).';
COMMENT ON COLUMN cost.x_InvoiceMonth IS 'Extra: GCP invoice.month (YYYYMM).';
COMMENT ON COLUMN cost.x_SourceLineItemType IS 'Extra: the source line type before mapping to ChargeCategory (AWS LineItemType, GCP cost_type, Azure ChargeType).';
COMMENT ON COLUMN cost.source_file_id IS 'Lineage: ingest_ledger.file_id of the file this row came from.';

CREATE TABLE services (
    service VARCHAR PRIMARY KEY,
    team VARCHAR,
    tier VARCHAR CHECK (tier IN ('tier1', 'tier2', 'tier3')),
    owner VARCHAR,
    description VARCHAR,
    source_file_id BIGINT NOT NULL
);
COMMENT ON TABLE services IS 'Service catalogue: who owns what and how critical it is. Tier 1 = critical (customer-facing, tightest targets).';
COMMENT ON COLUMN services.service IS 'Service name as used in incidents, deployments, SLOs and the cost tag `service`.';
COMMENT ON COLUMN services.team IS 'Owning team.';
COMMENT ON COLUMN services.tier IS 'tier1 (critical), tier2 or tier3.';
COMMENT ON COLUMN services.owner IS 'Accountable person or rota.';
COMMENT ON COLUMN services.description IS 'What the service does.';
COMMENT ON COLUMN services.source_file_id IS 'Lineage: ingest_ledger.file_id.';

CREATE TABLE incidents (
    incident_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    number VARCHAR,
    title VARCHAR,
    service VARCHAR,
    team VARCHAR,
    severity VARCHAR CHECK (severity IN ('SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV5')),
    severity_rank SMALLINT CHECK (severity_rank BETWEEN 1 AND 5),
    severity_raw VARCHAR,
    priority_raw VARCHAR,
    urgency VARCHAR,
    status VARCHAR,
    status_raw VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    impact_started_at TIMESTAMPTZ,
    acknowledged_at TIMESTAMPTZ,
    mitigated_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    seconds_to_first_ack DOUBLE,
    seconds_to_resolve DOUBLE,
    ack_is_proxy BOOLEAN NOT NULL DEFAULT FALSE,
    is_major BOOLEAN,
    auto_resolved BOOLEAN,
    category VARCHAR,
    failure_mode VARCHAR,
    fingerprint VARCHAR,
    problem_id VARCHAR,
    change_id VARCHAR,
    deployment_id VARCHAR,
    reopen_count INTEGER,
    reassignment_count INTEGER,
    escalation_count INTEGER,
    alert_count INTEGER,
    interruptions_total INTEGER,
    interruptions_business INTEGER,
    interruptions_off_hours INTEGER,
    interruptions_sleep INTEGER,
    engaged_seconds DOUBLE,
    responders VARCHAR[],
    raw JSON,
    source_file_id BIGINT NOT NULL,
    CHECK (resolved_at IS NULL OR resolved_at >= created_at)
);
COMMENT ON TABLE incidents IS 'One row per incident from any on-call / ITSM / status-page source. Re-loading an overlapping export updates rows with the same incident_id, never duplicates them.';
COMMENT ON COLUMN incidents.incident_id IS 'Warehouse key: <source>:<source_id>.';
COMMENT ON COLUMN incidents.source IS 'pagerduty, opsgenie, jira, servicenow, incidentio, statuspage, demo, or the mapped-csv source name.';
COMMENT ON COLUMN incidents.source_id IS 'The id in the source system.';
COMMENT ON COLUMN incidents.number IS 'Human reference (PagerDuty incident_number, INC0001234, INC-123).';
COMMENT ON COLUMN incidents.title IS 'Title / summary / short description.';
COMMENT ON COLUMN incidents.service IS 'Affected service (joins services.service).';
COMMENT ON COLUMN incidents.team IS 'Owning or responding team.';
COMMENT ON COLUMN incidents.severity IS 'Normalised severity SEV1 (most severe) .. SEV5, through a documented per-source mapping.';
COMMENT ON COLUMN incidents.severity_rank IS 'Integer of severity: 1 = most severe.';
COMMENT ON COLUMN incidents.severity_raw IS 'Severity as the source wrote it.';
COMMENT ON COLUMN incidents.priority_raw IS 'Priority as the source wrote it (P1, 2 - High, ...).';
COMMENT ON COLUMN incidents.urgency IS 'Urgency as the source wrote it (PagerDuty high/low, ServiceNow 1 - High).';
COMMENT ON COLUMN incidents.status IS 'Normalised: open, acknowledged, mitigated, resolved, closed, canceled.';
COMMENT ON COLUMN incidents.status_raw IS 'Status as the source wrote it.';
COMMENT ON COLUMN incidents.created_at IS 'When the incident was created / triggered / opened (UTC). Assigns the incident to a period.';
COMMENT ON COLUMN incidents.impact_started_at IS 'When customer impact began, where the source records it (Statuspage started_at, incident.io impact start).';
COMMENT ON COLUMN incidents.acknowledged_at IS 'First acknowledgement (UTC); NULL if never acknowledged.';
COMMENT ON COLUMN incidents.mitigated_at IS 'When impact was mitigated, where recorded.';
COMMENT ON COLUMN incidents.resolved_at IS 'When resolved (UTC); NULL while open.';
COMMENT ON COLUMN incidents.closed_at IS 'When closed (ITSM), where recorded.';
COMMENT ON COLUMN incidents.seconds_to_first_ack IS 'Vendor-computed time to first ack (PagerDuty Analytics), kept as given; NULL when computed from timestamps.';
COMMENT ON COLUMN incidents.seconds_to_resolve IS 'Vendor-computed time to resolve, kept as given.';
COMMENT ON COLUMN incidents.ack_is_proxy IS 'TRUE when acknowledged_at is a proxy (ServiceNow: first move out of New, or first assignment).';
COMMENT ON COLUMN incidents.is_major IS 'Major incident flag as the source defines it.';
COMMENT ON COLUMN incidents.auto_resolved IS 'Resolved by the monitoring integration rather than a person.';
COMMENT ON COLUMN incidents.category IS 'Category / component as the source groups incidents.';
COMMENT ON COLUMN incidents.failure_mode IS 'Failure mode or root-cause class (for recurring-failure analysis).';
COMMENT ON COLUMN incidents.fingerprint IS 'De-duplication key (PagerDuty incident_key, Opsgenie alias); used for repeat detection.';
COMMENT ON COLUMN incidents.problem_id IS 'Problem record shared by related incidents (ServiceNow problem_id).';
COMMENT ON COLUMN incidents.change_id IS 'Change record (ServiceNow rfc) or commit that caused the incident.';
COMMENT ON COLUMN incidents.deployment_id IS 'deployments.deployment_id that caused the incident, where linked (DORA change failure rate).';
COMMENT ON COLUMN incidents.reopen_count IS 'Times the incident was reopened.';
COMMENT ON COLUMN incidents.reassignment_count IS 'Times it changed assignee / group.';
COMMENT ON COLUMN incidents.escalation_count IS 'Escalations.';
COMMENT ON COLUMN incidents.alert_count IS 'Alerts grouped into the incident (PagerDuty alert_counts.all, Opsgenie count).';
COMMENT ON COLUMN incidents.interruptions_total IS 'Notifications that interrupted a person (SMS, push, phone).';
COMMENT ON COLUMN incidents.interruptions_business IS 'Interruptions in business hours (08-18 Mon-Fri, responder time).';
COMMENT ON COLUMN incidents.interruptions_off_hours IS 'Interruptions off hours (18-22 Mon-Fri and weekends).';
COMMENT ON COLUMN incidents.interruptions_sleep IS 'Interruptions in sleep hours (22-08).';
COMMENT ON COLUMN incidents.engaged_seconds IS 'Responder effort in seconds.';
COMMENT ON COLUMN incidents.responders IS 'People who acknowledged or joined.';
COMMENT ON COLUMN incidents.raw IS 'The source record as JSON, for drill-down.';
COMMENT ON COLUMN incidents.source_file_id IS 'Lineage: ingest_ledger.file_id of the file that last wrote this row.';

CREATE TABLE incident_events (
    incident_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    event_at TIMESTAMPTZ NOT NULL,
    event_type VARCHAR NOT NULL,
    actor VARCHAR,
    channel VARCHAR,
    detail VARCHAR,
    source_file_id BIGINT NOT NULL
);
COMMENT ON TABLE incident_events IS 'Incident timelines where a source has them: trigger, notify (page), acknowledge, escalate, assign, state_change, resolve, reopen.';
COMMENT ON COLUMN incident_events.incident_id IS 'incidents.incident_id.';
COMMENT ON COLUMN incident_events.seq IS 'Order of the event within its incident (0-based).';
COMMENT ON COLUMN incident_events.event_at IS 'When it happened (UTC).';
COMMENT ON COLUMN incident_events.event_type IS 'trigger, notify, acknowledge, unacknowledge, escalate, assign, state_change, resolve, reopen, note.';
COMMENT ON COLUMN incident_events.actor IS 'Person or system that acted.';
COMMENT ON COLUMN incident_events.channel IS 'How (sms, phone, push, email, web, api, integration).';
COMMENT ON COLUMN incident_events.detail IS 'Free text (new state, escalation target, ...).';
COMMENT ON COLUMN incident_events.source_file_id IS 'Lineage: ingest_ledger.file_id.';

CREATE TABLE deployments (
    deployment_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    service VARCHAR,
    team VARCHAR,
    repo VARCHAR,
    environment VARCHAR,
    deployed_at TIMESTAMPTZ NOT NULL,
    status VARCHAR NOT NULL,
    commit_sha VARCHAR,
    is_rollback BOOLEAN NOT NULL DEFAULT FALSE,
    is_rework BOOLEAN NOT NULL DEFAULT FALSE,
    source_file_id BIGINT NOT NULL
);
COMMENT ON TABLE deployments IS 'Deployments to an environment (DORA): one row per distinct deployment after de-duplication by source id.';
COMMENT ON COLUMN deployments.deployment_id IS 'Warehouse key: <source>:<source_id>.';
COMMENT ON COLUMN deployments.source IS 'github, csv, demo, ...';
COMMENT ON COLUMN deployments.source_id IS 'Id in the source system.';
COMMENT ON COLUMN deployments.service IS 'Deployed service (joins services.service).';
COMMENT ON COLUMN deployments.team IS 'Owning team.';
COMMENT ON COLUMN deployments.repo IS 'Repository.';
COMMENT ON COLUMN deployments.environment IS 'Target environment (production, staging, ...).';
COMMENT ON COLUMN deployments.deployed_at IS 'When the deployment finished (UTC).';
COMMENT ON COLUMN deployments.status IS 'success, failure, cancelled, in_progress.';
COMMENT ON COLUMN deployments.commit_sha IS 'Head commit deployed.';
COMMENT ON COLUMN deployments.is_rollback IS 'The deployment rolled back a previous one.';
COMMENT ON COLUMN deployments.is_rework IS 'Unplanned deployment made to fix a production problem (DORA deployment rework rate).';
COMMENT ON COLUMN deployments.source_file_id IS 'Lineage: ingest_ledger.file_id.';

CREATE TABLE changes (
    change_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    repo VARCHAR,
    service VARCHAR,
    team VARCHAR,
    commit_sha VARCHAR NOT NULL,
    committed_at TIMESTAMPTZ NOT NULL,
    deployment_id VARCHAR,
    source_file_id BIGINT NOT NULL
);
COMMENT ON TABLE changes IS 'Commits / merged changes and the deployment that first shipped them (DORA lead time for changes).';
COMMENT ON COLUMN changes.change_id IS 'Warehouse key: <source>:<repo>:<commit_sha>.';
COMMENT ON COLUMN changes.source IS 'github, csv, demo, ...';
COMMENT ON COLUMN changes.repo IS 'Repository.';
COMMENT ON COLUMN changes.service IS 'Service the change belongs to.';
COMMENT ON COLUMN changes.team IS 'Owning team.';
COMMENT ON COLUMN changes.commit_sha IS 'Commit id.';
COMMENT ON COLUMN changes.committed_at IS 'Commit time (UTC), truncated to the second.';
COMMENT ON COLUMN changes.deployment_id IS 'deployments.deployment_id that first shipped the change to production.';
COMMENT ON COLUMN changes.source_file_id IS 'Lineage: ingest_ledger.file_id.';

CREATE TABLE slos (
    slo VARCHAR PRIMARY KEY,
    service VARCHAR NOT NULL,
    display_name VARCHAR,
    description VARCHAR,
    target DOUBLE NOT NULL CHECK (target > 0 AND target < 1),
    budgeting_method VARCHAR NOT NULL DEFAULT 'Occurrences',
    time_window VARCHAR NOT NULL,
    is_rolling BOOLEAN NOT NULL,
    journey VARCHAR,
    source_file_id BIGINT NOT NULL
);
COMMENT ON TABLE slos IS 'Service level objectives (from OpenSLO v1 YAML): ratio SLIs with a target over a rolling or calendar window.';
COMMENT ON COLUMN slos.slo IS 'SLO name (OpenSLO metadata.name).';
COMMENT ON COLUMN slos.service IS 'Service the SLO belongs to.';
COMMENT ON COLUMN slos.display_name IS 'Display name.';
COMMENT ON COLUMN slos.description IS 'What good means.';
COMMENT ON COLUMN slos.target IS 'Objective as a fraction in (0, 1), e.g. 0.999.';
COMMENT ON COLUMN slos.budgeting_method IS 'Occurrences (request-weighted), Timeslices or RatioTimeslices.';
COMMENT ON COLUMN slos.time_window IS 'OpenSLO duration, e.g. 28d or 1Q.';
COMMENT ON COLUMN slos.is_rolling IS 'Rolling window (TRUE) or calendar-aligned (FALSE).';
COMMENT ON COLUMN slos.journey IS 'User journey the SLO protects (critical journeys carry the 99.9% default target).';
COMMENT ON COLUMN slos.source_file_id IS 'Lineage: ingest_ledger.file_id.';

CREATE TABLE sli (
    service VARCHAR NOT NULL,
    slo VARCHAR NOT NULL,
    interval_start TIMESTAMPTZ NOT NULL,
    interval_end TIMESTAMPTZ NOT NULL,
    good BIGINT NOT NULL CHECK (good >= 0),
    total BIGINT NOT NULL CHECK (total >= good),
    source_file_id BIGINT NOT NULL,
    CHECK (interval_end > interval_start)
);
COMMENT ON TABLE sli IS 'SLI event counts per interval: good and total (valid) events for one SLO.';
COMMENT ON COLUMN sli.service IS 'Service.';
COMMENT ON COLUMN sli.slo IS 'slos.slo.';
COMMENT ON COLUMN sli.interval_start IS 'Interval start (inclusive, UTC).';
COMMENT ON COLUMN sli.interval_end IS 'Interval end (exclusive, UTC).';
COMMENT ON COLUMN sli.good IS 'Good events in the interval.';
COMMENT ON COLUMN sli.total IS 'Valid events in the interval.';
COMMENT ON COLUMN sli.source_file_id IS 'Lineage: ingest_ledger.file_id.';

CREATE TABLE business_metrics (
    date DATE NOT NULL,
    metric VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL DEFAULT '',
    value DOUBLE NOT NULL,
    unit VARCHAR,
    source_file_id BIGINT NOT NULL
);
COMMENT ON TABLE business_metrics IS 'Daily business volumes (requests, tenants, orders) for unit cost: one value per date, metric and dimension.';
COMMENT ON COLUMN business_metrics.date IS 'Day (UTC).';
COMMENT ON COLUMN business_metrics.metric IS 'Metric name, e.g. requests, active_tenants.';
COMMENT ON COLUMN business_metrics.dimension IS 'What the value is for (a service, product or tenant segment); empty string for the company total.';
COMMENT ON COLUMN business_metrics.value IS 'Value for the day.';
COMMENT ON COLUMN business_metrics.unit IS 'Unit of the value.';
COMMENT ON COLUMN business_metrics.source_file_id IS 'Lineage: ingest_ledger.file_id.';

CREATE TABLE budgets (
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    scope VARCHAR NOT NULL,
    amount DECIMAL(38, 10) NOT NULL,
    currency VARCHAR NOT NULL,
    cost_basis VARCHAR NOT NULL DEFAULT 'EffectiveCost' CHECK (cost_basis IN ('EffectiveCost', 'BilledCost')),
    source_file_id BIGINT NOT NULL,
    CHECK (period_end > period_start)
);
COMMENT ON TABLE budgets IS 'Cost budgets per period and scope.';
COMMENT ON COLUMN budgets.period IS 'Period label: 2026-07, 2026Q3 or 2026.';
COMMENT ON COLUMN budgets.period_start IS 'First day (inclusive).';
COMMENT ON COLUMN budgets.period_end IS 'Day after the last day (exclusive).';
COMMENT ON COLUMN budgets.scope IS 'total, or <dimension>:<value> such as provider:AWS, team:payments, service:checkout.';
COMMENT ON COLUMN budgets.amount IS 'Budgeted amount.';
COMMENT ON COLUMN budgets.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN budgets.cost_basis IS 'EffectiveCost for showback budgets, BilledCost for invoice budgets.';
COMMENT ON COLUMN budgets.source_file_id IS 'Lineage: ingest_ledger.file_id.';

CREATE TABLE ingest_quarantine (
    file_id BIGINT NOT NULL,
    row_number BIGINT,
    column_name VARCHAR,
    problem VARCHAR NOT NULL,
    raw VARCHAR
);
COMMENT ON TABLE ingest_quarantine IS 'Rows set aside during a load because of row-level problems, only when the user opted in (--quarantine); counted in ingest_ledger.rows_quarantined.';
COMMENT ON COLUMN ingest_quarantine.file_id IS 'ingest_ledger.file_id of the load.';
COMMENT ON COLUMN ingest_quarantine.row_number IS '1-based data row in the source file (or record index).';
COMMENT ON COLUMN ingest_quarantine.column_name IS 'Offending column or field.';
COMMENT ON COLUMN ingest_quarantine.problem IS 'What was wrong.';
COMMENT ON COLUMN ingest_quarantine.raw IS 'The raw row, truncated to 2,000 characters.';
