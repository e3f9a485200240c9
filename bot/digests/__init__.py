"""Scheduled digests: per-channel schedules, durable storage and exactly-once delivery.

handlers.py   the ``digest …`` commands
service.py    ``DigestService``: puts the parts below together (start, stop, subscribe, sweep)
tracker.py    the subscriptions this instance serves, their triggers and cursors
scheduler.py  APScheduler jobs that wake a subscription (nothing else)
planner.py    what is due, missed, or may be taken over (pure)
feeder.py     claims owed occurrences in batches as the queue has room
delivery.py   the bounded, rate-aware delivery queue with retries
worker.py     posts a claimed occurrence (an ``Outcome``) and settles it in the ledger
composer.py   composes a subscription's digest, keeps briefing versions
compose.py    builds one digest ``Answer`` from a briefing and the subscription's state (pure)
schedule.py   parses ``daily 09:00`` / ``weekly mon 09:00`` / cron text into triggers (pure)
clock.py      ``Clock``: the system's, or a virtual one for tests
ports.py      ``Poster`` (what a platform implements) and the typed delivery errors
records.py    subscriptions, ledger rows and statuses (no imports of note)
storage/      the database (schema, connection, subscriptions, ledger, versions) and in memory
cli.py        ``briefbot digests``
"""
