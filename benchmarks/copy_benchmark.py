"""`aimhi copy` (with its verification) against pgloader: legacy SQLite -> Postgres.

Builds a legacy schema-v2 file with at least 1,000,000 chat_history rows and
realistic other tables (sessions, step answers, summaries as JSON, analytics
events, intent classifications, risk detections, logs, and a few dirty rows of
every kind), then copies it twice into fresh Postgres databases:

  ours      python -m transfer copy legacy.db postgresql://.../db   (copy + verify)
  pgloader  pgloader sqlite:///legacy.db pgsql://.../db             (copy only)

and prints rows/s for both and the peak RSS of ours (ru_maxrss of the child).

    python benchmarks/copy_benchmark.py                      # 1,000,000 chat rows
    python benchmarks/copy_benchmark.py --chat-rows 200000 --skip-pgloader

Postgres: AIMHI_BENCH_POSTGRES_URL (an admin URL) or the local server on
127.0.0.1:5432 as postgres; the databases are created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "tests"))  # pgserver: create/drop databases

import pgserver  # noqa: E402
from models.legacy import legacy_statements  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

STEPS = ("support_people", "strengths", "worries", "goals")
STATES = ("welcome", "support_people", "strengths", "worries", "goals", "summary", "llm_conversation")
USER_LINES = [
    "hi", "yeah good thanks", "my nan and my cousin jay", "footy and drawing, and looking after my little brother",
    "exams and money stuff at home", "finish year 12 and get my L plates", "not sure really", "my mum i guess",
    "i'm good at making people laugh", "sleeping heaps lately", "want to get a job at the shop", "thanks heaps",
    "can we talk about school", "my uncle takes me fishing on weekends", "feeling a bit shame about it",
]
BOT_LINES = [
    "Hey, welcome! This is a yarn about what keeps you strong. Who are the people who support you?",
    "Deadly. Those people sound important. What are some things you're good at?",
    "Thanks for sharing that. What are some things that worry you at the moment?",
    "That sounds like a lot to carry. What's one goal you'd like to work towards?",
    "Here's what you told me: your support people, your strengths, your worries and your goal.",
    "Sorry, I didn't quite catch that. Could you tell me a bit more?",
    "If you ever feel unsafe, you can call 13YARN on 13 92 76, any time.",
]
INTENTS = ("greeting", "support_people", "strengths", "worries", "goals", "unclear", "thanks")


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")  # what CURRENT_TIMESTAMP wrote


def build_legacy(path: Path, chat_rows: int, seed: int = 7) -> dict[str, int]:
    """The legacy file, quickly: executemany in a few big transactions."""
    rng = random.Random(seed)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")  # as the old chatbot left its files
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA ignore_check_constraints = ON")  # dirty rows from an older script
    for statement in legacy_statements():
        conn.execute(statement)
    start = datetime(2025, 3, 1, 8, 0, 0)
    sessions, chats, responses, risks, summaries, events, intents, logs = [], [], [], [], [], [], [], []
    counts = dict.fromkeys(("sessions", "chat_history", "user_responses", "risk_detections",
                            "session_summaries", "analytics", "intent_classifications", "system_logs"), 0)

    def flush(force: bool = False) -> None:
        if not force and len(chats) < 200_000:
            return
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)", sessions)
        conn.executemany("INSERT INTO chat_history (session_id, role, message, ts) VALUES (?, ?, ?, ?)", chats)
        conn.executemany(
            "INSERT INTO user_responses (session_id, step, response, attempt_count, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", responses)
        conn.executemany(
            "INSERT INTO risk_detections (session_id, trigger_phrase, user_message, detected_at, resources_shown)"
            " VALUES (?, ?, ?, ?, ?)", risks)
        conn.executemany(
            "INSERT INTO session_summaries (session_id, summary_type, summary_data, generated_at) VALUES (?, ?, ?, ?)",
            summaries)
        conn.executemany(
            "INSERT INTO analytics (event_type, event_data, session_count, timestamp) VALUES (?, ?, ?, ?)", events)
        conn.executemany(
            "INSERT INTO intent_classifications (session_id, user_message, classified_intent, confidence, method,"
            " fsm_state, inference_time_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", intents)
        conn.executemany(
            "INSERT INTO system_logs (log_level, component, message, session_id, error_trace, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", logs)
        conn.execute("COMMIT")
        for name, rows in (("sessions", sessions), ("chat_history", chats), ("user_responses", responses),
                           ("risk_detections", risks), ("session_summaries", summaries), ("analytics", events),
                           ("intent_classifications", intents), ("system_logs", logs)):
            counts[name] += len(rows)
            rows.clear()

    number = 0
    while counts["chat_history"] + len(chats) < chat_rows:
        number += 1
        sid = f"{rng.getrandbits(128):032x}"
        began = start + timedelta(seconds=number * 150 + rng.randrange(120))
        turns = rng.randrange(5, 16)
        completed = turns >= 9
        moment = began
        classified = rng.random() < 0.5
        for turn in range(turns):
            moment += timedelta(seconds=rng.randrange(5, 90))
            user = rng.choice(USER_LINES)
            chats.append((sid, "user", user, ts(moment)))
            if classified:
                intents.append((sid, user, rng.choice(INTENTS), round(rng.random(), 4),
                                rng.choice(("rule_based", "distilbert", "hybrid")), STATES[min(turn, 6)],
                                rng.randrange(2, 80), ts(moment)))
            chats.append((sid, "bot", rng.choice(BOT_LINES), ts(moment + timedelta(seconds=1))))
        steps_done = min(4, turns // 2)
        for step in STEPS[:steps_done]:
            responses.append((sid, step, rng.choice(USER_LINES), rng.randrange(0, 3), ts(began), ts(moment)))
            events.append(("step_completed", json.dumps({"step": step}), 1, ts(moment)))
        events.append(("session_started", None, 1, ts(began)))
        events.append(("rule_based_used", json.dumps({"turns": turns}), 1, ts(moment)))
        if completed:
            events.append(("session_completed", None, 1, ts(moment)))
            summaries.append((sid, "complete", json.dumps({s: rng.choice(USER_LINES) for s in STEPS}), ts(moment)))
        if rng.random() < 0.3:
            summaries.append((sid, "partial", json.dumps({"steps_done": steps_done, "score": rng.random()}), ts(moment)))
        if rng.random() < 0.02:
            risks.append((sid, "hurt myself", "sometimes i want to hurt myself", ts(moment), 1))
            events.append(("risk_triggered", json.dumps({"trigger_phrase": "hurt myself"}), 1, ts(moment)))
        if rng.random() < 0.1:
            logs.append(("INFO", "yarn", f"session {sid[:8]} finished", sid, None, ts(moment)))
        state = "summary" if completed else STATES[min(steps_done + 1, 5)]
        sessions.append((sid, state, ts(began), ts(moment), 1 if completed else 0, ts(moment) if completed else None))
        flush()
    # A few dirty rows of every kind the migration must keep.
    sessions.append(("dirty-yes", "goals", "2025-03-02 10:00:00", "2025-03-02 10:00:00", "yes", None))
    sessions.append(("dirty-state", "onboarding", "02/03/2025 10:00", "2025-03-02 10:00:00", 0, None))
    chats.append(("gone-session", "user", "a message whose session was deleted", "2025-03-02 10:00:00"))
    chats.append(("dirty-yes", "user", "text with a NUL \x00 inside", "2025-03-02 10:00:01"))
    chats.append(("dirty-yes", "system", "a role outside the list", "2025-03-02 10:00:02"))
    chats.append(("dirty-yes", "bot", "an epoch timestamp", 1740909603))
    summaries.append(("dirty-yes", "complete", "not json at all", "2025-03-02T10:00:05+10:30"))
    events.append(("debug_event", "{}", 1, "2025-03-02 10:00:00"))
    intents.append(("dirty-yes", "hmm", "unclear", "high", "rule_based", None, 5, "2025-03-02 10:00:00"))
    logs.append(("ERROR", "db", "orphan log", "gone-log-session", "Traceback ...", "garbage time"))
    flush(force=True)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return counts


DIRTY_ROWS_SQL = (
    "DELETE FROM sessions WHERE session_id IN ('dirty-yes', 'dirty-state')",
    "DELETE FROM chat_history WHERE session_id IN ('gone-session', 'dirty-yes')",
    "DELETE FROM session_summaries WHERE session_id = 'dirty-yes'",
    "DELETE FROM analytics WHERE event_type = 'debug_event'",
    "DELETE FROM intent_classifications WHERE session_id = 'dirty-yes'",
    "DELETE FROM system_logs WHERE session_id = 'gone-log-session'",
)


def clean_copy(legacy: Path, clean: Path) -> int:
    """The same file without its dirty rows (pgloader rejects whole batches
    around a dirty row, so its throughput is measured on this one)."""
    shutil.copyfile(legacy, clean)
    conn = sqlite3.connect(clean, isolation_level=None)
    removed = 0
    for statement in DIRTY_ROWS_SQL:
        removed += conn.execute(statement).rowcount
    conn.execute("VACUUM")
    conn.close()
    return removed


def admin_url() -> str:
    url = os.environ.get("AIMHI_BENCH_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    return pgserver.normalise_url(url)


def run_ours(legacy: Path, target_url: str, report: Path) -> dict[str, Any]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "transfer", "copy", str(legacy), target_url, "--quiet", "--report", str(report)],
        cwd=ROOT, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far: ours ran first
    if result.returncode != 0:
        raise SystemExit(f"aimhi copy failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(report.read_text())
    return {"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "report": data}


def run_pgloader(legacy: Path, target_url: str) -> dict[str, Any]:
    url = make_url(target_url)
    auth = url.username or "postgres"
    if url.password:
        auth += f":{url.password}"
    pg = f"pgsql://{auth}@{url.host or '127.0.0.1'}:{url.port or 5432}/{url.database}"
    started = time.perf_counter()
    result = subprocess.run(
        ["pgloader", "--no-ssl-cert-verification", f"sqlite://{legacy}", pg], capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"pgloader failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return {"seconds": seconds, "output": result.stdout}


def target_rows(url: str) -> int:
    with pgserver.psycopg_connect(url) as conn:
        return sum(
            conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in ("sessions", "chat_history", "user_responses", "risk_detections", "session_summaries",
                          "analytics", "intent_classifications", "system_logs")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chat-rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None, help="where the legacy file goes (default: a temp dir)")
    parser.add_argument("--skip-pgloader", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the file and the databases")
    parser.add_argument("--pgloader-dirty", action="store_true",
                        help="also run pgloader on the file with dirty rows, to show what it loses")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="aimhi-copy-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    legacy = workdir / "legacy.db"
    started = time.perf_counter()
    counts = build_legacy(legacy, args.chat_rows)
    total = sum(counts.values())
    print(f"legacy file: {legacy} ({legacy.stat().st_size / 2**20:,.0f} MiB), built in {time.perf_counter() - started:.1f} s")
    for table, count in counts.items():
        print(f"  {table:<24} {count:>10,}")
    print(f"  {'total':<24} {total:>10,}")

    admin = admin_url()
    names = [pgserver.unique_name(prefix) for prefix in ("aimhi_bench_ours", "aimhi_bench_pgloader", "aimhi_bench_dirty")]
    try:
        ours_url = pgserver.create_database(admin, names[0])
        ours = run_ours(legacy, ours_url, workdir / "report.json")
        report = ours["report"]
        verified = report["verification"]["equal"]
        dirty = sum(item["rows"] for item in report["dirty_row_counts"])
        print(f"\nours (copy + verify): {ours['seconds']:.1f} s, {total / ours['seconds']:,.0f} rows/s, "
              f"verified: {verified}, dirty rows kept and listed: {dirty}, peak RSS {ours['peak_rss_mb']:.0f} MiB")
        print(f"  copy phase {report['copy_seconds']:.1f} s, verification {report['seconds'] - report['copy_seconds']:.1f} s"
              f" (tool's own clock; the rest is start-up)")
        print(f"  rows in target: {target_rows(ours_url):,} (source {total:,}; quarantined rows live in data_repairs,"
              " placeholders add sessions)")
        if not args.skip_pgloader:
            if shutil.which("pgloader") is None:
                print("\npgloader: not installed (apt-get install pgloader)")
            else:
                clean = workdir / "legacy-clean.db"
                removed = clean_copy(legacy, clean)
                loader_url = pgserver.create_database(admin, names[1])
                loader = run_pgloader(clean, loader_url)
                clean_total = total - removed
                print(f"\npgloader (copy only, no verification), on the file without its {removed} dirty rows:"
                      f" {loader['seconds']:.1f} s, {clean_total / loader['seconds']:,.0f} rows/s,"
                      f" rows in target: {target_rows(loader_url):,} of {clean_total:,}")
                print(f"\nthroughput ours / pgloader: {(total / ours['seconds']) / (clean_total / loader['seconds']):.2f}")
                if args.pgloader_dirty:
                    dirty_url = pgserver.create_database(admin, names[2])
                    run_pgloader(legacy, dirty_url)
                    print(f"pgloader on the file with its dirty rows: {target_rows(dirty_url):,} of {total:,} rows arrived"
                          " (it rejects whole batches around a bad value)")
    finally:
        if not args.keep:
            for name in names:
                pgserver.drop_database(admin, name)
            if args.workdir is None:
                shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
