"""The fictional demo company, Lumen Logistics: its teams, services, clouds and calendar.

Everything here is fixed (not random) so that the planted truths in :mod:`analytics.demo.truth`
can be stated in words: 12 services in 3 tiers owned by 5 teams, running on AWS (most), Google
Cloud (the data stack) and Azure (identity and notifications), over 18 months from 2025-04-01 to
2026-09-30. The latest full quarter is 2026Q3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

START = date(2025, 4, 1)
END = date(2026, 10, 1)  # exclusive
LATEST_QUARTER = "2026Q3"
COMPANY = "Lumen Logistics"
CURRENCY = "USD"


@dataclass(frozen=True)
class Team:
    """A team with its on-call time zone and rota."""

    name: str
    timezone: str
    responders: tuple[str, ...]


@dataclass(frozen=True)
class Service:
    """A service: owner, tier, cloud, daily request volume and cost profile."""

    name: str
    team: str
    tier: str
    provider: str  # AWS | Google Cloud | Microsoft
    requests_per_day: float  # at START; grows over time
    cost_per_day: float  # EffectiveCost per day at START, before growth
    description: str


TEAMS: tuple[Team, ...] = (
    Team("payments", "Europe/London", ("amara.okafor", "ben.hughes", "chloe.martin", "dev.patel")),
    Team("platform", "America/New_York", ("elena.garcia", "felix.wright", "grace.kim", "hugo.silva",
                                          "ines.costa")),
    Team("fulfilment", "Europe/Berlin", ("jonas.weber", "katrin.vogel", "leo.fischer", "mia.schulz")),
    Team("discovery", "America/Los_Angeles", ("nina.lopez", "omar.haddad", "priya.rao", "quinn.baker")),
    Team("data", "Asia/Kolkata", ("rahul.mehta", "sana.iyer", "tara.nair", "uma.reddy")),
)

SERVICES: tuple[Service, ...] = (
    Service("checkout", "payments", "tier1", "AWS", 180_000, 1_150, "Basket and checkout flow"),
    Service("payments-api", "payments", "tier1", "AWS", 120_000, 980, "Card and invoice payments"),
    Service("api-gateway", "platform", "tier1", "AWS", 900_000, 1_400, "Public API edge"),
    Service("identity", "platform", "tier1", "Microsoft", 400_000, 620, "Login and tokens"),
    Service("order-service", "fulfilment", "tier1", "AWS", 150_000, 1_050, "Order lifecycle"),
    Service("shipping-rates", "fulfilment", "tier2", "AWS", 260_000, 540, "Carrier rate quotes"),
    Service("tracking", "fulfilment", "tier2", "AWS", 340_000, 610, "Parcel tracking"),
    Service("search", "discovery", "tier2", "AWS", 500_000, 890, "Catalogue search"),
    Service("recommendations", "discovery", "tier3", "AWS", 220_000, 470, "Recommendations"),
    Service("notifications", "platform", "tier2", "Microsoft", 300_000, 380, "Email, SMS and push"),
    Service("data-pipeline", "data", "tier3", "Google Cloud", 40_000, 1_250, "Event ingestion and ETL"),
    Service("reporting", "data", "tier3", "Google Cloud", 15_000, 560, "Customer reports and BI"),
)

# Services with an availability SLO and its target (critical journeys at 99.9%).
SLO_TARGETS: dict[str, float] = {
    "checkout": 0.999,
    "payments-api": 0.999,
    "api-gateway": 0.999,
    "identity": 0.999,
    "order-service": 0.999,
    "shipping-rates": 0.995,
    "tracking": 0.995,
    "search": 0.995,
    "notifications": 0.995,
}

# Recurring failure modes per service (the fingerprint of repeat incidents).
FAILURE_MODES: dict[str, tuple[str, ...]] = {
    "checkout": ("payment-provider-timeout", "basket-cache-eviction", "bad-deploy"),
    "payments-api": ("psp-latency", "db-connection-pool", "bad-deploy"),
    "api-gateway": ("rate-limit-misconfig", "tls-cert-expiry", "bad-deploy"),
    "identity": ("token-signing-key", "directory-sync", "bad-deploy"),
    "order-service": ("queue-backlog", "db-deadlock", "bad-deploy"),
    "shipping-rates": ("carrier-api-errors", "bad-deploy"),
    "tracking": ("webhook-backlog", "bad-deploy"),
    "search": ("index-lag", "oom-kill", "bad-deploy"),
    "recommendations": ("model-staleness", "bad-deploy"),
    "notifications": ("sms-provider-outage", "bad-deploy"),
    "data-pipeline": ("late-partitions", "schema-drift", "bad-deploy"),
    "reporting": ("slow-queries", "bad-deploy"),
}

TIER_RANK = {"tier1": 1, "tier2": 2, "tier3": 3}


def team(name: str) -> Team:
    """The team called ``name``."""
    return next(t for t in TEAMS if t.name == name)


def service(name: str) -> Service:
    """The service called ``name``."""
    return next(s for s in SERVICES if s.name == name)
