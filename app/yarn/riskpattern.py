"""Risk patterns: compiling a rule's pattern text and finding it in a message's
tokens (the machinery of app/yarn/risk.py; the syntax is described in
app/yarn/lexicon/__init__.py).

A pattern is a sequence of parts, each up to `gap` other words and then one of
its phrases (or the end of the message "$", or of a sentence "."), never across
a sentence break. `Scan` holds one message's tokens with where each word form
stands, and remembers which patterns matched.

Matching runs in the regular-expression engine (C), not word by word in
Python: a message is written as one string, a separator per token followed by
one character for each of its word forms that some pattern uses (`_Letters`),
and each pattern compiles to an expression over that string (`_regex`). The
expression is the same search as `_match` (the earliest start; gaps shortest
first, an optional part skipped first; never across a sentence break), which
stays for the few patterns that can start anywhere.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.yarn.lexicon import GROUPS
from app.yarn.textfold import BREAK, Token, tokenize

END = "$"
SENTENCE_END = "."

Alternatives = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Part:
    """One part of a pattern: up to `gap` other words, then one of its phrases
    (found by the phrase's first word), the end of the message ("$"), the end
    of a sentence or of the message ("."), or nothing."""

    gap: int
    by_first: dict[str, tuple[tuple[str, ...], ...]]
    optional: bool
    at_end: bool
    at_break: bool = False

    @staticmethod
    def of(gap: int, alternatives: Alternatives) -> Part:
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in alternatives:
            if phrase and phrase[0] not in (END, SENTENCE_END):
                by_first.setdefault(phrase[0], []).append(phrase)
        return Part(gap, {w: tuple(p) for w, p in by_first.items()}, () in alternatives,
                    any(phrase[:1] == (END,) for phrase in alternatives),
                    any(phrase[:1] == (SENTENCE_END,) for phrase in alternatives))


@dataclass(frozen=True)
class Pattern:
    parts: tuple[tuple[int, Alternatives], ...]  # (words that may come before, alternatives)
    text: str
    firsts: frozenset[str] | None  # the words a match can start with (None: any word)
    steps: tuple[Part, ...]
    required: tuple[frozenset[str], ...]  # for each part that must be there: the first words it can have
    regex: re.Pattern[str] | None = None  # the search as an expression over Scan.text (None: by `_match`)

    @staticmethod
    def of(parts: tuple[tuple[int, Alternatives], ...], text: str) -> Pattern:
        firsts: set[str] | None = set()
        for index, (gap, alternatives) in enumerate(parts):
            if index and gap:
                firsts = None  # an optional start followed by a gap: a match may start anywhere
                break
            firsts |= {alt[0] for alt in alternatives if alt}
            if all(alternatives):
                break
        else:
            firsts = None
        required = tuple(frozenset(alt[0] for alt in alts) for _, alts in parts
                         if all(alts) and not any(alt[0] in (END, SENTENCE_END) for alt in alts))
        steps = tuple(Part.of(gap, alts) for gap, alts in parts)
        regex = _regex(steps, firsts) if firsts is not None and _starts_on_a_word(steps) else None
        return Pattern(parts, text, None if firsts is None else frozenset(firsts), steps=steps, required=required,
                       regex=regex)


class Scan:
    """One message's tokens, with where each word form stands."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at: dict[str, list[int]] = {}
        for position, token in enumerate(tokens):
            for form in token.forms:
                self.at.setdefault(form, []).append(position)
        self.forms = self.at.keys()
        self._found: dict[int, tuple[int, int] | None] = {}  # id(pattern) -> where it matched
        self._text = ""
        self._token_at: dict[int, int] = {}  # offset in _text -> token index
        self._letters = -1  # how many words had letters when _text was written

    @property
    def text(self) -> str:
        """The tokens as the string the patterns' expressions search (see the module's doc)."""
        if self._letters != len(_LETTERS.of):
            self._text, self._token_at = _LETTERS.write(self.tokens)
            self._letters = len(_LETTERS.of)
        return self._text

    def has(self, pattern: Pattern) -> bool:
        """Does the pattern match anywhere? Remembered per message (patterns are shared, see compile_pattern)."""
        key = id(pattern)
        if key not in self._found:
            self._found[key] = self.find(pattern)
        return self._found[key] is not None

    def could_match(self, pattern: Pattern) -> bool:
        forms = self.forms
        for required in pattern.required:
            if required.isdisjoint(forms):
                return False
        return True

    def find(self, pattern: Pattern) -> tuple[int, int] | None:
        """The first (start, end) where the pattern matches."""
        if not self.could_match(pattern):
            return None
        return self.find_possible(pattern)

    def span_of(self, found: re.Match[str]) -> tuple[int, int]:
        """The tokens (start, end) a search of `text` found."""
        return self._token_at[found.start()], self._token_at[found.end()]

    def find_possible(self, pattern: Pattern) -> tuple[int, int] | None:
        """`find`, for a pattern whose required words are known to be in the message."""
        if pattern.regex is not None:
            found = pattern.regex.search(self.text)
            return None if found is None else self.span_of(found)
        return self.find_by_steps(pattern)

    def find_by_steps(self, pattern: Pattern) -> tuple[int, int] | None:
        """The same search word by word (`_match`): for patterns that may start anywhere, and what
        the expressions are tested against."""
        if pattern.firsts is None:
            starts: Iterable[int] = range(len(self.tokens) + 1)
        else:
            starts = sorted({i for word in pattern.firsts & self.forms for i in self.at[word]})
        for start in starts:
            end = _match(self.tokens, pattern.steps, 0, start)
            if end is not None and end > start:
                return start, end
        return None


class _Letters:
    """One character for each word a pattern uses, given as patterns compile."""

    SEPARATOR, BREAK = "\x02", "\x03"  # before each token; a sentence break's token
    FIRST = 0x100  # letters from here on: none is special inside [...]

    def __init__(self) -> None:
        self.of: dict[str, str] = {}
        self._lock = threading.Lock()

    def letter(self, word: str) -> str:
        with self._lock:
            return self.of.setdefault(word, chr(self.FIRST + len(self.of)))

    def write(self, tokens: Sequence[Token]) -> tuple[str, dict[int, int]]:
        of = self.of
        pieces: list[str] = []
        token_at: dict[int, int] = {}
        offset = 0
        for index, token in enumerate(tokens):
            piece = self.BREAK if token.text == BREAK else self.SEPARATOR + "".join(
                [of[form] for form in token.forms if form in of])
            token_at[offset] = index
            pieces.append(piece)
            offset += len(piece)
        token_at[offset] = len(tokens)
        return "".join(pieces), token_at


_LETTERS = _Letters()
_ANY_WORD = f"{_Letters.SEPARATOR}[^{_Letters.SEPARATOR}{_Letters.BREAK}]*"  # a token that is not a break


def _word_of(words: Iterable[str]) -> str:
    """A token with one of these words among its forms."""
    letters = "".join(sorted({_LETTERS.letter(word) for word in words}))
    stop = _Letters.SEPARATOR + _Letters.BREAK
    return f"{_Letters.SEPARATOR}[^{stop}{letters}]*[{letters}][^{stop}]*"


def _part_regex(part: Part) -> str:
    choices = [] if not (part.at_end or part.at_break) else [rf"(?={_Letters.BREAK}|\Z)" if part.at_break else r"\Z"]
    # A word's longer phrases are tried before the word alone when listed before it, as `_match` tries them.
    before: list[tuple[str, ...]] = []
    after: list[tuple[str, ...]] = []
    singles: list[str] = []
    for first, phrases in part.by_first.items():
        alone = phrases.index((first,)) if (first,) in phrases else len(phrases)
        before += phrases[:alone]
        after += phrases[alone + 1:]
        singles += [first] if alone < len(phrases) else []
    choices += ["".join(_word_of((word,)) for word in phrase) for phrase in before]
    choices += [_word_of(singles)] if singles else []
    choices += ["".join(_word_of((word,)) for word in phrase) for phrase in after]
    body = f"(?:{'|'.join(choices)})" + ("??" if part.optional else "")
    return (f"(?:{_ANY_WORD}){{0,{part.gap}}}?" if part.gap else "") + body


def _regex(steps: Sequence[Part], firsts: Iterable[str]) -> re.Pattern[str]:
    # A look at the first word before the parts: most tokens fail there at once, where the
    # parts' alternatives would each be tried (a long message's search took twice as long).
    first = _word_of(firsts)
    return re.compile(f"(?={first})" + "".join(_part_regex(part) for part in steps))


def _starts_on_a_word(steps: Sequence[Part]) -> bool:
    """Does every match start on a word (so a search finds where `find` would)?"""
    for part in steps:
        if part.gap or part.at_end or part.at_break:
            return False
        if not part.optional:
            return True
    return False


def _phrase(text: str) -> tuple[str, ...]:
    if text.strip() in (END, SENTENCE_END):
        return (text.strip(),)
    return tuple(token.text for token in tokenize(text) if token.text != BREAK)


def _choice(text: str) -> list[tuple[str, ...]]:
    """One alternative of a pattern part: a phrase, a @GROUP, or nothing."""
    text = text.strip()
    if not text:
        return [()]
    phrases = [_phrase(p) for p in GROUPS[text[1:]]] if text.startswith("@") else [_phrase(text)]
    if not all(phrases):
        raise ValueError(f"risk pattern part {text!r} has no words after folding")
    return phrases


def _split_top(text: str, sep: str) -> list[str]:
    """`text` split at `sep` outside parentheses."""
    pieces, depth, current = [], 0, ""
    for ch in text:
        if ch == sep and depth == 0:
            pieces.append(current)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    return pieces + [current]


def _expand(text: str) -> list[str]:
    """A choice with groups inside it ("after (dinner|tea)") as the plain
    phrases it stands for ("after dinner", "after tea")."""
    start = text.find("(")
    if start < 0:
        return [text]
    depth = 0
    for end in range(start, len(text)):
        depth += (text[end] == "(") - (text[end] == ")")
        if depth == 0:
            break
    else:
        raise ValueError(f"risk pattern part {text!r} has an unclosed group")
    rests = _expand(text[end + 1:])
    return [text[:start] + inner + rest
            for alternative in _split_top(text[start + 1:end], "|")
            for inner in _expand(alternative) for rest in rests]


def _split_parts(pattern: str) -> list[str]:
    return [part for part in _split_top(pattern, " ") if part]


@lru_cache(maxsize=None)
def compile_pattern(pattern: str) -> Pattern:
    """Compiled once per text: rules that share an `unless` share its Pattern."""
    compiled: list[tuple[int, Alternatives]] = []
    gap = 0
    for part in _split_parts(pattern):
        if part.startswith("~"):
            gap = int(part[1:])
            continue
        choices = _split_top(part[1:-1], "|") if part.startswith("(") else [part]
        choices = [phrase for choice in choices for phrase in _expand(choice)]
        alternatives = tuple(phrase for choice in choices for phrase in _choice(choice))
        compiled.append((gap, tuple(dict.fromkeys(alternatives))))
        gap = 0
    if not compiled:
        raise ValueError(f"empty risk pattern {pattern!r}")
    return Pattern.of(tuple(compiled), pattern)


def phrase_end(tokens: Sequence[Token], i: int, phrase: tuple[str, ...]) -> int | None:
    """The end of `phrase` whose first word is at i, or None."""
    for word in phrase[1:]:
        i += 1
        if i >= len(tokens) or word not in tokens[i].forms:
            return None
    return i + 1


def _match(tokens: Sequence[Token], steps: Sequence[Part], k: int, i: int) -> int | None:
    """Where steps[k:] matched from position i end, or None (depth-first, gaps never cross a BREAK)."""
    if k == len(steps):
        return i
    part = steps[k]
    n = len(tokens)
    for skip in range(part.gap + 1):
        at = i + skip
        if skip and (at - 1 >= n or tokens[at - 1].text == BREAK):
            break
        if part.optional and (rest := _match(tokens, steps, k + 1, at)) is not None:
            return rest
        if at == n:
            return _match(tokens, steps, k + 1, at) if part.at_end or part.at_break else None
        if part.at_break and tokens[at].text == BREAK and (rest := _match(tokens, steps, k + 1, at)) is not None:
            return rest  # "." : the end of a sentence ("what's the point. seriously")
        for form in tokens[at].forms:
            for phrase in part.by_first.get(form, ()):
                end = phrase_end(tokens, at, phrase)
                if end is not None and (rest := _match(tokens, steps, k + 1, end)) is not None:
                    return rest
    return None


def find(tokens: list[Token], pattern: Pattern) -> tuple[int, int] | None:
    return Scan(tokens).find(pattern)
