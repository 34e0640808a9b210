"""The risk check: none, concern or crisis, for every message, before anything else.

Pure and deterministic: no database, no network, no conversation state, and it
imports neither the content nor the flow (the team's extra phrases are handed
in). `RiskDetector.assess(message)` reads the message as tokens
(app/yarn/textfold.py) and tries every rule of app/yarn/lexicon/:

* A rule matches a sequence of words and word groups with small gaps, never
  across the end of a sentence. Harmless set phrases ("suicide sprints",
  "deadly", "shame job", "killing it") are blanked first, and a rule's own
  `unless` phrases anywhere in the message make it harmless.
* Whose risk: reflexive words decide ("myself" / "herself"); otherwise the
  nearest person before the match in its clause ("my cousin said she wants to
  die" is about someone else). About someone else, a wish or a statement is a
  concern; an attempt, self-harm or danger happening now stays a crisis.
* Tiers move with the words around them: "do not want to die" is a concern
  (negation never clears a risk), the past ("when i was 14") makes an attempt a
  concern, and "now"/"tonight"/"just" make it a crisis. Two different concerns
  about the writer in one message ("a burden" and "no point anymore") make a
  crisis, and so does a concern said with resolve (@DECIDED: "i made up my
  mind").
* Jokes: a laugh (@LAUGH) softens a `light` rule's crisis to a concern, and
  about something trivial clears it, unless the message says it is no joke
  (@SERIOUS: "not even joking", "deadass").
* Risk as a subject (@STUDY: "health class", "first aid", "assignment on"):
  a concern, or a risk about someone else, is not the writer's own then.

Safety first: when unsure the check errs towards a tier that shows the
resources; a false alarm costs a gentle question, a miss costs more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from app.yarn import lexicon, riskpattern
from app.yarn.lexicon import CLAUSE_BREAKS, FIRST_PERSON, OBJECTS, RULES, THIRD_PERSON, Rule
from app.yarn.riskmodel import SHORT_WORDS, RiskModel
from app.yarn.textfold import BREAK, Token, shared_vocabulary, tokenize

Level = Literal["concern", "crisis"]
_LEVELS = {"concern": 1, "crisis": 2}
_INTENT_CATEGORIES = frozenset(("suicidal_intent", "passive_death_wish", "hopelessness", "burden", "goodbye_or_note",
                                "means_or_method", "past_attempt", "self_harm_relapse"))
_OTHER_CRISIS = frozenset(("attempt", "self_harm_now", "plan_or_means_now", "abuse_or_unsafe", "someone_else_now"))


@dataclass(frozen=True)
class Assessment:
    level: Level | None
    category: str | None = None
    about: str = "self"  # self | other
    trigger: str | None = None  # the words that matched

    @property
    def risky(self) -> bool:
        return self.level is not None


NONE = Assessment(None)

# Patterns (compile_pattern, Scan) live in app/yarn/riskpattern.py.
Scan = riskpattern.Scan
Pattern = riskpattern.Pattern
compile_pattern = riskpattern.compile_pattern


# ---- rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledRule:
    """`pattern` is the part whose place decides whose risk it is; `also` are
    further parts (after " & ") that must be somewhere in the message too."""

    rule: Rule
    pattern: Pattern
    also: tuple[Pattern, ...]
    unless: tuple[Pattern, ...]
    softened_by: tuple[Pattern, ...]
    unless_by_word: dict[str, tuple[Pattern, ...]]  # each `unless` under a word it cannot match without
    unless_anywhere: tuple[Pattern, ...]  # `unless` patterns with no such word

    def cleared(self, scan: Scan) -> bool:
        """Does one of the rule's `unless` phrases occur in the message?"""
        if any(scan.has(u) for u in self.unless_anywhere):
            return True
        by_word = self.unless_by_word
        return any(scan.has(u) for form in scan.forms for u in by_word.get(form, ()))


def _compile_rule(rule: Rule) -> CompiledRule:
    first, *also = [compile_pattern(part.strip()) for part in rule.pattern.split(" & ")]
    unless = tuple({u: compile_pattern(u) for u in rule.unless}.values())
    by_word: dict[str, list[Pattern]] = {}
    anywhere: list[Pattern] = []
    for pattern in unless:
        if pattern.required:
            for word in min(pattern.required, key=_index_cost):
                by_word.setdefault(word, []).append(pattern)
        else:
            anywhere.append(pattern)
    return CompiledRule(rule, first, tuple(also), unless, tuple(compile_pattern(u) for u in rule.softened_by),
                        {w: tuple(p) for w, p in by_word.items()}, tuple(anywhere))


_NOW = compile_pattern("@NOW")
_LAUGH = compile_pattern("@LAUGH")
_SERIOUS = compile_pattern("@SERIOUS")
_DECIDED = compile_pattern("@DECIDED")
_STUDY = compile_pattern("@STUDY")
_TRIVIAL = compile_pattern("@TRIVIAL")
# "i'm safe", said plainly (the answer a check-in asks for): the model's doubt alone does not overrule it.
_SAID_SAFE = compile_pattern("(i am|am) safe")
_HEDGED = compile_pattern("(for now|i guess|i think|maybe|kind of|sort of|but|unless|probably|hope)")
_MEDIA_WORDS = compile_pattern("(movie|film|tv show|the show|series|episode|book|novel|song|lyrics|anime|character|documentary)")
_OTHER_SELVES = frozenset(("himself", "herself", "themselves", "themself"))
_VICTIM_SELF = frozenset(("bullying_or_threats", "sextortion"))  # the writer is the one threatened
_PAST = compile_pattern("@PAST")
_NEG = compile_pattern("@NEG")
_HARMLESS = tuple(compile_pattern(h) for h in lexicon.HARMLESS)


# Everyday words (and the commonest risk words) that are in most messages: a
# rule is better indexed by a rarer part.
_COMMON_WORDS = frozenset("""
a about after again all also am an and any are as at back be because been before being but by can cant could cut day
did die do does done dont down even every feel for from get go going gone good got had has have he her here him his
how i if im in into is it its just keep kill know last like lol make me mum my myself need never no not now of off
on one only or our out over people really said say school see she should so some still take than that the their them
then there they thing think this time to too up us very want was way we well went were what when where who why will
with would yeah you your
""".split())


def _index_cost(words: frozenset[str]) -> int:
    return sum(10 if word in _COMMON_WORDS else 1 for word in words)


class RiskDetector:
    """Immutable after construction; safe to share between threads."""

    def __init__(self, crisis_phrases: Iterable[str] = (), concern_phrases: Iterable[str] = (),
                 model: RiskModel | None = None) -> None:
        self.model = model
        extra = [Rule("team_phrase", "crisis", _quoted(p)) for p in crisis_phrases]
        extra += [Rule("team_phrase", "concern", _quoted(p)) for p in concern_phrases]
        self.rules = tuple(_compile_rule(rule) for rule in (*RULES, *extra))
        self.vocabulary = shared_vocabulary(w for r in self.rules for _, alts in r.pattern.parts for a in alts for w in a)
        # A rule is tried only when the message has a first word of one part it
        # cannot match without (of its pattern or of an " & " part): the part
        # whose words are least common, so few rules are tried per message.
        by_first: dict[str, list[int]] = {}
        self._anywhere: list[int] = []
        # Per rule, the word sets the message must meet (as ids, so the check is
        # one subset test): a message meets a set when one of its words is in it.
        set_ids: dict[frozenset[str], int] = {}
        self._needed: list[frozenset[int]] = []
        for n, compiled in enumerate(self.rules):
            needed = [words for part in (compiled.pattern, *compiled.also) for words in part.required]
            self._needed.append(frozenset(set_ids.setdefault(words, len(set_ids)) for words in needed))
            if not needed:
                self._anywhere.append(n)
                continue
            for word in min(needed, key=_index_cost):
                by_first.setdefault(word, []).append(n)
        ids_by_word: dict[str, list[int]] = {}
        for words, set_id in set_ids.items():
            for word in words:
                ids_by_word.setdefault(word, []).append(set_id)
        # word form -> (the rules indexed under it, the word sets it meets): one lookup per form
        self._index = {word: (tuple(by_first.get(word, ())), tuple(ids_by_word.get(word, ())))
                       for word in {*by_first, *ids_by_word}}
        self._expressions = tuple(compiled.pattern.regex for compiled in self.rules)

    def scan(self, message: str) -> Scan:
        return _blank_harmless(Scan(tokenize(message, self.vocabulary)))

    def tokens(self, message: str) -> list[Token]:
        return self.scan(message).tokens

    def assess(self, message: str) -> Assessment:
        if not isinstance(message, str) or not message.strip():
            return NONE
        scan = self.scan(message)
        found = [f for n, span in self._matches(scan) if (f := self._try(self.rules[n], scan, span)) is not None]
        ruled = _decide(found)
        return ruled if self.model is None else _second_reading(ruled, self.model, scan, len(message.split()))

    def _matches(self, scan: Scan) -> list[tuple[int, tuple[int, int]]]:
        """The rules whose pattern is in the message (in rule order), with where. Written out
        here, not by scan.find: of the ~45 rules a long message has the words for, ~40 fail
        at the search, and two calls each for those were a tenth of its reading."""
        candidates = set(self._anywhere)
        met: set[int] = set()
        index = self._index
        for form in scan.forms:
            entry = index.get(form)
            if entry is not None:
                candidates.update(entry[0])
                met.update(entry[1])
        needed, expressions, text = self._needed, self._expressions, scan.text
        found: list[tuple[int, tuple[int, int]]] = []
        for n in sorted(candidates):
            if needed[n] <= met:
                expression = expressions[n]
                if expression is None:
                    span = scan.find_possible(self.rules[n].pattern)
                else:
                    span = None if (where := expression.search(text)) is None else scan.span_of(where)
                if span is not None:
                    found.append((n, span))
        return found

    def _try(self, compiled: CompiledRule, scan: Scan, span: tuple[int, int]) -> Assessment | None:
        if not all(scan.has(part) for part in compiled.also):
            return None
        if compiled.cleared(scan):
            return None
        found = _assess_match(compiled.rule, scan, span)
        if found is not None and found.level == "crisis" and any(scan.has(p) for p in compiled.softened_by):
            found = Assessment("concern", found.category, found.about, found.trigger)
        return found


MODEL_TRIGGER = "(read as risky by the model)"
# Categories of the crisis rules: a concern in one of them is a crisis softened (a laugh, a negation, the past).
_CRISIS_KINDS = frozenset(r.category for r in RULES if r.tier == "crisis") | {"someone_else_now"}


def _joking_about_small_things(scan: Scan) -> bool:
    """A laugh about something trivial, not said to be serious: what clears a `light` rule."""
    return scan.has(_LAUGH) and scan.has(_TRIVIAL) and not scan.has(_SERIOUS)


def _second_reading(ruled: Assessment, model: RiskModel, scan: Scan, words: int) -> Assessment:
    """The learned reader (app/yarn/riskmodel.py) next to the rules: it may add a
    check-in (a crisis when its crisis reader is sure too), raise a concern to a crisis, or drop a concern said with a
    laugh that it is sure is harmless; a crisis the rules found always stands. A check-in of the model's
    own is not added to a laugh about something trivial (the same reading that
    clears a `light` rule: "shell murder me if i dont clean my room 😂")."""
    if ruled.level == "crisis":
        return ruled  # nothing the model reads can change it: its features are not worth building
    risky, crisis = model.read_tokens(scan.tokens)
    if ruled.level is None:
        if scan.has(_SAID_SAFE) and not scan.has(_HEDGED):
            return ruled  # the rules found no risk and they say they are safe: no check-in of the model's own
        if scan.has(_MEDIA_WORDS) and not any(token.text in FIRST_PERSON for token in scan.tokens):
            return ruled  # a character in a story, with no "i" or "me" in it: what `_assess_match` clears for a rule
        short = words <= SHORT_WORDS  # as typed: "idk" is one word, though it reads as "i do not know"
        if risky > (model.flag_short_above if short else model.flag_above) and not _joking_about_small_things(scan):
            level = "crisis" if crisis > model.flag_crisis_above else "concern"
            return Assessment(level, "read_as_risky", "self", MODEL_TRIGGER)
        return ruled
    if ruled.level == "concern":
        if (risky < model.drop_below and ruled.category not in _CRISIS_KINDS and scan.has(_LAUGH)
                and not scan.has(_SERIOUS)):
            # only a concern said with a laugh ("my dog is such a burden lol"): without one, the
            # model's doubt is not enough to take the question back ("i'm being bullied at school").
            # A crisis rule softened to a concern ("i want to die lol") is never dropped.
            return NONE
        if crisis > model.crisis_above and (ruled.about == "self" or scan.has(_NOW)):
            # someone else's risk is a crisis only when it is happening now (as in `_assess_match`)
            return Assessment("crisis", ruled.category, ruled.about, ruled.trigger)
    return ruled


def _quoted(phrase: str) -> str:
    """A team phrase as a pattern: its words, literally."""
    cleaned = " ".join(word for word in phrase.replace("(", " ").replace(")", " ").split() if not word.startswith(("~", "@")))
    if not cleaned:
        raise ValueError(f"risk phrase {phrase!r} has no words")
    return f"({cleaned})"


_BLANK = Token(BREAK, frozenset((BREAK,)))


_HARMLESS_BY_FIRST: dict[str, list[int]] = {}
for _n, _pattern in enumerate(_HARMLESS):
    for _word in _pattern.firsts or ():
        _HARMLESS_BY_FIRST.setdefault(_word, []).append(_n)


def _blank_harmless(scan: Scan) -> Scan:
    """The scan with harmless set phrases blanked (the same scan when there are none)."""
    candidates = {n for form in scan.forms for n in _HARMLESS_BY_FIRST.get(form, ())}
    found = [_HARMLESS[n] for n in sorted(candidates) if scan.could_match(_HARMLESS[n])]
    for pattern in found:
        span = scan.find(pattern)
        while span is not None:
            scan = Scan([*scan.tokens[:span[0]], _BLANK, *scan.tokens[span[1]:]])
            span = scan.find(pattern)
    return scan


def _clause_before(tokens: Sequence[Token], start: int, reach: int = 6) -> list[Token]:
    before: list[Token] = []
    for token in reversed(tokens[max(0, start - reach):start]):
        if token.text in CLAUSE_BREAKS:
            break
        before.append(token)
    return before


def _subject(tokens: Sequence[Token], start: int) -> str:
    for token in _clause_before(tokens, start, reach=8):
        if token.text in FIRST_PERSON:
            return "self"
        if token.forms & THIRD_PERSON:
            return "other"
        if token.forms & OBJECTS:
            return "object"
    return "self"


def _said_of_self(tokens: Sequence[Token], start: int) -> bool:
    """Does the clause say "i"/"me" right before the match ("i feel like a burden")?"""
    return any(token.text in FIRST_PERSON for token in _clause_before(tokens, start, reach=8))


def _assess_match(rule: Rule, scan: Scan, span: tuple[int, int]) -> Assessment | None:
    start, end = span
    tokens = scan.tokens
    about = rule.about or ("self" if rule.category in _VICTIM_SELF else _subject(tokens, start))
    if any(token.forms & _OTHER_SELVES for token in tokens[start:end]):
        about = "other"
    if about == "object":  # "my phone's about to die"
        return None
    if about == "other" and scan.has(_MEDIA_WORDS):  # a character in a story
        return None
    if scan.has(_STUDY) and not _said_of_self(tokens, start):  # "our assignment is on warning signs ..."
        if (rule.tier == "concern" and about == "self") or (about == "other" and not scan.has(_NOW)):
            return None
    laughing = (rule.light and scan.has(_LAUGH) and not scan.has(_SERIOUS)
                and not scan.has(_DECIDED))  # "lol im gonna kms this weekend, ive decided": a decision is no joke
    if laughing and scan.has(_TRIVIAL):  # "this homework is killing me i wanna die lol"
        return None
    level: str = rule.tier
    now = scan.has(_NOW)
    if level == "crisis" and rule.negatable and any(t.text in ("not", "never", "no", "nah") for t in _clause_before(tokens, start, 3)):
        level = "concern"
    if level == "crisis" and rule.past_downgrades and not now and scan.has(_PAST):
        level = "concern"
    if level == "concern" and rule.now_escalates and now:
        level = "crisis"
    if laughing and level == "crisis":
        level = "concern"
    if (level == "concern" and about == "self" and rule.category in _INTENT_CATEGORIES and not laughing
            and scan.has(_DECIDED)):  # "i don't wanna be here no more, i made up my mind"
        level = "crisis"
    category = rule.category
    if about == "other":
        if level == "crisis" and not now and rule.category not in _OTHER_CRISIS:
            level = "concern"
        category = "someone_else_now" if level == "crisis" else "someone_else_concern"
    trigger = " ".join(t.text for t in tokens[start:end])
    return Assessment(level, category, about, trigger)  # type: ignore[arg-type]


def _decide(found: Sequence[Assessment]) -> Assessment:
    if not found:
        return NONE
    best = max(found, key=lambda a: (_LEVELS[a.level or "concern"], a.about == "self"))
    own_concerns = {a.category for a in found if a.about == "self" and a.level == "concern"
                    and a.category in _INTENT_CATEGORIES}
    if best.level == "concern" and len(own_concerns) >= 2:
        return Assessment("crisis", best.category, "self", best.trigger)
    return best
