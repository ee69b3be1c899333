"""Reading one JSON object of a report with the type each field must have.

A saved report can be edited by hand; a wrong field is an InputError naming where it is
(`report.results[3].status`), so `report` and `diff` exit 2 with a message, not a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from gitc_agent.errors import InputError
from gitc_agent.model.message import Message, msg

E = TypeVar("E", bound=StrEnum)


class Obj:
    def __init__(self, value: Any, where: str):
        if not isinstance(value, Mapping):
            raise InputError(msg("{where} is not a JSON object", where=where))
        self.value: Mapping[str, Any] = value
        self.where = where

    def _bad(self, key: str, what: Message) -> InputError:
        # repr() here: a list or an object in a hand-edited report shows as Python wrote it
        return InputError(msg("{where}.{key} must be {what}, not {value}", where=self.where,
                              key=key, what=what, value=repr(self.value.get(key))))

    def raw(self, key: str, default: Any = None) -> Any:
        return self.value.get(key, default)

    def string(self, key: str) -> str:
        value = self.value.get(key)
        if not isinstance(value, str):
            raise self._bad(key, msg("a string"))
        return value

    def opt_string(self, key: str) -> str | None:
        value = self.value.get(key)
        if value is not None and not isinstance(value, str):
            raise self._bad(key, msg("a string or null"))
        return value

    def integer(self, key: str) -> int:
        value = self.value.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._bad(key, msg("a whole number"))
        return value

    def opt_integer(self, key: str) -> int | None:
        return None if self.value.get(key) is None else self.integer(key)

    def boolean(self, key: str) -> bool:
        value = self.value.get(key)
        if not isinstance(value, bool):
            raise self._bad(key, msg("true or false"))
        return value

    def enum(self, key: str, enum: type[E]) -> E:
        value = self.value.get(key)
        try:
            return enum(value)
        except ValueError:
            raise self._bad(key, msg("one of {values}", values=", ".join(m.value for m in enum))
                            ) from None

    def opt_enum(self, key: str, enum: type[E]) -> E | None:
        return None if self.value.get(key) is None else self.enum(key, enum)

    def obj(self, key: str) -> Obj:
        return Obj(self.value.get(key), f"{self.where}.{key}")

    def opt_obj(self, key: str) -> Obj | None:
        return None if self.value.get(key) is None else self.obj(key)

    def objs(self, key: str, optional: bool = False) -> list[Obj]:
        """A list of objects; `optional`: a missing list is an empty one."""
        items = self.value.get(key)
        if items is None and optional:
            return []
        if not isinstance(items, list):
            raise self._bad(key, msg("a list"))
        return [Obj(item, f"{self.where}.{key}[{i}]") for i, item in enumerate(items)]

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.value.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise self._bad(key, msg("a list of strings"))
        return tuple(items)

    def levels(self, key: str) -> dict[int, str]:
        """A scoring axis: level number (a string key in JSON) -> its label."""
        axis = self.obj(key)
        try:
            levels = {int(k): v for k, v in axis.value.items()}
        except ValueError:
            raise InputError(msg("{where} has a level that is not a number",
                                 where=axis.where)) from None
        if not all(isinstance(v, str) for v in levels.values()):
            raise InputError(msg("{where} labels must be strings", where=axis.where))
        return levels

    def int_values(self) -> dict[str, int]:
        for key in self.value:
            self.integer(key)
        return dict(self.value)
