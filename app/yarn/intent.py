"""Rule-based intent classifier for the four Stay Strong steps.

Pure, deterministic and fast (a few set look-ups per message; no model, no state).
``classify(message, step)`` says what a message is, for the step it answers:

* ``help``       the young person asks what the question means or wants an example
                 ("what do you mean", "like what?", "help", "huh", "why?").
* ``skip``       they don't want to answer or want to move on ("skip", "pass", "next",
                 "I'd rather not say", "don't want to talk about it", "no thanks",
                 and a bare "no"/"nah"/"nope" everywhere except worries).
* ``greeting``   only a greeting ("hi", "heyyy", "g'day", "morning sis").
* ``small_talk`` only chit-chat or a reaction ("how are you", "lol", "ok", "thanks",
                 "are you a bot", "yeah").
* ``unclear``    nothing to go on: empty, only punctuation or emoji ("?", "👍"), a single
                 letter, keyboard mash ("asdf", "sdfghj"), only vague words ("idk",
                 "dunno", "um", "not sure", "maybe", "stuff"), or a vague opener with no
                 word that belongs to the step ("idk who helps me").
                 "nothing"/"none" is unclear for strengths and goals (the re-ask offers
                 ideas) but a real answer for worries ("nothing" = no worries) and "no
                 one"/"nobody"/"just me" is a real answer for support_people.
* ``answer``     everything else: the default, because nagging someone who did answer
                 is worse than accepting a short answer. A single word that is not
                 vague ("mum", "Jess", "footy", "kind") is an answer.

Checks run in this order: unclear-if-empty, help, step-specific "none" answers,
skip, greeting, small talk, step keyword (-> answer), vague, keyboard mash,
vague opener, answer.

Confidence is a fixed number per rule (how sure that rule is), not a probability
from a model: 0.95 empty/greeting, 0.9 help/skip/keyword/mash, 0.85 none-answer/
vague/small talk, 0.75 answer of 3+ words, 0.7 vague opener, 0.6 short answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from app.yarn.textfold import fold_tokens
from models.yarn import Classification  # intent (one of INTENTS), confidence 0..1, inference_time_ms

__all__ = ["INTENTS", "STEPS", "Classification", "classify", "is_none_answer", "tokens"]

STEPS: tuple[str, ...] = ("support_people", "strengths", "worries", "goals")
INTENTS: tuple[str, ...] = ("answer", "unclear", "small_talk", "greeting", "skip", "help")


# ---------------------------------------------------------------------------
# Normalisation: risk.fold_tokens + contractions, so "don't", "dont", "do not" agree
# ---------------------------------------------------------------------------

_CONTRACTIONS = {
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not",
    "cannot": "can not", "wont": "will not", "isnt": "is not", "im": "i am",
    "ive": "i have", "id": "i would", "wana": "want to", "wanna": "want to",
    "gona": "going to", "gonna": "going to", "gunna": "going to", "whats": "what is",
    "thats": "that is", "hows": "how is", "wats": "what is", "wat": "what",
    "nobody": "no one", "noone": "no one", "u": "you", "r": "are", "ya": "you",
    "youre": "you are", "ur": "your", "lets": "let us",
}
_CONTRACTIONS = {fold_tokens(k)[0]: v for k, v in _CONTRACTIONS.items()}  # keys 1-collapsed like tokens


def tokens(text: str) -> tuple[str, ...]:
    """Folded, letter-collapsed tokens with contractions expanded."""
    out: list[str] = []
    for tok in fold_tokens(text):
        out.extend(_CONTRACTIONS.get(tok, tok).split())
    return tuple(out)


def _phrases(items: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tokens(p) for p in items)


def _words(items: Iterable[str]) -> frozenset[str]:
    return frozenset(t for p in items for t in tokens(p))


# ---------------------------------------------------------------------------
# Vocabulary (written naturally; normalised at import)
# ---------------------------------------------------------------------------

_FILLERS = _words([
    "um", "umm", "uh", "er", "erm", "hmm", "so", "well", "oh", "ah", "like", "just",
    "bro", "sis", "cuz", "cuzzie", "mate", "bub", "please", "pls", "plz", "sorry", "eh",
    "okay", "ok", "lol", "haha", "yeah", "yea", "yep",
])

_HELP_EXACT = _phrases([
    "help", "help me", "help pls", "can you help", "can you help me", "what", "huh",
    "wdym", "what do you mean", "what does that mean", "what do you mean by that",
    "i do not understand", "do not understand", "i do not get it", "do not get it",
    "i am confused", "confused", "like what", "such as", "for example", "example",
    "examples", "give me an example", "can you give me an example", "what should i say",
    "what do i say", "what do i write", "what do i put", "how does this work",
    "what is this", "what is this for", "why", "why do you want to know",
    "why are you asking", "why do you ask", "what do you want me to say",
    "what kind of things", "what sort of things", "i do not understand the question",
    "what is the question", "say that again", "can you explain", "explain",
    "what are strengths", "what is a strength", "what do you mean by strengths",
    "what counts", "what is a goal", "what are goals", "what do you mean by worries",
    "what do you mean by support", "i do not understand the question",
    "i do not understand what you mean",
])
_HELP_PREFIXES = _phrases([
    "what do you mean", "what does that mean", "can you explain", "give me an example",
    "how does this", "what counts as", "what do you mean by",
])

_SKIP_EXACT = _phrases([
    "skip", "skip it", "skip this", "skip this one", "skip that", "can we skip",
    "can we skip this", "can we skip this one", "pass", "i pass", "next", "next one",
    "next question", "move on", "let us move on", "can we move on", "go next",
    "i do not want to answer", "do not want to answer", "i do not want to say",
    "do not want to say", "i do not want to talk about it", "do not want to talk about it",
    "i do not want to share", "i do not want to", "do not want to", "i would rather not",
    "rather not", "rather not say", "i would rather not say", "prefer not to say",
    "i prefer not to say", "i would prefer not to", "not telling", "not telling you",
    "none of your business", "private", "that is private", "no thanks", "no thank you",
    "nah thanks", "no", "nah", "nope", "na", "leave it", "later", "maybe later",
    "not now", "not right now", "no comment", "cbf", "can not be bothered", "pass please",
])
_SKIP_PREFIXES = _phrases([
    "i do not want to talk about", "i do not want to answer", "i do not want to say",
    "i do not want to share", "i would rather not", "can we skip", "can we move on",
    "i would prefer not", "i prefer not to", "do not want to talk about",
    "rather not talk about", "rather not say",
])

_GREETING_WORDS = _words([
    "hi", "hello", "hey", "heya", "hiya", "yo", "gday", "howdy", "sup", "wassup",
    "morning", "wazup", "hallo", "helo", "hola", "yaama", "palya", "werte",
])
_GREETING_PHRASES = _phrases([
    "what is up", "good morning", "good afternoon", "good evening", "good day",
    "kia ora", "g day", "hey hey", "hi hi", "hello hello", "howdy doody",
])
_GREETING_ADDRESSEES = _words([
    "there", "mate", "bro", "sis", "cuz", "cuzzie", "you", "all", "yarn", "bot",
    "everyone", "again", "bub", "guys", "unc", "aunty", "friend",
])
_SMALL_TALK_EXACT = _phrases([
    "how are you", "how r u", "hru", "how is it going", "how you going", "how ya going",
    "how are you going", "how are things", "how was your day", "what is your name",
    "who are you", "are you a bot", "are you a robot", "are you real", "are you human",
    "are you a person", "are you ai", "what about you", "and you", "you", "hbu", "wbu",
    "tell me a joke", "i am bored", "bored", "lol", "lmao", "haha", "hehe", "ok", "okay",
    "k", "kk", "cool", "nice", "nice one", "thanks", "thank you", "ta", "cheers", "yeah",
    "yea", "yep", "yes", "ya", "sure", "good", "i am good", "not bad", "fine", "i am fine",
    "good thanks", "good hbu", "same", "true", "fair", "fair enough", "sweet", "deadly",
    "solid", "bruh", "wow", "omg", "alright", "all right", "mhm", "yeah nah", "nah yeah",
    "good you", "i am good you", "i am ok",
])

_VAGUE_WORDS = _words([
    "idk", "idek", "dunno", "dno", "duno", "i", "do", "not", "know", "no", "idea", "sure",
    "maybe", "perhaps", "whatever", "nothing", "anything", "something", "stuff", "things",
    "thing", "really", "much", "guess", "probably", "kinda", "sorta", "unsure", "cant",
    "can", "think", "remember", "meh", "dk", "the", "a", "it", "that", "of", "um", "uh",
    "hmm", "eh", "er", "erm", "honestly", "tbh", "ngl", "none", "nil", "na", "so", "yeah",
    "nah", "mm", "am", "about", "what", "to", "say", "anyone", "everything", "lot", "bit",
    "all", "and", "or", "same", "mean", "well", "like", "just", "ok", "okay", "one",
    "someone", "any", "have", "got", "good", "at", "you", "is",
])
_VAGUE_OPENERS = _phrases([
    "idk", "idek", "dunno", "i do not know", "i do not really know", "not sure",
    "i am not sure", "no idea", "i have no idea", "i can not think", "can not think",
    "i do not really", "i am unsure", "unsure",
])

_NONE_ANSWERS = {
    "support_people": _phrases([
        "no one", "none", "no body", "not anyone", "no one really", "i have no one",
        "i do not have anyone", "do not have anyone", "no one cares", "i have got no one",
        "no one at all", "nobody at all", "just me", "only me", "me", "myself",
        "just myself", "me myself and i", "i do not have any", "not really anyone",
        "no one i guess",
    ]),
    "worries": _phrases([
        "nothing", "none", "no worries", "not really", "not much", "nothing much",
        "nothing really", "nothing at all", "all good", "i am good", "i am fine", "fine",
        "nothing at the moment", "nothing right now", "not at the moment", "not right now",
        "i do not have any", "i have none", "no i am good", "nah all good", "nah i am good",
        "nah i am fine", "no i am fine", "not really no", "nothing i can think of",
        "i am all good", "everything is good", "everything is fine", "no worries at all",
        "nothing much really", "all good here", "none really", "not a lot",
        "no", "nah", "nope", "na",
    ]),
}

_STEP_KEYWORDS = {
    "support_people": _words([
        "mum", "mam", "mom", "mother", "mumma", "dad", "father", "pop", "poppy", "pa",
        "nan", "nanna", "nana", "granny", "grandma", "grandmother", "grandad", "grandpa",
        "grandfather", "gran", "aunty", "auntie", "aunt", "aunties", "uncle", "uncles",
        "unc", "cousin", "cousins", "cuz", "cuzzie", "brother", "brothers", "bro",
        "sister", "sisters", "sis", "siblings", "family", "families", "mob", "friend",
        "friends", "mate", "mates", "bestie", "bff", "boyfriend", "girlfriend", "partner",
        "husband", "wife", "teacher", "teachers", "coach", "elder", "elders", "worker",
        "counsellor", "mentor", "school", "community", "church", "pastor", "dog", "cat",
        "pet", "everyone", "parents", "carer", "foster", "stepmum", "stepdad", "kids",
        "son", "daughter", "baby", "boss", "neighbour", "team", "crew", "sistergirl",
        "brotherboy", "club", "footy", "aunties", "grandparents", "stepmother", "stepfather",
    ]),
    "strengths": _words([
        "footy", "football", "soccer", "basketball", "netball", "rugby", "league", "cricket",
        "sport", "sports", "boxing", "running", "run", "swimming", "swim", "music", "sing",
        "singing", "guitar", "drums", "rap", "dance", "dancing", "art", "painting", "paint",
        "drawing", "draw", "design", "cook", "cooking", "hunting", "fishing", "bush",
        "country", "culture", "language", "story", "stories", "kind", "kindness", "funny",
        "strong", "caring", "care", "helping", "helpful", "listen", "listening", "listener",
        "proud", "loyal", "brave", "smart", "patient", "honest", "respectful", "creative",
        "hard", "working", "hardworking", "maths", "reading", "writing", "gaming", "games",
        "fix", "fixing", "building", "cars", "motorbikes", "good", "great", "deadly",
        "talented", "looking", "after", "younger", "generous", "friendly", "calm",
        "leader", "confident", "laugh", "laughing", "fast", "fit",
    ]),
    "worries": _words([
        "school", "exam", "exams", "homework", "teacher", "money", "rent", "family", "fight",
        "fights", "fighting", "argue", "arguing", "shame", "lonely", "alone", "bullied",
        "bullying", "bully", "sad", "angry", "anger", "stress", "stressed", "stressing",
        "worried", "worry", "worrying", "scared", "nervous", "sleep", "tired", "drinking",
        "grog", "drugs", "gunja", "weed", "vaping", "smoking", "work", "job", "friends",
        "relationship", "breakup", "boyfriend", "girlfriend", "health", "sick", "future",
        "mum", "dad", "home", "house", "moving", "racism", "racist", "police", "court",
        "cops", "sorry", "business", "funeral", "passed", "died", "grief", "missing",
        "pressure", "fitting", "feel", "feeling", "overthinking", "parents", "jealous",
        "body", "weight", "online", "social", "media",
    ]),
    # strong words only: "want", "get", "be" appear in "idk what I want" too
    "goals": _words([
        "finish", "school", "job", "work", "become", "learn", "save", "travel", "play",
        "study", "uni", "university", "tafe", "apprenticeship", "apprentice", "licence",
        "license", "car", "move", "goal", "goals", "dream", "ranger", "nurse", "teacher",
        "artist", "footy", "afl", "nrl", "buy", "fitter", "healthier", "money", "business",
        "graduate", "pass", "exams", "improve", "home", "country", "family", "stronger",
        "happy", "year", "12", "course", "certificate", "mechanic", "builder", "football",
        "basketball", "netball", "music", "art", "house", "career", "kids",
    ]),
}
_GENERIC_KEYWORDS: frozenset[str] = frozenset()

# "Nothing" for strengths or goals gets a re-ask with ideas, not an acknowledgement.
_UNCLEAR_EXACT = {
    "strengths": _phrases([
        "nothing", "none", "i am not good at anything", "not good at anything",
        "i am good at nothing", "i have no strengths", "no strengths", "i do not have any",
        "i do not have any strengths", "i am not good at nothing", "i am useless",
        "nothing really", "not much", "nothing much",
    ]),
    "goals": _phrases([
        "nothing", "none", "i do not have any", "i do not have any goals", "no goals",
        "i have no goals", "nothing really", "not much", "i do not know what i want",
    ]),
}

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_KEYBOARD_RUNS = _KEYBOARD_ROWS + tuple(r[::-1] for r in _KEYBOARD_ROWS)
_NO_VOWEL_OK = frozenset({"tbh", "ngl", "pls", "plz", "thx", "brb", "smh", "hmm", "hm",
                          "mhm", "nz", "tv", "dvd", "pc", "ps", "st", "gf", "bf"})


def _strip_fillers(toks: tuple[str, ...]) -> tuple[str, ...]:
    start, end = 0, len(toks)
    while start < end and toks[start] in _FILLERS:
        start += 1
    while end > start and toks[end - 1] in _FILLERS:
        end -= 1
    return toks[start:end]


def _starts_with_any(toks: tuple[str, ...], prefixes: frozenset[tuple[str, ...]]) -> bool:
    return any(toks[: len(p)] == p for p in prefixes)


def _is_mash(tok: str) -> bool:
    if tok.isdigit():
        return False
    if len(tok) >= 4 and any(tok in run for run in _KEYBOARD_RUNS):
        return True
    return len(tok) >= 4 and not any(c in "aeiouy" for c in tok) and tok not in _NO_VOWEL_OK


def _is_greeting(core: tuple[str, ...]) -> bool:
    end = len(core)
    while end > 0 and core[end - 1] in _GREETING_ADDRESSEES:
        end -= 1
    words = core[:end]
    if not words:
        return False
    return words in _GREETING_PHRASES or all(t in _GREETING_WORDS for t in words)


def is_none_answer(message: str, step: str) -> bool:
    """True for a real answer that names no one / nothing ("no one", "nothing"),
    for the steps where that is an answer (support_people, worries)."""
    phrases = _NONE_ANSWERS.get(step)
    if not phrases:
        return False
    core = _strip_fillers(tokens(message))
    return core in phrases


def _decide(message: str, step: str) -> tuple[str, float]:
    toks = tokens(message)
    if not toks:
        return "unclear", 0.95  # empty, only punctuation / emoji / other scripts
    core = _strip_fillers(toks)
    short = len(core) <= 8

    if core in _HELP_EXACT or (short and _starts_with_any(core, _HELP_PREFIXES)):
        return "help", 0.9
    if step in _NONE_ANSWERS and core in _NONE_ANSWERS[step]:
        return "answer", 0.85
    if core in _SKIP_EXACT or (len(core) <= 12 and _starts_with_any(core, _SKIP_PREFIXES)):
        return "skip", 0.9
    if _is_greeting(core):
        return "greeting", 0.95
    if core in _SMALL_TALK_EXACT or (toks in _SMALL_TALK_EXACT):
        return "small_talk", 0.85
    if not core:  # only fillers: "um", "lol ok", "yeah yeah"
        if all(t in _VAGUE_WORDS for t in toks):
            return "unclear", 0.85
        return "small_talk", 0.8

    if step in _UNCLEAR_EXACT and core in _UNCLEAR_EXACT[step]:
        return "unclear", 0.85
    keywords = _STEP_KEYWORDS.get(step, _GENERIC_KEYWORDS)
    if any(t in keywords for t in core):
        return "answer", 0.9
    if all(t in _VAGUE_WORDS for t in core):
        return "unclear", 0.85
    if all(_is_mash(t) or len(t) == 1 for t in core):
        return "unclear", 0.9
    if short and _starts_with_any(core, _VAGUE_OPENERS):
        return "unclear", 0.7
    if len(core) == 1 and (len(core[0]) == 1 or core[0].isdigit()):
        return "unclear", 0.8
    if len(core) >= 3:
        return "answer", 0.75
    return "answer", 0.6


def classify(message: str, step: str) -> Classification:
    """Classify ``message`` as an answer to ``step`` (an FSM state name)."""
    started = time.perf_counter()
    intent, confidence = _decide(message if isinstance(message, str) else "", step)
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    return Classification(intent=intent, confidence=confidence, inference_time_ms=max(0, elapsed_ms))
