"""What use-cases return: typed records, one definition for every shell.

A use-case returns a ``Record`` (a pydantic model) rather than a plain dict, so the API serves
it as its response model, the web reads its attributes and the command line prints its JSON
(``Record.to_json_dict``), all from the same definition. A key a use-case sometimes leaves out
has a default and stays unset, so serialising with ``exclude_unset`` leaves it out, exactly as
the plain dict did; a key a use-case adds but the record does not declare is kept
(``extra="allow"``), never dropped.

Times are RFC 3339 text and dates ISO 8601 text, exactly as the use-cases write them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Day", "Number", "Record", "Time"]

#: A JSON number as the engine computes it: a whole number stays one (``3``, never ``3.0``).
Number = int | float
#: A time as the server writes it: RFC 3339 text with its UTC offset.
Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
#: A calendar date: ISO 8601 text.
Day = Annotated[str, Field(json_schema_extra={"format": "date"})]


class Record(BaseModel):
    """Every use-case result and response body: undeclared keys are kept, never dropped.

    Validators are built on first use (``defer_build``), so importing a use-case module costs a
    command line nothing for the records it never makes.
    """

    model_config = ConfigDict(extra="allow", defer_build=True)

    def to_json_dict(self) -> dict[str, Any]:
        """The record as the JSON a client receives: set keys only, in declaration order."""
        return self.model_dump(mode="json", exclude_unset=True)
