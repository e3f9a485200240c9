"""Durable storage of the digests, one module per concern.

- ``schema``: the tables and the numbered migrations;
- ``connection``: SQLAlchemy engine set-up (SQLite pragmas, PostgreSQL pool) and running
  blocking queries in worker threads;
- ``subscriptions``, ``ledger``, ``versions``: the database's parts;
- ``protocols``: what the digests need (``Subscriptions``, ``Ledger``, ``Versions``);
- ``memory``: the same in memory, held to the same contract tests;
- ``store``: ``Store``, the database with all its parts.
"""

from bot.digests.records import (
    ACTIVE,
    CLAIMED,
    FAILED,
    MISSED,
    PAUSED,
    RETRY,
    SENT,
    Delivery,
    Subscription,
)
from bot.digests.storage.connection import normalise_url
from bot.digests.storage.memory import MemoryStore
from bot.digests.storage.protocols import DigestStore, Ledger, Subscriptions, Versions
from bot.digests.storage.schema import SCHEMA_VERSION
from bot.digests.storage.store import Store

__all__ = [
    "ACTIVE",
    "CLAIMED",
    "FAILED",
    "MISSED",
    "PAUSED",
    "RETRY",
    "SCHEMA_VERSION",
    "SENT",
    "Delivery",
    "DigestStore",
    "Ledger",
    "MemoryStore",
    "Store",
    "Subscription",
    "Subscriptions",
    "Versions",
    "normalise_url",
]
