"""The closed lists the legacy schema enforced with CHECK constraints.

Kept as tuples so the models, the migrations, the repository's validation and the
copy tool all read the same list.
"""

FSM_STATES: tuple[str, ...] = (
    "welcome",
    "support_people",
    "strengths",
    "worries",
    "goals",
    "summary",
    "llm_conversation",
)
ROLES: tuple[str, ...] = ("user", "bot")
STEPS: tuple[str, ...] = ("support_people", "strengths", "worries", "goals")
SUMMARY_TYPES: tuple[str, ...] = ("partial", "complete", "llm_context")
EVENT_TYPES: tuple[str, ...] = (
    "session_started",
    "session_completed",
    "step_completed",
    "risk_triggered",
    "llm_fallback_used",
    "distilbert_used",
    "rule_based_used",
    "llm_turn_completed",
)
METHODS: tuple[str, ...] = ("distilbert", "rule_based", "hybrid")
LOG_LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def sql_in_list(column: str, values: tuple[str, ...]) -> str:
    """The text of a CHECK constraint `column IN (...)`, identical on both engines."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"{column} IN ({quoted})"
