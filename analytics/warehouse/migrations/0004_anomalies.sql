-- 0004 anomalies: feedback on detected cost anomalies, the way AWS Cost Anomaly Detection takes
-- YES / PLANNED_ACTIVITY / NO. The latest label of an anomaly wins; alerts leave out anomalies
-- labelled expected or false, and the cost-anomalies notebook shows every label.

CREATE TABLE anomaly_feedback (
    anomaly_id VARCHAR NOT NULL,
    label VARCHAR NOT NULL CHECK (label IN ('confirmed', 'expected', 'false')),
    scope VARCHAR,
    anomaly_start DATE,
    note VARCHAR,
    recorded_by VARCHAR,
    recorded_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE anomaly_feedback IS 'Labels people gave detected cost anomalies (confirmed, expected, false). The latest label per anomaly_id wins; alerts skip anomalies labelled expected or false.';
COMMENT ON COLUMN anomaly_feedback.anomaly_id IS 'Stable id of the anomaly (analytics.anomalies.cost: hash of kind, level, scope, first day and direction); the same event keeps its id in later runs.';
COMMENT ON COLUMN anomaly_feedback.label IS 'confirmed (a real problem), expected (planned or explained: do not alert), or false (not an anomaly: do not alert).';
COMMENT ON COLUMN anomaly_feedback.scope IS 'Scope of the anomaly as shown in the report when the label was given (for people reading the table).';
COMMENT ON COLUMN anomaly_feedback.anomaly_start IS 'First day of the anomaly when the label was given (UTC date).';
COMMENT ON COLUMN anomaly_feedback.note IS 'Why: a ticket, a planned migration, a known batch job.';
COMMENT ON COLUMN anomaly_feedback.recorded_by IS 'Who gave the label.';
COMMENT ON COLUMN anomaly_feedback.recorded_at IS 'When the label was recorded (UTC).';
