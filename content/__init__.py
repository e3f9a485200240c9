"""Briefings shipped with Briefbot (data only: ``*.yaml`` briefings and their source texts).

Installed as the package ``bot.content`` so ``bot.core.loader.default_content_dir()`` finds them
wherever Briefbot is installed.
"""
