"""Safety: the one assessment of a message, and the reply a risky one gets.

`assess(message)` runs the risk check (app/yarn/risk.py) with the team's extra
phrases from replies.toml. `safety_reply(assessment)` is the text for it: the
crisis reply, a check-in that asks plainly whether they are safe right now,
replies about helping someone else, about abuse, bullying or sextortion. Every
one ends with the services (app/yarn/resources.py), exact. None quotes or
praises what was written.

Pure: it needs no database, so a young person gets it whatever else fails.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from app.yarn.content import Content, default_content
from app.yarn.resources import CRISIS_RESOURCES, VIOLENCE_RESOURCE, Resource, as_json, resource_lines
from app.yarn.risk import Assessment, RiskDetector
from app.yarn.riskmodel import default_model

ReplyKind = Literal["crisis", "checkin", "abuse", "other_crisis", "other_concern", "bullying", "sextortion"]
# Replies that end with "are you safe right now?": the next message is the answer.
ASKS_IF_SAFE: frozenset[str] = frozenset(("checkin", "abuse", "bullying", "sextortion"))
_KIDS, _LIFELINE, _YARN, _EMERGENCY = (CRISIS_RESOURCES[2], CRISIS_RESOURCES[1], CRISIS_RESOURCES[0],
                                       CRISIS_RESOURCES[3])
VIOLENCE_RESOURCES: tuple[Resource, ...] = (_KIDS, VIOLENCE_RESOURCE, _YARN, _LIFELINE, _EMERGENCY)


@lru_cache(maxsize=1)
def detector() -> RiskDetector:
    content = default_content()
    return RiskDetector(content.crisis_phrases, content.concern_phrases, model=default_model())


def assess(message: object) -> Assessment:
    """The risk assessment of a message (of any text a request carried)."""
    return detector().assess(message if isinstance(message, str) else "")


def reply_kind(assessment: Assessment) -> ReplyKind:
    if assessment.about == "other":
        return "other_crisis" if assessment.level == "crisis" else "other_concern"
    if assessment.category == "abuse_or_unsafe":
        return "abuse"
    if assessment.level == "crisis":
        return "crisis"
    if assessment.category == "sextortion":
        return "sextortion"
    if assessment.category == "bullying_or_threats":
        return "bullying"
    return "checkin"


def resources_for(kind: ReplyKind) -> tuple[Resource, ...]:
    return VIOLENCE_RESOURCES if kind in ("abuse", "sextortion") else CRISIS_RESOURCES


def _compose(intro: str, kind: ReplyKind, outro: str) -> str:
    text = "\n".join([intro, "", *resource_lines(resources_for(kind)), "", outro]).strip()
    for resource in resources_for(kind):  # belt and braces: the facts must be there exactly
        assert resource.number in text, resource.name
    return text


def crisis_text(content: Content | None = None) -> str:
    content = content or default_content()
    return _compose(content.crisis_intro, "crisis", content.crisis_outro)


def kind_text(kind: ReplyKind, content: Content | None = None) -> str:
    content = content or default_content()
    if kind == "crisis":
        return crisis_text(content)
    return _compose(content.safety[kind], kind, content.safety[f"{kind}_outro"])


def safety_reply(assessment: Assessment, seed: int = 0, content: Content | None = None) -> str:
    """The reply to a message assessed concern or crisis."""
    content = content or default_content()
    kind = reply_kind(assessment)
    text = kind_text(kind, content)
    if kind == "crisis":
        text += "\n\n" + content.reply("crisis_continue", seed)
    return text


def resources_json(assessment: Assessment) -> list[dict[str, str]]:
    return as_json(resources_for(reply_kind(assessment)))


def support_lines() -> str:
    """The services as lines, for replies that close a yarn that had a safety reply."""
    return "\n".join(resource_lines(CRISIS_RESOURCES))
