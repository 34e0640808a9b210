"""Pure conversation logic of the Supportive Yarn: risk check (``risk``), rule-based
intent classifier (``intent``), reply texts (``content``) and the state machine
(``flow``). No database, no Flask, no conversation state held in memory.

Import the submodules directly (``from app.yarn.flow import take_turn``); this
package file imports nothing so that ``app.yarn.risk`` stays cheap to import.
"""
