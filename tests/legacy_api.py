"""The legacy functions bound to one Repository, for tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from repository import LegacyFunctions


class LegacyUnderTest(LegacyFunctions):
    """The legacy functions bound to one Repository, with what the tests also
    reach: its engine, its units of work, its clock."""

    @property
    def engine(self) -> Engine:
        return self.repository.engine

    @property
    def engine_name(self) -> str:
        return self.repository.engine_name

    def unit_of_work(self, **options: Any) -> Any:
        return self.repository.unit_of_work(**options)

    def ping(self) -> None:
        self.repository.run(lambda uow: uow.ping(), write=False)

    def dispose(self) -> None:
        self.repository.dispose()

    @property
    def clock(self) -> Any:
        return self.repository.clock
