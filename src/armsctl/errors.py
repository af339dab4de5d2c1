"""The exceptions armsctl raises, as one tree, and the one table that says what each means.

The core raises domain errors; the shells (``cli``, ``api``, ``web``) turn them into exit codes,
HTTP statuses and error pages through ``outcome(exc)``, which reads ``OUTCOMES``: the nearest
class of the exception listed there decides, so a new subclass behaves like its parent until it
is given a row. Every error a user can cause carries the problems it found, each naming where
(file, line or key) and what is wrong, so that a shell can print one clear line per problem.
Errors defined beside the code that raises them are drawn with their module::

    ArmsctlError                 anything refused on purpose              (exit 2, HTTP 422)
    ├── InputError               bad user input: a file, a request, a     (exit 2, HTTP 422)
    │   │                        parameter; lists every problem found
    │   ├── TreatyFileError      a treaty file that breaks the schema
    │   ├── DeclarationError     a malformed or inconsistent declaration file
    │   ├── ParameterError       an impossible parameter (negative quota, probability outside
    │   │   │                    (0, 1))
    │   │   └── SealedItemsError items sealed to their party, which the   (service.dashboard)
    │   │                        server cannot read
    │   └── TransitionError      a notification step its state does not   (notifications.model)
    │                            allow
    ├── NotFoundError            an unknown treaty, party, entry or record (exit 2, HTTP 404)
    ├── ConflictError            valid, but clashes with stored state     (exit 2, HTTP 409)
    │                            (quota spent, duplicate, wrong state)
    ├── AccessDenied             the actor may not do this; the reason    (exit 2, HTTP 403)
    │                            is shown
    ├── IntegrityError           a proof, signature or stored record that (exit 2, HTTP 422)
    │   │                        does not verify, or evidence that is malformed
    │   ├── VerificationError    well-formed evidence that does not       (exit 1, HTTP 422)
    │   │                        verify: a finding
    │   └── WitnessRefusal       a witness will not cosign; carries the   (ledger.witness)
    │                            tlog-witness status
    └── LimitExceeded            the committed total is above the limit:  (zk.range)
                                 no proof exists

Exit codes follow the project's rule: 0 nothing found, 1 something found (a violation, a
failed verification), 2 bad input. ``tests/test_errors.py`` keeps this drawing equal to the
classes and the table equal to the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EXIT_FINDING",
    "EXIT_INPUT",
    "EXIT_OK",
    "MAX_PROBLEMS",
    "OUTCOMES",
    "AccessDenied",
    "ArmsctlError",
    "ConflictError",
    "DeclarationError",
    "InputError",
    "IntegrityError",
    "NotFoundError",
    "Outcome",
    "ParameterError",
    "Problem",
    "TreatyFileError",
    "VerificationError",
    "outcome",
]

#: Exit codes: nothing found, something found (a violation, a failed verification), bad input.
EXIT_OK, EXIT_FINDING, EXIT_INPUT = 0, 1, 2
#: How many problems one error lists: enough to fix an input in one pass, not a flood.
MAX_PROBLEMS = 50


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

    @classmethod
    def raise_if_any(cls, problems: list[Problem]) -> None:
        """Raise this error with the first ``MAX_PROBLEMS`` of ``problems``, if there are any.

        The end of every reader that collects the problems of a whole input before refusing it.
        """
        if problems:
            raise cls(problems[:MAX_PROBLEMS])


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


class ConflictError(ArmsctlError):
    """The request is valid but clashes with the stored state (quota spent, duplicate, state)."""


class AccessDenied(ArmsctlError):
    """The actor may not do this; the message is the reason given to the caller.

    ``action`` and ``resource`` name what was refused, for the audit trail.
    """

    def __init__(self, reason: str, *, action: str = "", resource: str = "") -> None:
        self.reason, self.action, self.resource = reason, action, resource
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one kind of error means to each shell.

    ``exit_code`` for the CLI, ``http_status`` for the API's JSON body and the web's error page,
    ``title`` for the heading of that page.
    """

    exit_code: int
    http_status: int
    title: str


#: The one table from errors to exit codes, HTTP statuses and error pages (``outcome``).
OUTCOMES: dict[type[ArmsctlError], Outcome] = {
    ArmsctlError: Outcome(EXIT_INPUT, 422, "Cannot do that"),
    InputError: Outcome(EXIT_INPUT, 422, "Invalid input"),
    NotFoundError: Outcome(EXIT_INPUT, 404, "Not found"),
    ConflictError: Outcome(EXIT_INPUT, 409, "Conflict"),
    AccessDenied: Outcome(EXIT_INPUT, 403, "Not allowed"),
    IntegrityError: Outcome(EXIT_INPUT, 422, "Cannot do that"),
    VerificationError: Outcome(EXIT_FINDING, 422, "Cannot do that"),
}


def outcome(error: ArmsctlError | type[ArmsctlError]) -> Outcome:
    """The row of ``OUTCOMES`` for the error's nearest listed class (``ArmsctlError`` at worst)."""
    kind = error if isinstance(error, type) else type(error)
    for cls in kind.__mro__:
        if cls in OUTCOMES:
            return OUTCOMES[cls]
    raise TypeError(f"{kind.__name__} is not an ArmsctlError")
