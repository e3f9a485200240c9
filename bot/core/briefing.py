"""The briefing content schema: what a file in ``content/`` may say.

A briefing is one YAML file. Every claim carries at least one ``evidence`` quote (an exact
sentence of the source article, with its paragraph number); ``bot.core.loader`` checks the quotes
against the article text kept next to the YAML file.

Paragraphs are numbered from 1 over the source text file: a paragraph is a block of non-empty
lines separated by blank lines.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Model):
    """An exact quote of the source and the paragraph it appears in."""

    quote: Text
    paragraph: int = Field(ge=1)


class Claim(_Model):
    """A statement of the briefing and the evidence it rests on.

    ``id`` is optional and stable across edits; digests use it to tell a changed claim from a
    removed one. Without it the claim's text is its identity.
    """

    id: Slug | None = None
    text: Text
    evidence: list[Evidence] = Field(min_length=1)


class Stance(_Model):
    """An actor's position on the briefing's central question.

    ``side`` (optional) says where the actor stands for whole-story questions such as "who is
    against it?": ``for`` (drives or supports it), ``against``, ``engaged`` (takes part, its own
    view unstated) or ``unstated``. Without it, ``ask`` reads the side from the label's words.
    """

    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    explanation: Text
    evidence: list[Evidence] = Field(min_length=1)
    side: Literal["for", "against", "engaged", "unstated"] | None = None


class KeyPoint(Claim):
    """A key point; ``role`` (optional) places it in the story for whole-story questions.

    ``driver``: why it is happening; ``obstacle``: what stands in the way; ``outlook``: what
    comes next; ``context``: background. ``ask`` answers "why?" with the drivers, "what's in
    the way?" with the obstacles and "what's next?" with the outlook and what to watch.
    """

    role: Literal["driver", "obstacle", "outlook", "context"] | None = None


class Relation(_Model):
    """How an actor relates to another actor of the same briefing."""

    actor: Slug
    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    text: Text
    evidence: list[Evidence] = Field(min_length=1)


class Actor(_Model):
    """A party with a position, interests or constraints in the article."""

    id: Slug
    name: Text
    kind: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
    ]  # state, leader, armed group, coalition, organisation, ...
    aliases: list[Text] = Field(default_factory=list)
    stance: Stance
    interests: list[Claim] = Field(default_factory=list)
    constraints: list[Claim] = Field(default_factory=list)
    actions: list[Claim] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    #: What the article leaves unknown about this actor (statements of absence need no quote).
    unknowns: list[Text] = Field(default_factory=list)


class TimelineEvent(_Model):
    """A dated event. ``when`` is as precise as the article is (e.g. "2011", "December 2022")."""

    id: Slug | None = None
    when: Text
    #: Sort key, ISO-like and only as precise as known: "2010", "2022-06", "2022-12".
    sort_key: Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}){0,2}$")]
    text: Text
    actors: list[Slug] = Field(default_factory=list)
    evidence: list[Evidence] = Field(min_length=1)


class Figure(_Model):
    """A key number of the article."""

    id: Slug | None = None
    label: Text
    value: Text
    text: Text
    evidence: list[Evidence] = Field(min_length=1)


class SourceNote(_Model):
    """Something a careful reader should know about the source: slips, repetitions, gaps."""

    kind: Annotated[str, StringConstraints(pattern=r"^(slip|repetition|gap|boilerplate|other)$")]
    text: Text
    evidence: list[Evidence] = Field(default_factory=list)


class Source(_Model):
    """Where the briefing comes from. Say what the source does not state; never invent it."""

    title: Text
    publisher: Text
    author: Text
    #: The article text, relative to the YAML file, used to verify every quote.
    text_file: Text
    url: str | None = None
    published: str | None = None
    not_stated: list[Text] = Field(default_factory=list)
    attribution: Text


class Briefing(_Model):
    """One structured, cited briefing of one source article."""

    id: Slug
    title: Text
    #: Ordering for "newest briefing" defaults; bump it when adding a newer briefing.
    added: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    question: Text
    source: Source
    summary: Claim
    key_points: list[KeyPoint] = Field(min_length=1)
    actors: list[Actor] = Field(min_length=1)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    watch: list[Claim] = Field(default_factory=list)
    source_notes: list[SourceNote] = Field(default_factory=list)
    #: The story's own terms and the words readers use for them, e.g.
    #: ``rapprochement: [deal, reconciliation, normalisation]``: a question using one of the
    #: words on the right also searches for the term on the left (``ask`` only).
    vocabulary: dict[Text, list[Text]] = Field(default_factory=dict)

    def actor(self, actor_id: str) -> Actor:
        """The actor with this id (KeyError if none)."""
        for actor in self.actors:
            if actor.id == actor_id:
                return actor
        raise KeyError(actor_id)
