"""The connector's per-site cache kept in the store, as a mapping: reads once, writes through."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from .tables import ConnectorCache
from .times import utc
from .upsert import upsert


class StoreCache(MutableMapping[str, Any]):
    """Values older than ``max_age`` are treated as absent, so site facts are re-read now and then."""

    def __init__(self, sessions: sessionmaker[Session], site: str, max_age: timedelta = timedelta(hours=24)):
        self.sessions, self.site = sessions, site
        cutoff = datetime.now(UTC) - max_age
        with sessions() as session:
            rows = session.execute(select(ConnectorCache.key, ConnectorCache.value, ConnectorCache.fetched_at)
                                   .where(ConnectorCache.site == site)).all()
        self._values = {key: value["v"] for key, value, fetched in rows if utc(fetched) >= cutoff}

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._values[key] = value
        with self.sessions.begin() as session:
            upsert(session, ConnectorCache.__table__, [{"site": self.site, "key": key, "value": {"v": value},
                                                        "fetched_at": datetime.now(UTC)}], ["site", "key"])

    def __delitem__(self, key: str) -> None:
        del self._values[key]
        with self.sessions.begin() as session:
            session.execute(delete(ConnectorCache).where(ConnectorCache.site == self.site,
                                                         ConnectorCache.key == key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)
