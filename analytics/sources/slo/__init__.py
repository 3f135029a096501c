"""SLO exports → ``slos`` and ``sli``: OpenSLO v1 definitions and SLI good/total counts."""
