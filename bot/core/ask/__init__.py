"""``ask``: what a question asks, whether the briefing can answer it, and the claims that do.

``question`` reads a question (names, numbers, the kind of fact wanted, whole-story cues);
``reading.Reader`` reads it against one briefing's names (coverage, search terms);
``asker.Asker`` checks it against one briefing — coverage first, then answerability, then
ranking with ``bot.core.retrieval`` — and returns a neutral ``Reply`` that the ``ask``
command turns into an answer.
"""
