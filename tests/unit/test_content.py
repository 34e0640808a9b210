"""replies.toml: every key the flow uses is there with enough variants, placeholders
are filled, the crisis text carries every number exactly, and a broken file is
refused with a message that names the problem."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from app.yarn import flow
from app.yarn.content import (
    DEFAULT_PATH,
    REPLY_SPECS,
    STEP_FIELDS,
    ContentError,
    load_content,
    reply,
)
from app.yarn.intent import STEPS
from app.yarn.resources import ALL_RESOURCES, CRISIS_RESOURCES
from app.yarn.safety import crisis_text

STEP_PROMPT_KINDS = ("ask", "reask", "ack")


def test_default_file_loads() -> None:
    loaded = load_content()
    assert loaded.path == DEFAULT_PATH
    assert set(REPLY_SPECS) <= set(loaded.replies)


def test_every_key_flow_uses_is_validated_and_present() -> None:
    loaded = load_content()
    assert flow.KEYS_USED <= set(REPLY_SPECS)
    # and the flow source names no key outside KEYS_USED
    source = Path(flow.__file__).read_text(encoding="utf-8")
    literal_keys = set(re.findall(r'reply\(\s*"([a-z_]+)"', source))
    templated = set(re.findall(r'reply\(\s*f"([a-z_]+)\{', source))
    assert literal_keys <= flow.KEYS_USED
    for prefix in templated:
        assert all(f"{prefix}{step}" in flow.KEYS_USED for step in STEPS)
    for key in flow.KEYS_USED:
        assert len(loaded.variants(key)) >= REPLY_SPECS[key].min_variants


@pytest.mark.parametrize("kind", STEP_PROMPT_KINDS)
@pytest.mark.parametrize("step", STEPS)
def test_step_prompts_have_at_least_three_distinct_variants(kind: str, step: str) -> None:
    variants = load_content().variants(f"{kind}_{step}")
    assert len(variants) >= 3
    assert len(set(variants)) == len(variants)


@pytest.mark.parametrize("key", ["welcome", "closing", "move_on", "skip_ok", "crisis_continue",
                                 "summary_outro", "ack_support_people_none", "ack_worries_none"])
def test_other_main_texts_have_at_least_three_variants(key: str) -> None:
    assert len(load_content().variants(key)) >= 3


def test_every_variant_renders_with_no_placeholder_left() -> None:
    loaded = load_content()
    for key, spec in REPLY_SPECS.items():
        fields = {name: f"<{name}>" for name in spec.fields}
        for seed in range(len(loaded.variants(key))):
            text = loaded.reply(key, seed, **fields)
            assert "{" not in text and "}" not in text, (key, seed, text)
            for name in spec.fields:
                assert f"<{name}>" in text, f"{key}[{seed}] does not use {{{name}}}"


def test_reply_is_deterministic_and_varies_by_seed() -> None:
    assert reply("closing", 7) == reply("closing", 7)
    assert reply("closing", "abc") == reply("closing", "abc")
    n = len(load_content().variants("closing"))
    assert {reply("closing", i) for i in range(n)} == set(load_content().variants("closing"))
    assert reply("closing", 0) != reply("closing", 1)
    assert reply("closing", -1) in load_content().variants("closing")


def test_reply_fills_fields_without_reformatting_user_text() -> None:
    text = reply("ack_strengths", 0, strengths="my {0} {strengths} %s")
    assert "my {0} {strengths} %s" in text


def test_reply_errors_are_clear() -> None:
    with pytest.raises(ContentError, match="no reply 'nope'"):
        reply("nope", 0)
    with pytest.raises(ContentError, match="needs placeholder"):
        reply("ack_goals", 0)
    with pytest.raises(TypeError):
        reply("closing", 1.5)  # type: ignore[arg-type]


def test_crisis_text_contains_every_resource_exactly() -> None:
    text = crisis_text()
    for r in CRISIS_RESOURCES:
        assert r.name in text
        assert r.number in text
    for number in ("13 92 76", "13 11 14", "1800 55 1800", "000"):
        assert number in text
    assert "13YARN" in text and "Aboriginal and Torres Strait Islander" in text and "24/7" in text
    assert "{" not in text


def test_phone_numbers_anywhere_in_the_file_are_the_exact_ones() -> None:
    raw = DEFAULT_PATH.read_text(encoding="utf-8")
    exact = {r.number for r in ALL_RESOURCES}
    for run in re.findall(r"\d+(?: \d+)*", raw):
        digits = run.replace(" ", "")
        if len(digits) >= 6:
            assert run in exact, run


def test_no_clinical_or_diagnosis_words() -> None:
    loaded = load_content()
    texts = [t for vs in loaded.replies.values() for t in vs] + [loaded.crisis_intro, loaded.crisis_outro,
                                                                *loaded.safety.values()]
    blob = " ".join(texts).lower()
    for word in ("diagnos", "disorder", "depress", "anxiety", "medication", "symptom", "treatment",
                 "therapy", "mental illness", "psychiatr", "prescri", "clinical"):
        assert word not in blob, word


def test_step_fields_match_the_editor_comment() -> None:
    header = DEFAULT_PATH.read_text(encoding="utf-8").split("\n[topics]")[0]
    for name in set(STEP_FIELDS.values()) | {"topic", "said"}:
        assert "{" + name + "}" in header


# ---------------------------------------------------------------------------
# Broken files are refused with a useful message
# ---------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "replies.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _default_data() -> dict:
    with DEFAULT_PATH.open("rb") as fh:
        return tomllib.load(fh)


def _dump(data: dict) -> str:
    """A tiny TOML writer for the shapes replies.toml uses (tables of strings / lists)."""
    def s(v: str) -> str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    out = []
    for table, values in data.items():
        out.append(f"[{table}]")
        for k, v in values.items():
            out.append(f"{k} = " + ("[" + ", ".join(s(x) for x in v) + "]" if isinstance(v, list) else s(v)))
    return "\n".join(out) + "\n"


def test_round_trip_of_the_default_data_loads(tmp_path: Path) -> None:
    loaded = load_content(_write(tmp_path, _dump(_default_data())))
    assert loaded.replies == load_content().replies


def test_missing_keys_are_all_listed(tmp_path: Path) -> None:
    data = _default_data()
    del data["replies"]["closing"]
    del data["replies"]["ask_goals"]
    del data["topics"]["worries"]
    with pytest.raises(ContentError) as exc:
        load_content(_write(tmp_path, _dump(data)))
    message = str(exc.value)
    assert "missing keys" in message
    for key in ("closing", "ask_goals", "topics.worries"):
        assert key in message


def test_too_few_variants(tmp_path: Path) -> None:
    data = _default_data()
    data["replies"]["ask_strengths"] = data["replies"]["ask_strengths"][:2]
    data["replies"]["llm_handoff"] = data["replies"]["llm_handoff"][:1]
    with pytest.raises(ContentError) as exc:
        load_content(_write(tmp_path, _dump(data)))
    assert "replies.ask_strengths: needs at least 3" in str(exc.value)
    assert "replies.llm_handoff: needs at least 2" in str(exc.value)


def test_duplicate_and_empty_variants(tmp_path: Path) -> None:
    data = _default_data()
    data["replies"]["closing"] = ["Bye", "Bye", "See ya"]
    data["replies"]["move_on"] = ["", "a", "b"]
    with pytest.raises(ContentError) as exc:
        load_content(_write(tmp_path, _dump(data)))
    assert "replies.closing: has the same text twice" in str(exc.value)
    assert "replies.move_on: has an empty text" in str(exc.value)


def test_unknown_or_misplaced_placeholders(tmp_path: Path) -> None:
    data = _default_data()
    data["replies"]["ask_goals"][0] = "What about {goals}?"  # not allowed in a question
    data["replies"]["ack_goals"][1] = "Nice, {goal}"  # typo
    data["replies"]["ack_goals"][2] = "Nice, {goals!r}"  # conversion
    data["replies"]["closing"][0] = "Broken { bracket"
    with pytest.raises(ContentError) as exc:
        load_content(_write(tmp_path, _dump(data)))
    message = str(exc.value)
    assert "replies.ask_goals[0]: placeholder {goals} is not allowed here" in message
    assert "replies.ack_goals[1]: placeholder {goal} is not allowed here" in message
    assert "replies.ack_goals[2]" in message and "plain {name}" in message
    assert "replies.closing[0]: broken curly brackets" in message


def test_wrong_phone_number_is_refused(tmp_path: Path) -> None:
    data = _default_data()
    data["replies"]["closing"][0] = "Call 13YARN on 13 92 67 any time."
    data["crisis"]["outro"] = "Or call 0000."
    with pytest.raises(ContentError) as exc:
        load_content(_write(tmp_path, _dump(data)))
    assert "'13 92 67'" in str(exc.value)
    assert "'0000'" in str(exc.value)


def test_exact_phone_numbers_are_accepted(tmp_path: Path) -> None:
    data = _default_data()
    data["replies"]["closing"][0] = "You can call 13YARN on 13 92 76 or Kids Helpline on 1800 55 1800, or 000."
    loaded = load_content(_write(tmp_path, _dump(data)))
    assert "13 92 76" in loaded.replies["closing"][0]


def test_bad_toml_missing_file_and_bad_shapes(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="not valid TOML"):
        load_content(_write(tmp_path, "[replies\nwelcome = "))
    with pytest.raises(ContentError, match="not found"):
        load_content(tmp_path / "nope.toml")
    data = _default_data()
    data["replies"]["welcome"] = "just one string"
    data["risk"]["crisis_phrases"] = ["!!!"]
    with pytest.raises(ContentError) as exc:
        load_content(_write(tmp_path, _dump(data)))
    assert "replies.welcome: must be a list" in str(exc.value)
    assert "risk.crisis_phrases" in str(exc.value)


def test_missing_crisis_section_is_refused(tmp_path: Path) -> None:
    data = _default_data()
    del data["crisis"]
    with pytest.raises(ContentError, match="crisis.intro"):
        load_content(_write(tmp_path, _dump(data)))


def test_custom_file_crisis_reply_still_has_all_numbers(tmp_path: Path) -> None:
    data = _default_data()
    data["crisis"]["intro"] = "Please talk to someone."
    text = crisis_text(load_content(_write(tmp_path, _dump(data))))
    assert text.startswith("Please talk to someone.")
    for r in CRISIS_RESOURCES:
        assert f"{r.name}: {r.number}" in text


STDLIB_ALLOWED = {"__future__", "collections", "dataclasses", "functools", "logging", "pathlib", "csv",
                  "re", "string", "time", "tomllib", "types", "typing", "unicodedata", "zlib", "lemminflect"}
YARN_MODULES = ("checkin", "content", "evaluation", "flow", "intent", "lexicon", "resources", "risk", "safety",
                "textfold")


def _imports(module: str) -> set[str]:
    import ast
    import importlib

    mod = importlib.import_module(f"app.yarn.{module}")
    tree = ast.parse(Path(mod.__file__).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


@pytest.mark.parametrize("module", YARN_MODULES)
def test_yarn_modules_are_pure(module: str) -> None:
    """No database, no Flask: the standard library, app.yarn and the domain
    data shapes (models.yarn) only."""
    for name in _imports(module):
        assert name.split(".")[0] in STDLIB_ALLOWED or name.startswith("app.yarn") or name == "models.yarn", name


def test_the_risk_check_has_no_import_cycle() -> None:
    """Text folding and the resources stand alone; the detector imports
    neither the content nor the flow."""
    assert not {n for n in _imports("textfold") if n.startswith("app.")}
    assert not {n for n in _imports("resources") if n.startswith("app.")}
    assert {n for n in _imports("lexicon") if n.startswith("app.")} == set()
    assert {n for n in _imports("risk") if n.startswith("app.")} <= {"app.yarn", "app.yarn.lexicon", "app.yarn.textfold",
                                                                          "app.yarn.riskmodel"}
