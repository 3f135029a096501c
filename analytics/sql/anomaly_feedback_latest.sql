-- The latest feedback label of every anomaly (anomaly_feedback: confirmed, expected or false).
SELECT anomaly_id, label, note, recorded_by, recorded_at
FROM anomaly_feedback
QUALIFY row_number() OVER (PARTITION BY anomaly_id ORDER BY recorded_at DESC, label) = 1
ORDER BY anomaly_id
