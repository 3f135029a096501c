-- 0005 delivery and SLOs: CI/CD pipeline runs (the "pipeline success rate" KPI) and the time-slice
-- settings of OpenSLO Timeslices / RatioTimeslices objectives.
-- pipeline_runs is written by the github-actions loader inside its load transaction (lineage in
-- source_file_id, like every canonical table); a re-delivered run replaces the earlier copy.

CREATE TABLE pipeline_runs (
    run_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    repo VARCHAR,
    service VARCHAR,
    team VARCHAR,
    workflow VARCHAR,
    workflow_id VARCHAR,
    event VARCHAR,
    head_branch VARCHAR,
    head_sha VARCHAR,
    run_attempt INTEGER,
    status VARCHAR NOT NULL,
    conclusion VARCHAR,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    is_deployment BOOLEAN NOT NULL DEFAULT FALSE,
    source_file_id BIGINT NOT NULL
);
COMMENT ON TABLE pipeline_runs IS 'CI/CD pipeline runs of every workflow (GitHub Actions workflow runs), one row per run after de-duplication by run id (the latest attempt wins). Pipeline success rate = success / (success + failure + timed_out + startup_failure) over completed runs started in the period.';
COMMENT ON COLUMN pipeline_runs.run_id IS 'Warehouse key: <source>:<source_id>.';
COMMENT ON COLUMN pipeline_runs.source IS 'github-actions, ...';
COMMENT ON COLUMN pipeline_runs.source_id IS 'Run id in the source system.';
COMMENT ON COLUMN pipeline_runs.repo IS 'Repository (owner/name).';
COMMENT ON COLUMN pipeline_runs.service IS 'Service the repository builds (--option service, else the repository name).';
COMMENT ON COLUMN pipeline_runs.team IS 'Owning team (--option team), else NULL (the service catalogue fills it in metrics).';
COMMENT ON COLUMN pipeline_runs.workflow IS 'Workflow name.';
COMMENT ON COLUMN pipeline_runs.workflow_id IS 'Workflow id in the source system.';
COMMENT ON COLUMN pipeline_runs.event IS 'What triggered the run (push, pull_request, schedule, workflow_dispatch, ...).';
COMMENT ON COLUMN pipeline_runs.head_branch IS 'Branch the run built.';
COMMENT ON COLUMN pipeline_runs.head_sha IS 'Commit the run built.';
COMMENT ON COLUMN pipeline_runs.run_attempt IS 'Attempt number of the run (re-runs keep the run id and raise the attempt).';
COMMENT ON COLUMN pipeline_runs.status IS 'Run status as the source wrote it: completed, in_progress, queued, waiting, requested, pending.';
COMMENT ON COLUMN pipeline_runs.conclusion IS 'Outcome of a completed run: success, failure, timed_out, startup_failure, cancelled, skipped, neutral, action_required, stale; NULL while running.';
COMMENT ON COLUMN pipeline_runs.started_at IS 'When the run (attempt) started (run_started_at, else created_at; UTC). Assigns the run to a period.';
COMMENT ON COLUMN pipeline_runs.finished_at IS 'When a completed run last changed (updated_at; GitHub has no completed_at); NULL while running.';
COMMENT ON COLUMN pipeline_runs.is_deployment IS 'The run belongs to a deployment workflow (--option workflow=REGEX, default deploy) and was also loaded into deployments.';
COMMENT ON COLUMN pipeline_runs.source_file_id IS 'Lineage: ingest_ledger.file_id of the file that last wrote this row.';

ALTER TABLE slos ADD COLUMN time_slice_target DOUBLE;
ALTER TABLE slos ADD COLUMN time_slice_window VARCHAR;
COMMENT ON COLUMN slos.time_slice_target IS 'Timeslices / RatioTimeslices only: the good-ratio a time slice must reach to count as good (OpenSLO timeSliceTarget, a fraction).';
COMMENT ON COLUMN slos.time_slice_window IS 'Timeslices / RatioTimeslices only: slice length as an OpenSLO duration (timeSliceWindow, e.g. 1m, 5m, 1h); NULL means one slice per SLI interval.';
