"""Which keys speak for which party: a trust file the verifier holds itself.

A signature proves only that *some* key signed; a verifier must know, from a source of its own
and never from the message it checks, which keys are the party's. ``armsctl commit`` and
``armsctl verify-reveal`` take them as ``--party-key`` (one verifier key or ``.pub`` file) or
as a trust file (``--trust``), a JSON document::

    {
      "format": "armsctl/trust/v1",
      "parties": {
        "USA": ["USA+1a2b3c4d+AU...="],
        "RUS": ["RUS+5e6f7a8b+AV...=", "RUS-team+..."]
      }
    }

listing, per party code, the verifier keys registered for it (a server's
``GET /treaties/{treaty}/parties`` lists them; check them out of band, e.g. against the keys
the parties exchanged through diplomatic channels).
"""

from __future__ import annotations

from armsctl.errors import InputError, IntegrityError, Problem
from armsctl.ledger.note import VerifierKey
from armsctl.textio import parse_json

__all__ = ["TRUST_FORMAT", "parse_trust"]

TRUST_FORMAT = "armsctl/trust/v1"


def parse_trust(text: str, *, where: str = "trust file") -> dict[str, tuple[VerifierKey, ...]]:
    """Read a trust file: party code -> its verifier keys.

    Raises:
        InputError: naming the file and the key path of every problem (bad JSON, wrong format,
            a party with no key list, a malformed key).
    """
    doc = parse_json(text, where=where)
    if not isinstance(doc, dict) or doc.get("format") != TRUST_FORMAT:
        raise InputError([Problem(where, "format", f"must be {TRUST_FORMAT!r}")])
    parties = doc.get("parties")
    if not isinstance(parties, dict) or not parties:
        raise InputError([Problem(where, "parties", "must map party codes to key lists")])
    out: dict[str, tuple[VerifierKey, ...]] = {}
    problems: list[Problem] = []
    for code, keys in parties.items():
        if not isinstance(keys, list) or not keys:
            problems.append(Problem(where, f"parties.{code}", "must be a non-empty list of keys"))
            continue
        parsed = []
        for n, text_key in enumerate(keys):
            try:
                parsed.append(VerifierKey.parse(str(text_key)))
            except IntegrityError as exc:
                problems.append(Problem(where, f"parties.{code}.{n}", str(exc)))
        out[str(code)] = tuple(parsed)
    if problems:
        raise InputError(problems)
    return out
