"""What the risk check looks for: word groups and rules (data, read by risk.py).

A package of data modules, each under ~400 lines, gathered here in a fixed
order (the order rules are tried in):
    groups.py          the word groups (@NAME)
    contexts.py        harmless contexts shared by rules' `unless`, the set phrases
                       blanked first (HARMLESS), the contexts that clear a whole
                       category (CATEGORY_UNLESS), the person and object word sets
    rules_danger.py    crisis rules: intent, plans and means, attempts, self-harm, abuse
    rules_feelings.py  concern rules: wishes, hopelessness, burden, means, goodbyes, ...
    rules_broad.py     co-occurrence readings ("A & B")
    rules_indirect.py  indirect and everyday ways of saying it
    rules_round1.py    from the dev10-14 review
    rules_round2.py    from the dev15-17 review
    rules_round3.py    from the dev18-22 review
    rules_round4.py    from the dev23-29 review
    rules_round5.py    from the dev30-37 review
    rules_round6.py    from the dev38-45 review
    contexts_round7.py the dev46-53 review's clearing contexts and blanked phrases
    contexts_round8.py the dev54-62 review's
    rules_round9.py    from the dev63-71 review
    contexts_round9.py the dev63-71 review's clearing contexts and blanked phrases
    rules_round10.py   from the dev72-83 review
    contexts_round10.py the dev72-83 review's clearing contexts
    rules_round11.py   from the dev84-101 review
    contexts_round11.py the dev84-101 review's clearing contexts
`from app.yarn.lexicon import RULES, GROUPS, ...` works as before.

Written as young people write, after text folding (app/yarn/textfold.py): lower
case, "do not" for "dont", lemmas match their forms ("cut" matches "cutting").

Pattern syntax (one rule = one pattern):
    word          the word, or any word whose lemma it is
    @GROUP        any phrase of a group below
    (a|b c|)      one of these phrases (an empty one makes it optional)
    ~N            up to N other words before the next part (never across . , ! ?)
    $             the end of the message;  .  the end of a sentence or of the message
    A & B         A, and B somewhere in the message too

Aboriginal English, Kriol and Torres Strait Creole terms carry their source
(docs/risk-language-sources.md has the quotes):
  [LLQ]  Lifeline Queensland, "Mob to Mob" (13YARN): https://fundraise.lifelineqld.org.au/blog/mob-to-mob-yarn
  [13Y]  13YARN "About Us", quoted at https://blogs.flinders.edu.au/student-health-and-well-being/2022/03/22/launch-of-first-national-crisis-support-line-for-aboriginal-and-torres-strait-islander-people/
  [QLD]  Queensland Government, "Suicide": http://www.qld.gov.au/youth/health-looking-after-yourself/suicide/
  [BB]   Beyond Blue, "Warning signs for suicide": https://healthyfamilies.beyondblue.org.au/age-13/mental-health-conditions-in-young-people/suicide/warning-signs-for-suicide
  [SSM]  Strong Spirit Strong Mind, "Mental Health": https://strongspiritstrongmind.com.au/mental-health
  [ADV]  "Yarn up ... when you're not feeling deadly": https://theadvocate.org.au/news/yarn-up-and-seek-help-when-youre-not-feeling-deadly/
  [CS]   Creative Spirits, "Aboriginal words in Australian English": http://www.creativespirits.info/aboriginalculture/language/aboriginal-words-in-australian-english
  [KOO]  "Koorified" (La Trobe University, VACCHO): https://docslib.org/doc/2380405/koorified-aboriginal-communication-and-well-being-contents
  [HUM]  "Humbug (Aboriginal)": https://wikimili.com/en/Humbug_(Aboriginal)
  [NQLC] NQLC, "Sorry Business": https://www.nqlc.com.au/index.php/people-and-culture/sorry-business/
  [APICS] APiCS, Kriol: http://apics-online.info/valuesets/25-43
  [UNV]  commonly reported, no public source found: to be checked by Aboriginal and
         Torres Strait Islander reviewers (docs/risk-language-sources.md, section 8)
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Rule:
    category: str
    tier: str  # concern | crisis
    pattern: str
    about: str | None = None  # self / other fixed by the words; None: read the subject before the match
    unless: tuple[str, ...] = ()  # patterns that make the message harmless for this rule
    now_escalates: bool = False  # concern -> crisis when the message also says now/tonight/...
    past_downgrades: bool = False  # crisis -> concern when it happened in the past
    negatable: bool = True  # "do not want to die": crisis -> concern
    softened_by: tuple[str, ...] = ()  # patterns that make a crisis a concern (hyperbole that may still hurt)
    light: bool = False  # words people joke with: laughing about something small is harmless, laughing alone softens


def _part(name: str):  # type: ignore[no-untyped-def]
    """One data module of this package. Imported by name with the builtin so that
    this file's own imports stay the standard library's (the lexicon depends on
    nothing else of the app; tests/unit/test_content.py reads its imports)."""
    return __import__(f"{__name__}.{name}", fromlist=["RULES"])


_RULE_PARTS = ("rules_danger", "rules_feelings", "rules_broad", "rules_indirect", "rules_round1", "rules_round2",
               "rules_round3", "rules_round4", "rules_round5", "rules_round6", "rules_round9", "rules_round10", "rules_round11")
_groups = _part("groups")
_contexts = _part("contexts")
# The reviews' clearing contexts and blanked phrases, one module a round.
_reviews = tuple(_part(name) for name in ("contexts_round7", "contexts_round8", "contexts_round9", "contexts_round10",
                                          "contexts_round11"))

GROUPS = _groups.GROUPS
HARMLESS: tuple[str, ...] = _contexts.HARMLESS + tuple(h for review in _reviews for h in review.HARMLESS)
THIRD_PERSON: frozenset[str] = _contexts.THIRD_PERSON
FIRST_PERSON: frozenset[str] = _contexts.FIRST_PERSON
OBJECTS: frozenset[str] = _contexts.OBJECTS
CLAUSE_BREAKS: frozenset[str] = _contexts.CLAUSE_BREAKS


def _clearing(category: str) -> tuple[str, ...]:
    """A category's clearing contexts (and those of every category, "*"): they
    join the `unless` of every rule in it."""
    return _contexts.CATEGORY_UNLESS.get(category, ()) + _contexts.CATEGORY_UNLESS["*"] + tuple(
        c for review in _reviews for c in review.UNLESS.get(category, ()) + review.UNLESS["*"])


RULES: tuple[Rule, ...] = tuple(replace(rule, unless=rule.unless + _clearing(rule.category))
                                for part in _RULE_PARTS for rule in _part(part).RULES)

__all__ = ["CLAUSE_BREAKS", "FIRST_PERSON", "GROUPS", "HARMLESS", "OBJECTS", "RULES", "THIRD_PERSON", "Rule"]
