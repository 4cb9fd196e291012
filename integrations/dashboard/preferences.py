"""Each user's dashboard language, kept in the ``dashboard`` store so it follows them to any
screen and survives restarts."""
from __future__ import annotations

from tinydb import Query

from xiaoqu.core.storage import Storage, Store

from .const import DOMAIN

TABLE = "languages"


class Preferences:
    def __init__(self, store: Store, default: str) -> None:
        self._table = store.table(TABLE)
        self.default = default
        self._languages: dict[str, str] = {doc["user_id"]: doc["language"] for doc in self._table.all()}

    @classmethod
    async def open(cls, storage: Storage, default: str) -> Preferences:
        return cls(await storage.open(DOMAIN), default)

    def language(self, user_id: str) -> str:
        return self._languages.get(user_id, self.default)

    async def set_language(self, user_id: str, language: str) -> None:
        await self._table.upsert({"user_id": user_id, "language": language}, Query().user_id == user_id)
        self._languages[user_id] = language
