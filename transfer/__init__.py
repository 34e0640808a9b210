"""Moving the chatbot's data between databases: `aimhi copy`, `aimhi verify`,
`aimhi backup` (see docs/moving-to-supabase.md).

  tables.py     what each table looks like to the tool (from models/)
  reader.py     reading in key order and chunks; dirty rows through models.repair
  writer.py     chunked, resumable writes (COPY on Postgres); resume rules
  checksum.py   the normalised row form, per-row checksums, the streaming compare
  copy.py       the copy; verify.py the comparison; backup.py the SQLite backup
  report.py     progress bars, summary, JSON report
  cli.py        the click commands
"""

from transfer.copy import Options, run_copy
from transfer.endpoints import TransferError

__all__ = ["Options", "TransferError", "run_copy"]
