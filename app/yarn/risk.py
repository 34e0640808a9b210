"""Risk check: does a message talk about suicide, self-harm, wanting to die or not being safe?

Runs on every message, before anything else. Pure and deterministic: no database,
no network, no conversation state. A hit stops the normal flow and the young person
gets the crisis numbers (``CRISIS_RESOURCES``).

How a message is matched
------------------------
1. Folding: Unicode NFKD with accents removed (so full-width "ＫＭＳ" and "kíll" fold),
   invisible format characters (zero-width space/joiner, soft hyphen) dropped,
   case-folded, apostrophes dropped ("don't" -> "dont"), leetspeak digits *between
   letters* read as letters ("su1c1de" -> "suicide"), everything else that is not a
   letter or digit becomes a space, and letters/digits are split apart ("5kms" ->
   "5 kms", "want2die" -> "want 2 die").
2. Each token has every run of a repeated letter collapsed to ONE letter
   ("diiiie" -> "die", "kmsss" -> "kms", "kill" -> "kil"). Phrases go through the same
   pipeline, so "kill myself" is stored as "kil myself" and still matches "kill",
   "kil" and "killll". (Comparing a 2-collapsed form as well adds nothing once both
   sides are 1-collapsed, so only this form is used.)
3. Known misspellings are corrected token by token: a token of 5+ letters within one
   edit (insert, delete, substitute or swap two neighbours) of "suicide", "suicidal",
   "myself", "unalive" or "overdose" counts as that word ("sucide", "suicidle",
   "myslef"), plus a short list of further misspellings ("sucidle", "suecide").
4. Slang and contractions are expanded: wanna/wana/wan -> "want to", gonna/gunna ->
   "going to", imma -> "i am going to", im -> "i am", dont -> "do not", cant -> "can
   not", nobody/noone -> "no one", u -> "you", "2" -> "to", "4" -> "for",
   "my self"/"meself" -> "myself", "any more" -> "anymore", "selfharm" -> "self harm".
5. Runs of 3+ single letters are also tried joined ("k m s" -> "kms",
   "k i l l m y s e l f" -> "kilmyself"), and every multi-word phrase also matches as
   one squashed word ("#killmyself", "wanttodie").
6. Phrases match whole tokens only (so "skills", "skim", "kmsl" never match "kil" or
   "kms"). A phrase ending in " $" must end the message ("don't want to live." fires,
   "don't want to live in Darwin" does not).

Decisions (all tested in tests/unit/test_risk.py)
-------------------------------------------------
Safety first: a false alarm shows the crisis numbers to someone who did not need
them (a small cost); a miss is the cost we cannot afford. So:

* Negation is NOT parsed: "I'm not suicidal" and "I don't want to kill myself" fire.
* Someone else at risk fires too: "my cousin is suicidal", "he killed himself".
* "kys" / "kill yourself" FIRE: usually aimed at someone else, but a young person
  telling us it was said to them may be being pushed toward self-harm, and the
  numbers help either way.
* "unalive", "sewerslide", "commit sudoku", "self delete" (social-media words for
  suicide) fire.
* "not safe" fires wherever it appears, except "not safe to swim" (crocs) and
  "not safe for work": "the road's not safe" is an accepted false alarm.
* "can't do this anymore" / "can't take it anymore" fire (common distress phrases).
* "don't feel safe" / "never feel safe" fire.

Foreseeable harmless uses that must NOT fire:

* Hyperbole without a phrase: "this exam is killing me", "I'm dying of laughter",
  "lol i'm dead", "killing it at footy", "my phone died", "mum's gonna kill me",
  "I could kill for a feed": "killing me", "dying", "dead", "kill me" are not phrases.
* "take the pressure off myself": "off myself" is a phrase only as "going to / want to
  off myself".
* "I'd die for a feed of kangaroo tail": "die for" is enthusiasm, not a phrase
  ("I want to die" still fires, even followed by a joke).
* "deadly" (Aboriginal English for great), "dead set", "dead tired".
* "kms" as distance: "kms" preceded by a number or a quantity word ("5 kms",
  "20kms", "a few kms", "the kms to town") or followed by away/from/out/north/...
  ("kms out of town") is distance. "kmsl" (killing myself laughing) is a different
  token and never fires.
* Set phrases blanked before matching: "suicide squad", "suicide sprints"/"doing
  suicides" (footy/basketball training), "die my hair" (for dye), "killing myself
  laughing", "cut myself some slack", "cut myself a slice", "accidentally cut myself",
  "top myself up" (phone credit),
  "hurt myself playing footy/at training", "take my life back". Blanking one span
  never hides a real phrase elsewhere in the same message.

Editors may add phrases in ``app/content/replies.toml`` under ``[risk] extra_phrases``;
the core list below always applies and cannot be removed by editing that file.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "CORE_PHRASES",
    "CRISIS_RESOURCES",
    "HARMLESS_PHRASES",
    "Resource",
    "RiskDetector",
    "RiskMatch",
    "detect_risk",
    "default_detector",
    "fold_tokens",
    "normalise",
]

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Public data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskMatch:
    """A risk phrase found in a message."""

    phrase: str  # the canonical phrase from the curated list, e.g. "want to die"


@dataclass(frozen=True)
class Resource:
    """A crisis support service: exact facts, shown on every crisis reply and the page."""

    name: str
    number: str  # as written for people, e.g. "13 92 76"
    tel: str  # tel: link, e.g. "tel:139276"
    note: str


CRISIS_RESOURCES: tuple[Resource, ...] = (
    Resource("13YARN", "13 92 76", "tel:139276",
             "Aboriginal and Torres Strait Islander crisis support, 24/7"),
    Resource("Lifeline", "13 11 14", "tel:131114", "crisis support, 24/7"),
    Resource("Kids Helpline", "1800 55 1800", "tel:1800551800", "for young people, 24/7"),
    Resource("Emergency", "000", "tel:000", "if you or someone else is in danger right now"),
)

# The curated list. Written the way people write them; the canonical text reported
# in RiskMatch.phrase is the entry as written here. " $" at the end = end of message.
CORE_PHRASES: tuple[str, ...] = (
    # suicide
    "suicide", "suicides", "suicidal", "kill myself", "killing myself", "kms", "kys", "kill yourself",
    "kill himself", "kill herself", "kill themselves", "killed himself", "killed herself",
    "killed themselves", "take my own life", "take my life", "taking my own life",
    "took his own life", "took her own life", "took their own life",
    "end my life", "ending my life", "end it all", "want to end it $", "end myself",
    "going to off myself", "want to off myself", "top myself", "neck myself", "hang myself", "hanging myself",
    "shoot myself", "drown myself", "poison myself", "jump off a bridge and die",
    "unalive", "sewer slide", "commit sudoku", "self delete",
    "take an overdose", "took an overdose", "taking an overdose", "overdose on purpose",
    "overdose on pills", "take all my pills",
    # wanting to die
    "want to die", "wanted to die", "ready to die",
    "deserve to die", "want to be dead", "wish i was dead", "wish i were dead",
    "wish i wasn't alive", "wish i was never born", "wish i had never been born",
    "better off dead", "better off without me", "no reason to live",
    "no reason to keep going", "nothing to live for", "no point living",
    "no point in living", "what's the point of living", "not worth living",
    "tired of living", "tired of being alive", "sick of living", "give up on life",
    "don't want to live $", "don't want to live anymore", "don't want to live no more",
    "don't want to live like this", "don't want to be alive", "don't want to exist",
    "don't want to be here anymore", "don't want to be here no more",
    "don't want to be here any longer", "want it all to end", "want my life to end",
    "want everything to end", "disappear forever", "no one would miss me",
    "no one would care if i died", "thinking about dying", "thinking of dying",
    "can't do this anymore", "can't do this no more", "can't go on anymore",
    "can't go on like this", "can't take it anymore", "can't take it no more",
    # self-harm
    "self harm", "self harming", "self harmed", "hurt myself", "hurting myself",
    "harm myself", "harming myself", "cut myself", "cutting myself", "cut my wrists",
    "slit my wrists", "slash my wrists", "cut my arms", "burn myself", "burning myself",
    "starve myself", "starving myself",
    # not being safe
    "not safe", "don't feel safe", "never feel safe", "feel unsafe", "unsafe at home", "i am unsafe", "scared for my life",
    "scared to go home", "afraid to go home", "someone is hurting me", "being abused",
    "abusing me", "bashes me", "bashing me",
)

# Harmless set phrases blanked out before matching (see module docstring).
_HURT_CONTEXTS = ("playing", "at footy", "at training", "at sport", "at the game",
                  "at basketball", "at netball", "at the gym", "skating", "riding",
                  "laughing", "by accident")
HARMLESS_PHRASES: tuple[str, ...] = (
    "suicide squad", "suicide sprint", "suicide sprints", "suicide run", "suicide runs",
    "suicide drill", "suicide drills", "suicide doors",
    "do suicides", "did suicides", "doing suicides", "run suicides", "ran suicides",
    "running suicides",
    "not safe to swim", "not safe for work",
    "die my hair", "die her hair", "die his hair", "die your hair", "die their hair",
    "die our hair",
    "killing myself laughing", "kill myself laughing", "kms laughing",
    "cut myself some slack", "cut myself a slice", "cut myself a piece", "cut myself shaving", "cut myself cooking",
    "cut myself by accident", "accidentally cut myself", "accidentally hurt myself",
    "take my life back", "taking my life back", "top myself up", "burn myself cooking",
    *(f"hurt myself {ctx}" for ctx in _HURT_CONTEXTS),
)

# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------

_APOSTROPHES = "'\u2019\u2018`\u00b4\u02bc\u02b9\u2032"
_APOS_RE = re.compile(f"[{re.escape(_APOSTROPHES)}]")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_RE = re.compile(r"(?<=[a-z])[013457@$](?=[a-z])")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
_ALPHA_DIGIT_RE = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_REPEAT_RE = re.compile(r"([a-z])\1+")

BLANK = "|"  # a token no phrase contains; breaks adjacency
END = "$"  # end-of-message marker


def _collapse(token: str) -> str:
    return _REPEAT_RE.sub(r"\1", token)


def fold_tokens(text: str) -> list[str]:
    """Lowercase ASCII tokens with accents, apostrophes and punctuation removed and
    every repeated-letter run collapsed to one letter. Shared with the intent classifier."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")
    t = t.casefold()
    t = unicodedata.normalize("NFKD", t)  # casefold can produce decomposable characters
    t = _APOS_RE.sub("", t)
    t = _LEET_RE.sub(lambda m: _LEET[m.group()], t)
    t = _NON_ALNUM_RE.sub(" ", t)
    t = _ALPHA_DIGIT_RE.sub(" ", t)
    return [_collapse(tok) for tok in t.split()]


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without repeated edits),
    returning limit + 1 as soon as it is clearly larger than limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if (prev2 is not None and i > 1 and j > 1
                    and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]):
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


_FUZZY_TARGETS = tuple(_collapse(w) for w in ("suicide", "suicidal", "myself", "unalive", "overdose"))
_MISSPELLINGS = {
    _collapse(k): v for k, v in {
        "sucidle": "suicide", "suecide": "suicide", "suiciede": "suicide", "suacide": "suicide",
        "sooicide": "suicide", "sewerslide": "sewer slide", "suicidial": "suicidal",
        "meself": "myself", "miself": "myself", "myslf": "myself", "mself": "myself",
        "urself": "yourself", "yourslef": "yourself",
        "selfharm": "self harm", "selfharming": "self harming", "selfharmed": "self harmed",
        "selfdelete": "self delete", "unalived": "unalive", "unaliving": "unalive",
        # plural kept as is (not fuzzy-matched to "suicide"): "doing suicides" at training
        # is harmless, "doing suicide" is not; "suicides" alone is still a phrase.
        "suicides": "suicides",
    }.items()
}
_EXPANSIONS = {
    _collapse(k): v for k, v in {
        "wanna": "want to", "wana": "want to", "wanta": "want to", "wonna": "want to",
        "wan": "want", "wnt": "want", "gonna": "going to", "gunna": "going to",
        "gona": "going to", "gotta": "got to", "imma": "i am going to",
        "ima": "i am going to", "im": "i am", "iam": "i am", "ive": "i have",
        "id": "i would", "ill": "i will", "dont": "do not", "dnt": "do not",
        "doesnt": "does not", "didnt": "did not", "cant": "can not", "cannot": "can not",
        "carnt": "can not", "wont": "will not", "isnt": "is not", "aint": "am not",
        "wasnt": "was not", "wouldnt": "would not", "arent": "are not",
        "whats": "what is", "thats": "that is", "theres": "there is",
        "nobody": "no one", "noone": "no one", "nobdy": "no one", "u": "you",
        "ur": "your", "r": "are", "2": "to", "4": "for", "tryna": "trying to",
    }.items()
}
_MERGES = {("my", "self"): "myself", ("me", "self"): "myself", ("any", "more"): "anymore",
           ("un", "alive"): "unalive", ("no", "body"): "no one"}

_QUANTITY_WORDS = frozenset(_collapse(w) for w in (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty",
    "seventy", "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands",
    "few", "couple", "several", "many", "the", "those", "these", "extra", "half", "odd",
))
_DISTANCE_FOLLOWERS = frozenset(_collapse(w) for w in (
    "away", "from", "out", "north", "south", "east", "west", "per", "ph", "kph",
    "each", "of", "along", "down", "up", "further", "farther", "past", "outside",
))


def _is_number(tok: str) -> bool:
    return tok.isdigit() or tok in _QUANTITY_WORDS


def _mark_distance(tokens: list[str]) -> list[str]:
    """'kms' used as kilometres becomes a blank token."""
    out = list(tokens)
    for i, tok in enumerate(tokens):
        if tok != "kms":
            continue
        before = tokens[i - 1] if i > 0 else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        after2 = tokens[i + 2] if i + 2 < len(tokens) else ""
        if (_is_number(before) or after in _DISTANCE_FOLLOWERS
                or (after == "to" and after2 in ("town", "the", "get", "go", "drive", "walk"))):
            out[i] = BLANK
    return out


def _canonical_word(tok: str) -> str:
    if tok in _MISSPELLINGS:
        return _MISSPELLINGS[tok]
    if len(tok) >= 5 and tok.isalpha() and tok not in _FUZZY_TARGETS:
        for target in _FUZZY_TARGETS:
            if _osa_distance(tok, target, 1) <= 1:
                return target
    return tok


def _expand(tokens: list[str]) -> list[str]:
    merged: list[str] = []
    i = 0
    while i < len(tokens):
        pair = tuple(tokens[i:i + 2])
        if pair in _MERGES:
            merged.append(_MERGES[pair])  # type: ignore[index]
            i += 2
        else:
            merged.append(tokens[i])
            i += 1
    out: list[str] = []
    for tok in merged:
        tok = _canonical_word(tok)
        tok = _EXPANSIONS.get(tok, tok)
        out.extend(tok.split())
    return out


def _join_single_letters(tokens: list[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for tok in tokens + [""]:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if len(run) >= 3:
            out.append(_collapse("".join(run)))
        else:
            out.extend(run)
        run = []
        if tok:
            out.append(tok)
    return out


def _token_variants(text: str) -> list[list[str]]:
    base = fold_tokens(text)
    variants = [base]
    joined = _join_single_letters(base)
    if joined != base:
        variants.append(joined)
    return [_expand(_mark_distance(v)) for v in variants]


def normalise(text: str) -> str:
    """The matching form of a text (first variant), e.g. for debugging and tests."""
    return " ".join(_token_variants(text)[0])


def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    at_end = phrase.rstrip().endswith(" $") or phrase.strip() == "$"
    body = phrase.rstrip()[:-1] if at_end else phrase
    toks = _expand(fold_tokens(body))
    return tuple(toks) + ((END,) if at_end else ())


def _display(phrase: str) -> str:
    """The phrase as reported in RiskMatch: without the end-of-message marker."""
    p = phrase.strip()
    return p[:-1].rstrip() if p.endswith(" $") else p


# ---------------------------------------------------------------------------
# Detector
# ---------------------------------------------------------------------------


class RiskDetector:
    """Matches a fixed phrase list. Immutable after construction; safe to share."""

    def __init__(self, phrases: Iterable[str], harmless: Iterable[str] = HARMLESS_PHRASES):
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        seen: set[tuple[str, ...]] = set()
        self.phrases: tuple[str, ...] = tuple(phrases)
        for phrase in self.phrases:
            toks = _phrase_tokens(phrase)
            if not toks or toks == (END,):
                raise ValueError(f"risk phrase {phrase!r} has no words after normalisation")
            forms = [toks]
            words = [t for t in toks if t != END]
            if len(words) > 1:
                forms.append(("".join(words),) + ((END,) if toks[-1] == END else ()))
            for form in forms:
                if form in seen:
                    continue
                seen.add(form)
                self._by_first.setdefault(form[0], []).append((form, _display(phrase)))
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))  # longest first at a position
        self._harmless: dict[str, list[tuple[str, ...]]] = {}
        for h in harmless:
            htoks = _phrase_tokens(h)
            if htoks:
                self._harmless.setdefault(htoks[0], []).append(htoks)
        for hl in self._harmless.values():
            hl.sort(key=lambda t: -len(t))

    def _blank_harmless(self, tokens: list[str]) -> list[str]:
        out = list(tokens)
        for i, tok in enumerate(tokens):
            for htoks in self._harmless.get(tok, ()):
                if tuple(tokens[i:i + len(htoks)]) == htoks:
                    for j in range(i, i + len(htoks)):
                        out[j] = BLANK
                    break
        return out

    def _find(self, tokens: Sequence[str]) -> tuple[int, str] | None:
        for i, tok in enumerate(tokens):
            for form, phrase in self._by_first.get(tok, ()):
                if tuple(tokens[i:i + len(form)]) == form:
                    return i, phrase
        return None

    def detect(self, message: str) -> RiskMatch | None:
        if not isinstance(message, str) or not message:
            return None
        best: tuple[int, str] | None = None
        for tokens in _token_variants(message):
            tokens = self._blank_harmless(tokens) + [END]
            found = self._find(tokens)
            if found and (best is None or found[0] < best[0]):
                best = found
        return RiskMatch(best[1]) if best else None


@lru_cache(maxsize=1)
def default_detector() -> RiskDetector:
    """Core phrases plus the team's ``[risk] extra_phrases`` from replies.toml.

    If the content file cannot be read, the core list still applies (the content
    module fails loudly on its own; the risk check must never be switched off).
    """
    extras: tuple[str, ...] = ()
    try:
        from app.yarn import content  # lazy: content imports this module

        extras = content.default_content().risk_extra_phrases
    except Exception:  # pragma: no cover - exercised only with a broken content file
        log.exception("risk: could not load extra phrases from replies.toml; using the core list")
    try:
        return RiskDetector(CORE_PHRASES + tuple(extras))
    except ValueError:  # pragma: no cover - content validation rejects these first
        log.exception("risk: bad extra phrase in replies.toml; using the core list")
        return RiskDetector(CORE_PHRASES)


def detect_risk(message: str) -> RiskMatch | None:
    """The first (earliest in the message) curated risk phrase found, or None."""
    return default_detector().detect(message)
