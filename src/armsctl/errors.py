"""The exceptions armsctl raises, as one tree.

The core raises domain errors; only the shells (``cli``, ``api``) turn them into exit codes and
HTTP statuses. Every error a user can cause carries the problems it found, each naming where
(file, line or key) and what is wrong, so that a shell can print one clear line per problem::

    ArmsctlError
    ├── InputError            bad user input: a file, a request, a parameter (exit 2, HTTP 4xx)
    │   ├── TreatyFileError   a treaty file that breaks the schema
    │   ├── DeclarationError  a malformed or inconsistent declaration file
    │   └── ParameterError    an impossible parameter (negative quota, probability outside (0, 1))
    ├── NotFoundError         an unknown treaty, party, entry or record
    └── IntegrityError        a proof, signature or stored record that does not verify
        └── VerificationError well-formed evidence that does not verify (exit 1, a finding)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ArmsctlError",
    "DeclarationError",
    "InputError",
    "IntegrityError",
    "NotFoundError",
    "ParameterError",
    "Problem",
    "TreatyFileError",
    "VerificationError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows.

    ``where`` is a file path (or another name of the input), ``location`` a line number, a row,
    a TOML key path or a field name; either may be empty when the input has no such notion.
    """

    where: str
    location: str
    message: str

    def __str__(self) -> str:
        place = ":".join(part for part in (self.where, self.location) if part)
        return f"{place}: {self.message}" if place else self.message


class ArmsctlError(Exception):
    """The root of every error armsctl raises on purpose."""


class InputError(ArmsctlError):
    """User input that cannot be used; lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", "", problems)]
        self.problems: list[Problem] = problems
        super().__init__("\n".join(str(p) for p in problems))


class TreatyFileError(InputError):
    """A treaty file that is not valid TOML or breaks the treaty schema."""


class DeclarationError(InputError):
    """A declaration file with missing columns, unknown categories, bad values or dates."""


class ParameterError(InputError):
    """A parameter outside its domain; the message names the parameter."""


class NotFoundError(ArmsctlError):
    """Something named by the user does not exist (a treaty id, a party, a log entry)."""


class IntegrityError(ArmsctlError):
    """A proof, signature, checkpoint or stored record that does not verify."""


class VerificationError(IntegrityError):
    """Evidence that parses but does not verify: an unknown key, a short quorum, a wrong hash.

    Kept apart from a malformed input so that verifiers exit 1 (a finding) for it and 2 (bad
    input) for a file that is not evidence at all.
    """
