"""The answer to "are you safe right now?", read on the next turn.

Only a clear "I'm safe" counts as safe: a plain yes or "I'm ok / fine / good /
right / sweet", said without a hedge ("for now", "i guess", "but"), sarcasm
("yeah right", "never better 🙃", "totally fine lol"), a non-answer (".", "k",
"idk", "whatever", "ok"), or any risk in it. Everything else is not safe and
gets the crisis reply: asking again is cheap, missing someone is not.
Australian and Aboriginal English "nah, I'm fine" / "yeah no, I'm good" are a
safe answer; "nah" or "yeah nah" alone are a no.
"""

from __future__ import annotations

from app.yarn.textfold import fold_tokens


def _words(*words: str) -> frozenset[str]:
    return frozenset(fold_tokens(" ".join(words)))


_AFFIRM = _words("yes", "yeah", "yep", "yup", "ya", "yea", "yh", "ye", "yas", "yuwai", "safe")
_STATE = _words("safe", "ok", "okay", "oke", "fine", "good", "alright", "allright", "right", "sweet", "g")
# Phrases that make an answer not safe, whatever else it says (folded words).
# Emoji fold to nothing (says_safe looks for them in the raw text): an empty
# phrase would match every answer, so none is kept.
_NOT_SAFE = tuple(phrase for phrase in (tuple(fold_tokens(p)) for p in (
    "not safe", "unsafe", "not really", "not rn", "not right now", "not now", "not ok", "not okay", "not good",
    "not fine", "not sure", "not great", "not really safe", "no im not", "no i am not", "not at all", "nope",
    "idk", "i dont know", "i do not know", "dunno", "dont know", "maybe", "kinda", "kind of", "sort of", "sorta",
    "for now", "i guess", "guess so", "i think so", "think so", "probably", "depends", "whatever", "why",
    "does it matter", "leave me alone", "stop asking", "why do you care", "what do you care", "safe from what",
    "physically", "but", "still", "scared", "afraid", "hes", "he is", "shes", "she is", "theyre",
    "yeah right", "yeah sure", "ya sure", "sure lol", "lol", "haha", "never better", "totally", "as if", "jk",
    "something else", "talk about something", "change the subject", "can we", "help", "hurt", "pills", "note",
    "blade", "rope", "drunk", "yelling", "fighting", "outside", "home alone", "alone", "no one is home",
    "nobody is home", "hmm", "um", "sarcasm", "yeah nah", "nah yeah", "mostly", "almost", "hope so",
)) if phrase)


def _has(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i:i + n]) == phrase for i in range(len(tokens) - n + 1))


def says_safe(answer: str) -> bool:
    """True only for a clear, unhedged "I'm safe" (the caller has already
    checked the answer for risk: any risk is not safe)."""
    if '"' in answer or "“" in answer or "🙃" in answer:  # "fine" in quotes: sarcasm
        return False
    tokens = fold_tokens(answer)
    if not tokens or any(_has(tokens, phrase) for phrase in _NOT_SAFE):
        return False
    if tokens in (["ok"], ["okay"], ["k"], ["no"], ["nah"], ["na"]):
        return False
    if tokens[0] in ("no", "nah", "na", "nope") and not (set(tokens[1:]) & _STATE):
        return False  # "no" / "nah ..." without "I'm fine": a no
    return bool(set(tokens) & _AFFIRM) or bool(set(tokens) & _STATE)
