"""The three legacy views, written once per engine so both return the same rows.

Days are UTC calendar days as 'YYYY-MM-DD' text and completion_rate is a float
on both engines (Postgres would otherwise return date and numeric).
"""

from __future__ import annotations

VIEW_NAMES: tuple[str, ...] = ("sessions_to_cleanup", "daily_analytics", "session_completion_stats")

_SQLITE = {
    "sessions_to_cleanup": """
        SELECT session_id, created_at FROM sessions
        WHERE completed = 1
          AND created_at < strftime('%Y-%m-%d %H:%M:%f000', 'now', '-30 days')""",
    "daily_analytics": """
        SELECT date(timestamp) AS date, event_type, COUNT(*) AS event_count,
               SUM(session_count) AS total_sessions
        FROM analytics GROUP BY date(timestamp), event_type
        ORDER BY date DESC, event_type""",
    "session_completion_stats": """
        SELECT date(created_at) AS date, COUNT(*) AS total_sessions,
               SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) AS completed_sessions,
               ROUND(100.0 * SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) / COUNT(*), 2)
                   AS completion_rate
        FROM sessions GROUP BY date(created_at) ORDER BY date DESC""",
}

_POSTGRES = {
    "sessions_to_cleanup": """
        SELECT session_id, created_at FROM sessions
        WHERE completed AND created_at < now() - interval '30 days'""",
    "daily_analytics": """
        SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, event_type,
               COUNT(*) AS event_count, SUM(session_count)::bigint AS total_sessions
        FROM analytics GROUP BY 1, event_type
        ORDER BY date DESC, event_type""",
    "session_completion_stats": """
        SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date,
               COUNT(*) AS total_sessions,
               SUM(CASE WHEN completed THEN 1 ELSE 0 END) AS completed_sessions,
               ROUND(100.0 * SUM(CASE WHEN completed THEN 1 ELSE 0 END) / COUNT(*), 2)::float8
                   AS completion_rate
        FROM sessions GROUP BY 1 ORDER BY date DESC""",
}


def create_view_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        # security_invoker: a view must not let Supabase's anon role read
        # through Row Level Security with the owner's rights (Postgres 15+).
        return [f"CREATE VIEW {name} WITH (security_invoker = true) AS {_POSTGRES[name].strip()}" for name in VIEW_NAMES]
    return [f"CREATE VIEW {name} AS {_SQLITE[name].strip()}" for name in VIEW_NAMES]


def drop_view_statements() -> list[str]:
    return [f"DROP VIEW IF EXISTS {name}" for name in VIEW_NAMES]
