"""Crisis and support services: exact facts, in one place.

Every safety reply, the page's crisis bar, error bodies and fallback replies take
their numbers from here. Each number was checked on the service's own (or its
operator's) published page; the page is named beside it. A number anywhere in
app/content/replies.toml must be one of these, written exactly so (the app
refuses to start otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    name: str
    number: str  # as written for people, e.g. "13 92 76"
    tel: str  # tel: link
    note: str
    source: str  # where the number was checked


CRISIS_RESOURCES: tuple[Resource, ...] = (
    # Lifeline Queensland (Lifeline runs 13YARN): "at the heart of 13YARN (13 92 76)"
    Resource("13YARN", "13 92 76", "tel:139276", "Aboriginal and Torres Strait Islander crisis support, 24/7",
             "https://fundraise.lifelineqld.org.au/blog/mob-to-mob-yarn"),
    Resource("Lifeline", "13 11 14", "tel:131114", "crisis support, 24/7",
             "https://lifelineh2h.org.au/get-help/telephone-crisis-support/faqs/"),
    Resource("Kids Helpline", "1800 55 1800", "tel:1800551800", "for young people, 24/7",
             "https://www.yourtown.com.au/kids-helpline-protects-children"),
    Resource("Emergency", "000", "tel:000", "if you or someone else is in danger right now",
             "https://www.1800respect.org.au/terms-and-conditions"),
)

# For family, domestic and sexual violence ("the 1800RESPECT telephone support
# service (1800 737 732)", on 1800RESPECT's own terms page). Shown with the crisis
# resources on replies about abuse or not being safe at home.
VIOLENCE_RESOURCE = Resource(
    "1800RESPECT", "1800 737 732", "tel:1800737732", "family, domestic and sexual violence support, 24/7",
    "https://www.1800respect.org.au/terms-and-conditions",
)

ALL_RESOURCES: tuple[Resource, ...] = (*CRISIS_RESOURCES, VIOLENCE_RESOURCE)
EXACT_NUMBERS: frozenset[str] = frozenset(r.number for r in ALL_RESOURCES)


def resource_lines(resources: tuple[Resource, ...] = CRISIS_RESOURCES) -> list[str]:
    """The services as lines of a reply: '• 13YARN: 13 92 76 (...)'."""
    return [f"• {r.name}: {r.number} ({r.note})" for r in resources]


def as_json(resources: tuple[Resource, ...] = CRISIS_RESOURCES) -> list[dict[str, str]]:
    """The services for API bodies (the page renders them as tap-to-call links)."""
    return [{"name": r.name, "number": r.number, "tel": r.tel, "note": r.note} for r in resources]
