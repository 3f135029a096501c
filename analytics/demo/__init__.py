"""The demo company (Lumen Logistics): a seeded generator of realistic, messy exports with
planted anomalies and KPI values, and the truth file that proves the analyses recover them.

``opsreview demo [--seed N] [--scale F]`` = :func:`analytics.demo.build.build_demo`.
"""
