"""The `aimhi` subcommands that are more than a few lines (app/cli.py adds them).

* `data`: `erase` and `cleanup`, on the chatbot's database.
* `risk`: `risk-eval` and `risk-train`, on the labelled corpus (corpus/risk/).
* `common`: exiting with a clear message, and keeping passwords out of it.
"""
