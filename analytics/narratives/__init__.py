"""The sentences of the report notebooks, computed from the numbers (issue 12.4).

A report notebook calls into :mod:`analytics.metrics` for its tables and figures and into these modules
for the two lines of narrative that state what the numbers say: each ``*_narrative(...)`` function takes
the frames or summaries the notebook already has and returns Markdown text, so the branching (no data,
one item, several) and the picking (the largest, the most paged) live in tested package code rather than
in notebook cells. One module per report family: :mod:`.incidents`, :mod:`.slo`, :mod:`.delivery`,
:mod:`.cost`, :mod:`.anomalies`, :mod:`.quarterly`.
"""
