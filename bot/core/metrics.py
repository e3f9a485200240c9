"""Prometheus metrics, in a registry of our own (so tests and several apps in one process work).

Core code and adapters record here; ``bot.app.health`` serves ``REGISTRY`` at ``/metrics``.
Labels never carry secrets or user text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

import bot

if TYPE_CHECKING:
    from bot.core.loader import LoadedBriefing

REGISTRY = CollectorRegistry(auto_describe=True)

COMMANDS = Counter(
    "briefbot_commands",
    "Commands answered, by command, platform and outcome (ok, user_error, error).",
    ["command", "platform", "outcome"],
    registry=REGISTRY,
)
ANSWER_LATENCY = Histogram(
    "briefbot_answer_seconds",
    "Time to compute an answer in the core, by platform.",
    ["platform"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "briefbot_deliveries",
    "Digest deliveries by platform and final status (sent, failed, missed, paused, retried).",
    ["platform", "status"],
    registry=REGISTRY,
)
DELIVERY_QUEUE_DEPTH = Gauge(
    "briefbot_delivery_queue_depth",
    "Digest posts waiting in the rate-aware delivery queue.",
    registry=REGISTRY,
)
GATEWAY_RECONNECTS = Counter(
    "briefbot_gateway_reconnects",
    "Platform connection (re)connects after the first, by platform.",
    ["platform"],
    registry=REGISTRY,
)
CONTENT_VERSION = Gauge(
    "briefbot_content_version_info",
    "Loaded content version (1 for the current fingerprint).",
    ["briefing", "fingerprint"],
    registry=REGISTRY,
)

# --- run time (bot.app: runtime, health, reload) ------------------------------------------

CONTENT_RELOADS = Counter(
    "briefbot_content_reloads",
    "Content reloads (a change on disk or SIGHUP), by outcome (applied, rejected, unchanged).",
    ["outcome"],
    registry=REGISTRY,
)
READY = Gauge(
    "briefbot_ready",
    "1 when the component (a platform, database, scheduler, content) is ready, else 0.",
    ["component"],
    registry=REGISTRY,
)
BUILD_INFO = Gauge(
    "briefbot_build_info",
    "Always 1; the running Briefbot version as a label.",
    ["version"],
    registry=REGISTRY,
)
BUILD_INFO.labels(version=bot.__version__).set(1)
START_TIME = Gauge(
    "briefbot_start_time_seconds",
    "Unix time the process started serving.",
    registry=REGISTRY,
)


def record_content(loaded: Iterable[LoadedBriefing]) -> None:
    """Make ``CONTENT_VERSION`` show exactly the briefings in ``loaded`` (old versions dropped)."""
    CONTENT_VERSION.clear()
    for item in loaded:
        CONTENT_VERSION.labels(briefing=item.briefing.id, fingerprint=item.fingerprint).set(1)
