"""Authoring tools: from an article to a briefing skeleton, and help while finishing it.

- ``article`` reads an article (plain text, Markdown or a saved HTML page) into normalised
  paragraphs, leaving out publisher boilerplate and saying what was left out;
- ``candidates`` finds what a briefing is made of — named actors, dated sentences, figures —
  each as an exact sentence of the source with its paragraph;
- ``skeleton`` writes the ``SLUG.source.txt`` and the ``SLUG.yaml`` skeleton;
- ``fix`` applies the validator's unambiguous corrections (``briefbot validate --fix``);
- ``commands`` runs ``briefbot new``, ``briefbot paragraphs`` and ``briefbot validate --fix``.

Only the content schema and loader of ``bot.core`` are used here; nothing of the bot itself.
"""
