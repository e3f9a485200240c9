"""Briefbot: a cited, structured briefing of an article, served on Discord, Slack and a console."""

__version__ = "0.1.0"
