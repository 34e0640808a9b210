"""Every text the young person reads, from ``app/content/replies.toml``.

The AIMhi team edits the TOML file, not the code. ``load_content`` checks it fully
(every key the flow uses, enough distinct variants, only the placeholders each key
allows, balanced braces, phone numbers exactly as in ``app/yarn/resources.py``) and raises
one ``ContentError`` listing every problem. The default file is loaded when this
module is imported, so a broken file stops the app at start-up, not mid-yarn.

Pure: no database, no Flask, no conversation state (the parsed file is immutable).
"""

from __future__ import annotations

import re
import string
import tomllib
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.yarn.intent import STEPS
from app.yarn.resources import EXACT_NUMBERS
from app.yarn.risk import RiskDetector

__all__ = [
    "DEFAULT_PATH",
    "REPLY_SPECS",
    "STEP_FIELDS",
    "Content",
    "ContentError",
    "ReplySpec",
    "default_content",
    "load_content",
    "reply",
    "topic",
]

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "content" / "replies.toml"


class ContentError(ValueError):
    """The replies file is missing, unreadable or fails validation; or a reply was
    asked for with a key or placeholder the file does not have."""


@dataclass(frozen=True)
class ReplySpec:
    min_variants: int
    fields: frozenset[str] = frozenset()


# The placeholder holding the young person's words for each step.
STEP_FIELDS: Mapping[str, str] = MappingProxyType({
    "support_people": "people", "strengths": "strengths", "worries": "worries", "goals": "goals",
})


def _build_specs() -> dict[str, ReplySpec]:
    specs: dict[str, ReplySpec] = {"welcome": ReplySpec(3)}
    for step in STEPS:
        field = frozenset({STEP_FIELDS[step]})
        specs[f"ask_{step}"] = ReplySpec(3)
        specs[f"ack_{step}"] = ReplySpec(3, field)
        specs[f"reask_{step}"] = ReplySpec(3)
        specs[f"help_{step}"] = ReplySpec(2)
    specs["ack_support_people_none"] = ReplySpec(3, frozenset({"people"}))
    specs["ack_worries_none"] = ReplySpec(3, frozenset({"worries"}))
    specs.update({
        "reask_prefix_greeting": ReplySpec(2),
        "reask_prefix_small_talk": ReplySpec(2),
        "move_on": ReplySpec(3),
        "skip_ok": ReplySpec(3),
        "summary_intro": ReplySpec(2),
        "summary_line": ReplySpec(2, frozenset({"topic", "said"})),
        "summary_line_unsure": ReplySpec(2, frozenset({"topic", "said"})),
        "summary_line_skipped": ReplySpec(2, frozenset({"topic"})),
        "summary_outro": ReplySpec(3),
        "closing": ReplySpec(3),
        "llm_handoff": ReplySpec(2),
        "crisis_continue": ReplySpec(3),
        "fallback": ReplySpec(2),
        "fallback_unsaved": ReplySpec(2),
        "closing_support": ReplySpec(3),
    })
    return specs


# Every reply key flow.py uses, with its minimum number of variants and allowed placeholders.
REPLY_SPECS: Mapping[str, ReplySpec] = MappingProxyType(_build_specs())

_EXACT_NUMBERS = EXACT_NUMBERS
_DIGIT_RUN_RE = re.compile(r"\d+(?:[ \u00a0]\d+)*")
_FORMATTER = string.Formatter()


def _phone_problems(where: str, text: str) -> list[str]:
    problems = []
    for m in _DIGIT_RUN_RE.finditer(text):
        run = m.group().replace("\u00a0", " ")
        digits = run.replace(" ", "")
        phone_like = len(digits) >= 6 or (len(digits) >= 2 and set(digits) == {"0"})
        if phone_like and run not in _EXACT_NUMBERS:
            problems.append(
                f"{where}: phone number {run!r} is not one of the exact crisis numbers "
                f"({', '.join(sorted(_EXACT_NUMBERS))})")
    return problems


def _placeholders(where: str, text: str) -> tuple[set[str], list[str]]:
    names: set[str] = set()
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        return names, [f"{where}: broken curly brackets ({exc}); write {{{{ or }}}} for a real bracket"]
    problems = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            problems.append(f"{where}: placeholder {{{name}{'!' + conversion if conversion else ''}"
                            f"{':' + spec if spec else ''}}} must be a plain {{name}}")
            continue
        names.add(name)
    return names, problems


SAFETY_TEXTS: tuple[str, ...] = (
    "checkin", "checkin_outro", "checkin_safe", "other_crisis", "other_crisis_outro", "other_concern",
    "other_concern_outro", "abuse", "abuse_outro", "bullying", "bullying_outro", "sextortion", "sextortion_outro",
)


@dataclass(frozen=True)
class Content:
    path: Path
    replies: Mapping[str, tuple[str, ...]]
    topics: Mapping[str, str]
    crisis_intro: str
    crisis_outro: str
    safety: Mapping[str, str]
    crisis_phrases: tuple[str, ...] = ()
    concern_phrases: tuple[str, ...] = ()

    def variants(self, key: str) -> tuple[str, ...]:
        try:
            return self.replies[key]
        except KeyError:
            raise ContentError(f"no reply {key!r} in {self.path}") from None

    def reply(self, key: str, variant_seed: str | int, **fields: str) -> str:
        """One variant of ``key``, chosen deterministically by ``variant_seed``
        (an int picks ``seed % n``, so consecutive ints give different variants;
        a str is hashed with CRC-32), with ``{fields}`` filled in."""
        options = self.variants(key)
        if isinstance(variant_seed, (int,)):  # bool is an int too
            index = int(variant_seed) % len(options)
        elif isinstance(variant_seed, str):
            index = zlib.crc32(variant_seed.encode("utf-8")) % len(options)
        else:
            raise TypeError(f"variant_seed must be str or int, not {type(variant_seed).__name__}")
        template = options[index]
        values = {k: str(v) for k, v in fields.items()}
        try:
            return template.format_map(values)
        except KeyError as exc:
            raise ContentError(
                f"reply {key!r} variant {index} needs placeholder {{{exc.args[0]}}}, "
                f"given {sorted(values)}") from None

    def topic(self, step: str) -> str:
        try:
            return self.topics[step]
        except KeyError:
            raise ContentError(f"no topic {step!r} in {self.path}") from None


def _read_toml(p: Path) -> dict[str, Any]:
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ContentError(f"replies file not found: {p}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{p}: not valid TOML: {exc}") from None


def _variant_problems(key: str, variants: tuple[str, ...]) -> list[str]:
    where = f"replies.{key}"
    problems = [f"{where}: has an empty text"] if any(not v for v in variants) else []
    if len(set(variants)) != len(variants):
        problems.append(f"{where}: has the same text twice")
    spec = REPLY_SPECS.get(key)
    allowed = spec.fields if spec else frozenset()
    for i, text in enumerate(variants):
        names, bad = _placeholders(f"{where}[{i}]", text)
        problems += bad
        for name in sorted(names - allowed):
            problems.append(f"{where}[{i}]: placeholder {{{name}}} is not allowed here"
                            f" (allowed: {', '.join('{' + f + '}' for f in sorted(allowed)) or 'none'})")
        problems += _phone_problems(f"{where}[{i}]", text)
    return problems


def _load_replies(data: dict[str, Any], missing: list[str], problems: list[str]) -> dict[str, tuple[str, ...]]:
    raw = data.get("replies")
    if not isinstance(raw, dict):
        problems.append("[replies] table is missing")
        raw = {}
    replies: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"replies.{key}: must be a list of texts, like {key} = [\"...\", \"...\"]")
            continue
        replies[key] = tuple(v.strip() for v in value)
        problems += _variant_problems(key, replies[key])
    for key, spec in REPLY_SPECS.items():
        if key not in replies:
            if key not in raw:
                missing.append(key)
        elif len(replies[key]) < spec.min_variants:
            problems.append(f"replies.{key}: needs at least {spec.min_variants} different texts, "
                            f"has {len(replies[key])}")
    return replies


def _load_texts(data: dict[str, Any], section: str, keys: Iterable[str], missing: list[str],
                problems: list[str]) -> dict[str, str]:
    """One text per key of a [section] (topics, crisis, safety)."""
    raw = data.get(section)
    if not isinstance(raw, dict):
        raw = {}
    texts: dict[str, str] = {}
    for key in keys:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            missing.append(f"{section}.{key}")
            continue
        texts[key] = value.strip()
        problems += _phone_problems(f"{section}.{key}", value)
        problems += [p for p in _placeholders(f"{section}.{key}", value)[1]]
    return texts


def _load_phrases(data: dict[str, Any], problems: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    raw = data.get("risk", {})
    if not isinstance(raw, dict):
        problems.append("[risk] must be a table")
        return (), ()
    found: list[tuple[str, ...]] = []
    for key in ("crisis_phrases", "concern_phrases"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"risk.{key}: must be a list of texts")
            found.append(())
            continue
        phrases = tuple(v.strip() for v in value)
        for phrase in phrases:
            try:
                RiskDetector(crisis_phrases=[phrase])
            except ValueError as exc:
                problems.append(f"risk.{key}: {exc}")
        found.append(phrases)
    return found[0], found[1]


def load_content(path: str | Path | None = None) -> Content:
    """Parse and validate the replies file (default ``app/content/replies.toml``)."""
    p = Path(path) if path is not None else DEFAULT_PATH
    data = _read_toml(p)
    problems: list[str] = []
    missing: list[str] = []
    replies = _load_replies(data, missing, problems)
    topics = _load_texts(data, "topics", STEPS, missing, problems)
    crisis = _load_texts(data, "crisis", ("intro", "outro"), missing, problems)
    safety = _load_texts(data, "safety", SAFETY_TEXTS, missing, problems)
    crisis_phrases, concern_phrases = _load_phrases(data, problems)
    if missing or problems:
        lines = [f"{p} has problems:"]
        if missing:
            lines.append("  missing keys: " + ", ".join(missing))
        lines += [f"  {msg}" for msg in problems]
        raise ContentError("\n".join(lines))
    return Content(
        path=p, replies=MappingProxyType(replies), topics=MappingProxyType(topics),
        crisis_intro=crisis["intro"], crisis_outro=crisis["outro"], safety=MappingProxyType(safety),
        crisis_phrases=crisis_phrases, concern_phrases=concern_phrases,
    )


@lru_cache(maxsize=1)
def default_content() -> Content:
    """The default replies file, parsed once."""
    return load_content()


def reply(key: str, variant_seed: str | int, **fields: str) -> str:
    """A variant of ``key`` from the default replies file; see ``Content.reply``."""
    return default_content().reply(key, variant_seed, **fields)


def topic(step: str) -> str:
    """The display name of a step, e.g. "Your strengths"."""
    return default_content().topic(step)


# Fail fast: a broken replies file stops the app at start-up.
default_content()
