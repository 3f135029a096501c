"""Incident exports → ``incidents`` and ``incident_events``: PagerDuty, Opsgenie, Jira Service
Management, ServiceNow, incident.io, Statuspage and a mapped CSV for anything else."""
