"""Text folding: a young person's message as comparable word tokens.

Used by the risk check (`tokenize`: words with their dictionary forms) and the
intent classifier (`fold_tokens`: plain words). Pure and fast; nothing here
knows what a risky word is.

1. Emoji that carry meaning become words (💊 pills, 🔪 knife, 🪢 rope, 🩸 blood,
   ⚰️ coffin, 🔫 gun; 😂 🤣 💀 lol); other emoji and symbols become spaces.
2. Unicode NFKD without accents (full-width "ＫＭＳ", "kíll"), invisible format
   characters dropped, case folded.
3. Text-speak that the apostrophe rule would spoil is read first: "od'd" ->
   overdosed, "sh'ing" -> self harming.
4. Apostrophes dropped ("don't" -> "dont"); leetspeak digits between letters read
   as letters ("su1c1de"); anything else not a letter or digit splits words;
   letters and digits split ("want2die" -> "want 2 die").
5. `tokenize`: a run of 3+ equal letters becomes 2 ("killll" -> "kill"), and 1 when
   that makes a word of the vocabulary ("diiie" -> "die"); text-speak and known
   misspellings are expanded ("wanna" -> "want to", "kms" -> "kill myself",
   "sucide" -> "suicide"); every word carries its lemmas (lemminflect's
   dictionary, shipped inside the package): "wanted", "cutting", "bashed",
   "overdosed" match "want", "cut", "bash", "overdose".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from lemminflect import getAllLemmas

EMOJI_WORDS: Mapping[str, str] = {
    "💊": " pills ", "🔪": " knife ", "🗡": " knife ", "🪢": " rope ", "🩸": " blood ", "⚰": " coffin ",
    "🔫": " gun ", "😂": " lol ", "🤣": " lol ", "💀": " lol ", "☠": " lol ", "😭": " crying ",
    "🙃": " sarcasm ", "👍": " ok ", "🌉": " bridge ", "🚆": " train ", "🚂": " train ",
}
_EMOJI_RE = re.compile("|".join(re.escape(e) for e in EMOJI_WORDS))
# Each with the text it cannot match without (any of them), so a message that has none of it
# skips the substitution: most messages have none of these, and each tried was a microsecond.
_SPECIAL = (
    (("od", "o.d"), re.compile(r"\bo\.?d'?d\b|\bo\.d\.(?=\s|$)"), " overdosed "),
    (("od", "o.d"), re.compile(r"\bo\.?d'?ing\b"), " overdosing "),
    (("sh",), re.compile(r"\bsh'?ing\b"), " self harming "),
    # "sh" is self-harm, but "sh*t" and "scared the living sh out of me" are a swear word.
    (("sh",), re.compile(r"\bsh[*#@!]+i?t(?![a-z])|(?<=living )sh\b"), " shit "),
    (("im bin",), re.compile(r"\bim bin\b"), " he bin "),  # Kriol: "im bin ..." = he/she did ...
    # Words split by voice-to-text or spelt as they sound (the dev38-45 review):
    # "every one would be better off with out me", "kill my elf", "self arm".
    ((" one", " body", " thing"), re.compile(r"\b(every|some|any|no) (one|body|thing)\b"), r" \1\2 "),
    (("with out",), re.compile(r"\bwith out\b"), " without "),
    (("side",), re.compile(r"\b(sewer|sue|soo) ?(side|sides|sided)\b"), " suicide "),
    (("my elf",), re.compile(r"\bkill my elf\b"), " kill myself "),
    (("self arm",), re.compile(r"\bself (arm|arming|armed)\b"),
     lambda m: " self " + m.group(1).replace("arm", "harm") + " "),
    (("over dos",), re.compile(r"\bover (dose|dosed|dosing|doses)\b"), r" over\1 "),
    (("sex tort",), re.compile(r"\bsex (tort|torted|torting|tortion)\b"), r" sex\1 "),
    (("dead wait",), re.compile(r"\bdead wait\b"), " dead weight "),
    (("to deep",), re.compile(r"\bto deep\b"), " too deep "),
)
_APOSTROPHES = re.compile("['\u2019\u2018`\u00b4\u02bc\u02b9\u2032]")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_RE = re.compile(r"(?<=[a-z])[013457@$](?=[a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9|]+")
_BREAKS = re.compile(r"[.!?;\n\u2026]+")
BREAK = "|"  # where a sentence or clause ends: rules never reach across it
_DIGIT = re.compile("[0-9]")
_ALPHA_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_RUN3 = re.compile(r"([a-z])\1{2,}")
_RUN2 = re.compile(r"([a-z])\1+")


_SURROGATES_AND_NUL = re.compile("[\x00\ud800-\udfff]")
# A line break after a word no sentence ends on is not the end of a thought
# ("i want to\ndie" on a phone): the line goes on.
_GOES_ON = re.compile(r"\b(to|and|my|the|a|i|im|i'm|want|wanna|gonna|going|of|about|just|kill|killing|so|really|"
                      r"feel|but|myself|end|cut|hurt|take|wish|was|am|is|be|never|not|dont|don't)[ \t]*\n+[ \t]*")


def _fold_unicode(text: str, emoji_words: bool) -> str:
    t = _SURROGATES_AND_NUL.sub("", text)
    if emoji_words:
        t = _EMOJI_RE.sub(lambda m: EMOJI_WORDS[m.group()], t)
    t = unicodedata.normalize("NFKD", t)
    t = "".join(ch for ch in t if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKD", t.casefold())


def _base(text: str, emoji_words: bool = True) -> list[str]:
    """Steps 1-4: raw lower-case ASCII words."""
    t = text.lower().replace("\x00", "") if text.isascii() else _fold_unicode(text, emoji_words)
    if "\n" in t:
        t = _GOES_ON.sub(r"\1 ", t)
    for needles, pattern, replacement in _SPECIAL:
        if any(needle in t for needle in needles):
            t = pattern.sub(replacement, t)
    t = _APOSTROPHES.sub("", t)
    t = _LEET_RE.sub(lambda m: _LEET[m.group()], t)
    t = _BREAKS.sub(f" {BREAK} ", t.replace(BREAK, " "))
    t = _NON_ALNUM.sub(" ", t)
    return (_ALPHA_DIGIT.sub(" ", t) if _DIGIT.search(t) else t).split()


def fold_tokens(text: str) -> list[str]:
    """Plain words with every run of a repeated letter collapsed to one
    ("heyyy" -> "hey", "kill" -> "kil"), emoji dropped: the intent classifier's form."""
    return [_RUN2.sub(r"\1", token) for token in _base(text, emoji_words=False) if token != BREAK]


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # the word as read
    forms: frozenset[str]  # the word and its lemmas

    def __repr__(self) -> str:
        return self.text


# Text-speak and common misspellings (token -> words). Phrase-level meanings
# ("kms" = kill myself) are expanded here so rules see plain words.
EXPANSIONS: Mapping[str, str] = {
    "wanna": "want to", "wana": "want to", "wanta": "want to", "wonna": "want to", "wan": "want",
    "wnt": "want", "gonna": "going to", "gunna": "going to", "gona": "going to", "gna": "going to",
    "gotta": "got to", "imma": "i am going to", "ima": "i am going to", "im": "i am", "iam": "i am",
    "ive": "i have", "id": "i would", "ill": "i will", "dont": "do not", "dnt": "do not", "don": "do not",
    "doesnt": "does not", "didnt": "did not", "cant": "can not", "cannot": "can not", "carnt": "can not",
    "wont": "will not", "isnt": "is not", "aint": "am not", "wasnt": "was not", "wouldnt": "would not",
    "shouldnt": "should not", "arent": "are not", "havent": "have not", "hasnt": "has not",
    "whats": "what is", "thats": "that is", "theres": "there is", "its": "it is", "hes": "he is",
    "shes": "she is", "theyre": "they are", "youre": "you are", "wed": "we would",
    "theyd": "they would", "hed": "he would", "hell": "he will", "theyll": "they will", "shell": "she will", "itll": "it will", "youll": "you will",
    "nobody": "no one", "noone": "no one", "nobdy": "no one", "u": "you", "ur": "your", "r": "are",
    "ya": "you", "tryna": "trying to", "coz": "because", "cos": "because", "cuz": "because",
    "bc": "because", "b4": "before", "rn": "right now", "atm": "right now", "tn": "tonight", "2nite": "tonight",
    "tonite": "tonight", "idk": "i do not know", "dunno": "do not know", "ngl": "", "tbh": "", "fr": "for real",
    "frfr": "for real", "prob": "probably", "prolly": "probably", "ctb": "kill myself", "kms": "kill myself", "kys": "kill yourself", "kmn": "kill myself now",
    "unalive": "kill", "unalived": "killed", "unaliving": "killing", "sewerslide": "suicide",
    # hashtags and words run together
    "killmyself": "kill myself", "killingmyself": "killing myself", "kmsnow": "kill myself now",
    "wanttodie": "want to die", "wannadie": "want to die", "iwanttodie": "i want to die", "endmylife": "end my life",
    "hurtmyself": "hurt myself", "cutmyself": "cut myself", "imdone": "i am done", "selfh": "self harm",
    "sui": "suicide", "suicid": "suicide", "sucide": "suicide", "suicde": "suicide", "suiside": "suicide",
    "sh": "self harm", "selfharm": "self harm", "selfharming": "self harming", "selfharmed": "self harmed",
    "od": "overdose", "oding": "overdosing", "ded": "dead", "mijelp": "myself", "mijelb": "myself",
    "miself": "myself", "meself": "myself", "myslef": "myself", "myslf": "myself", "mself": "myself",
    "urself": "yourself", "ai": "i", "mi": "me", "pls": "please", "plz": "please", "thx": "thanks", "mum's": "mums",
    "mam": "mum", "mom": "mum", "ppl": "people", "bf": "boyfriend", "gf": "girlfriend", "bro": "brother",
    "sis": "sister", "cuzzie": "cousin", "lil": "little", "gud": "good", "nuthin": "nothing",
    "nothin": "nothing", "evry": "every", "every1": "everyone", "some1": "someone", "any1": "anyone",
    "nite": "night", "2day": "today", "2moro": "tomorrow", "tmrw": "tomorrow", "pillz": "pills",
    "wat": "what", "wen": "when", "rite": "right", "redy": "ready", "nife": "knife", "burdin": "burden",
    "burdan": "burden", "reely": "really", "bleedin": "bleeding", "cuttin": "cutting",
    "slef": "self", "em": "them", "tooka": "took a", "takin": "taking", "gotta": "got to",
    "lotta": "lot of", "lotsa": "lots of", "carpark": "car park", "ambo": "ambulance", "ambos": "ambulance",
    "bala": "brother",  # Kriol/NT "bala" = brother, mate [UNV]
    "stap": "stay",  # Kriol "stap" = stay, live [UNV]
    "despawning": "despawn", "despawned": "despawn",
    # Everyday text-speak (dev10-14): "jus did it", "bout to", "sit thru", "msging", "sumthing", "yr 9"
    "jus": "just", "juss": "just", "bout": "about", "thru": "through", "tho": "though", "msg": "message",
    "msgs": "messages", "msging": "messaging", "msgin": "messaging", "msgd": "messaged", "txt": "text",
    "txted": "texted", "txting": "texting", "sumthing": "something", "sumthin": "something", "smth": "something",
    "sth": "something", "yr": "year", "yrs": "years", "tmr": "tomorrow", "tmoz": "tomorrow", "tomoz": "tomorrow",
    "n": "and", "w": "with",
    "fulla": "fella", "fullas": "fellas", "fullah": "fella",  # Aboriginal English "fulla" = fellow [CS]
    "cuzzy": "cousin", "cuzzies": "cousins", "cuzin": "cousin", "cuzins": "cousins",
}
# Words that join ("my self" -> "myself").
MERGES: Mapping[tuple[str, str], str] = {
    ("my", "self"): "myself", ("me", "self"): "myself", ("any", "more"): "anymore",
    ("un", "alive"): "kill", ("sewer", "slide"): "suicide", ("no", "body"): "no one",
    ("self", "delete"): "kill myself", ("commit", "sudoku"): "commit suicide", ("end", "game"): "endgame",
    ("sorry", "business"): "sorrybusiness",  # mourning, not an apology [NQLC]
    ("no", "cap"): "for real",  # "no cap" = no lie, not a negation
    ("car", "park"): "car park",
}
_FUZZY_TARGETS = ("suicide", "suicidal", "myself", "overdose", "overdosed", "herself", "himself")


def _osa(a: str, b: str) -> int:
    """Optimal string alignment distance, capped at 2."""
    if abs(len(a) - len(b)) > 1:
        return 2
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > 1:
            return 2
        prev2, prev = prev, cur
    return prev[-1]


@lru_cache(maxsize=65536)
def _forms(word: str) -> frozenset[str]:
    lemmas = {lemma for found in getAllLemmas(word).values() for lemma in found}
    return frozenset({word, *lemmas})


@lru_cache(maxsize=65536)
def _canonical(word: str, vocabulary: frozenset[str]) -> str:
    """The word with letter runs and small misspellings repaired."""
    word = _RUN3.sub(r"\1\1", word)
    if word in EXPANSIONS or word in vocabulary or getAllLemmas(word):
        return word
    single = _RUN2.sub(r"\1", word)
    if single != word and (single in vocabulary or single in EXPANSIONS or getAllLemmas(single)):
        return single
    doubled = _doubled(single, vocabulary)  # "kil" / "kiiil" -> "kill"
    if doubled is not None:
        return doubled
    if word.endswith("in") and getAllLemmas(word + "g"):  # "cuttin" -> "cutting"
        return word + "g"
    if len(word) >= 5 and word.isalpha():
        for target in _FUZZY_TARGETS:
            if _osa(word, target) <= 1:
                return target
    return word


def _doubled(word: str, vocabulary: frozenset[str]) -> str | None:
    """A rule word made by doubling one letter of an unknown word ("kil" -> "kill")."""
    if len(word) < 3 or not word.isalpha() or getAllLemmas(word):
        return None
    for i, letter in enumerate(word):
        candidate = word[: i + 1] + letter + word[i + 1:]
        if candidate in vocabulary:
            return candidate
    return None


def _join_spelled(raws: list[str]) -> list[str]:
    """Words spelt out letter by letter ("k m s", "k i l l m y s e l f") joined up."""
    out: list[str] = []
    run: list[str] = []
    for raw in [*raws, ""]:
        if len(raw) == 1 and raw.isalpha():
            run.append(raw)
            continue
        out.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        if raw:
            out.append(raw)
    return out


def _merge(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = (words[i], words[i + 1]) if i + 1 < len(words) else None
        if pair == ("my", "self") and i + 2 < len(words) and words[i + 2].startswith("harm"):
            pair = None  # "my self harm" is "my self-harm"
        if pair in MERGES:
            out.extend(MERGES[pair].split())  # type: ignore[index]
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


_QUANTITY = frozenset(("a", "few", "couple", "some", "many", "heaps", "like", "about", "the", "those", "these", "extra",
                       "half", "ten", "twenty", "fifty", "hundred", "several", "more", "less"))
_AFTER_DISTANCE = frozenset(("away", "from", "out", "north", "south", "east", "west", "per", "each", "of", "along",
                             "down", "up", "to", "in", "on", "further", "past", "outside", "an", "a", "walk", "drive"))


_OBJECTS = frozenset(("myself", "me", "my", "mself", "myslef", "himself", "herself", "themselves", "him", "her",
                      "them", "yourself", "urself", "you", "u", "ya", "someone", "somebody", "everyone"))


def _distance(raws: list[str], i: int) -> bool:
    """Is "kms" at i a distance, read as "km" ("5 kms", "walked a few kms", "kms away")?"""
    before = raws[i - 1] if i else ""
    after = raws[i + 1] if i + 1 < len(raws) else ""
    return before.isdigit() or before in _QUANTITY or after in _AFTER_DISTANCE


# "cuz" is "cousin" after a word that names a person ("my cuz", "lil cuz", "me n cuz") or at the
# end of the message ("love ya cuz"), and "because" elsewhere ("cuz of me", "cuz i said").
_COUSIN_BEFORE = frozenset(("my", "your", "ur", "his", "her", "their", "our", "little", "lil", "big", "older", "younger",
                            "the", "a", "with", "w", "to", "for", "hey", "yo", "oi", "and", "n", "me", "thanks", "ta",
                            "love", "miss", "ya", "you", "u", "bro", "sis", "aunty", "nans", "mums", "dads", "fav", "favourite"))


def _cousin(raws: list[str], i: int) -> bool:
    before = raws[i - 1] if i else ""
    after = raws[i + 1] if i + 1 < len(raws) else ""
    return before in _COUSIN_BEFORE or after in ("", BREAK) or (not before and after in ("is", "was", "said", "says", "and", "n"))


_VOCABULARIES: dict[frozenset[str], frozenset[str]] = {}


def shared_vocabulary(words: Iterable[str]) -> frozenset[str]:
    """One object for equal vocabularies. `_canonical`'s cache is keyed by the
    vocabulary: a second detector with an equal but distinct set would make every
    cache hit compare the two sets word by word (4x slower tokenizing)."""
    vocabulary = frozenset(words)
    return _VOCABULARIES.setdefault(vocabulary, vocabulary)


def tokenize(text: str, vocabulary: Iterable[str] = ()) -> list[Token]:
    """Words with their forms (step 5); `vocabulary` is the rule words, so a
    stretched spelling is read as the rule's word."""
    vocab = vocabulary if isinstance(vocabulary, frozenset) else frozenset(vocabulary)
    words: list[str] = []
    raws = _join_spelled(_base(text))
    for i, raw in enumerate(raws):
        word = raw if raw == BREAK else _canonical(raw, vocab)
        if word == "kms" and _distance(raws, i):
            words.append("km")
            continue
        if word in ("cuz", "cuzz") and _cousin(raws, i):
            words.append("cousin")
            continue
        if word == "unalive" and (raws[i + 1] if i + 1 < len(raws) else "") not in _OBJECTS:
            words.append("die")  # "i want to unalive": to die; "unalive myself": to kill myself
            continue
        words.extend(EXPANSIONS.get(word, word).split())
    return [Token(word, _forms(word)) for word in _merge(words)]
