"""What the console shows of itself: the prompt."""

PROMPT = "briefbot> "
