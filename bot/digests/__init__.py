"""Scheduled digests: per-channel schedules, durable storage and exactly-once delivery.

schedule.py   parse ``daily 09:00`` / ``weekly mon 09:00`` / cron text into triggers (pure)
compose.py    build one digest ``Answer`` from a briefing and the subscription's state (pure)
store.py      SQLAlchemy storage: migrations, subscriptions, the delivery ledger, meta
delivery.py   the bounded, rate-aware delivery queue with retries
service.py    ``DigestService``: APScheduler jobs, catch-up, sweeping, claim → post → mark
commands.py   the ``digest …`` commands
cli.py        ``briefbot digests``
"""
