"""The Slack stand-in's checks on everything the bot sends (into ``violations``): fallback
``text``, block counts, blocks that ``slack_sdk`` parses, unique ``block_id``/``action_id``s,
image blocks showing only files the app uploaded (``slack_file``), and, with
``forbid_mentions``, no broadcast or user mention."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import Block

from tests.fakes.slack.models import MENTION, MESSAGE_BLOCK_LIMIT, maybe_json, strings


class ChecksMixin:
    """Message and block checks, mixed into ``SlackFake`` (whose ``__init__`` holds the
    state these methods read and write)."""

    def _check_message(self, where: str, message: Mapping[str, Any], *, ack: bool = False) -> None:
        if ack and not message:
            return
        if not str(message.get("text") or "").strip():
            self.violations.append(f"{where}: no fallback text")
        self._check_blocks(where, message, MESSAGE_BLOCK_LIMIT)

    def _check_blocks(self, where: str, container: Mapping[str, Any], limit: int) -> None:
        blocks = maybe_json(container.get("blocks")) or []
        if len(blocks) > limit:
            self.violations.append(f"{where}: {len(blocks)} blocks (limit {limit})")
        block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
        for block_id in {b for b in block_ids if block_ids.count(b) > 1}:
            self.violations.append(f"{where}: duplicate block_id {block_id!r}")
        for n, block in enumerate(blocks):
            action_ids = [
                e.get("action_id") for e in block.get("elements", []) if isinstance(e, dict)
            ]
            action_ids = [a for a in action_ids if a]
            if len(action_ids) != len(set(action_ids)):
                self.violations.append(f"{where}: block {n} repeats an action_id")
            try:
                parsed = Block.parse(block)
                if parsed is None:
                    raise ValueError(f"unknown block type {block.get('type')!r}")
                parsed.to_dict()
            except Exception as exc:  # the SDK raises SlackObjectFormationError and friends
                self.violations.append(f"{where}: block {n} invalid: {exc}")
            shown = block.get("slack_file") if block.get("type") == "image" else None
            if isinstance(shown, dict):
                # Slack: invalid_blocks unless the file is one the app uploaded (and completed).
                ids = {u.file_id for u in self.uploads if u.completed}  # type: ignore[attr-defined]
                if shown.get("id") not in ids:
                    self.violations.append(f"{where}: block {n} shows a file never uploaded")
        if self.forbid_mentions:
            for text in strings({"text": container.get("text"), "blocks": blocks}):
                for mention in MENTION.findall(text):
                    self.violations.append(f"{where}: mention {mention!r} in {text[:80]!r}")
