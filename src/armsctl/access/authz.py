"""Who may do what: the one role x action table every request is decided by.

Each action maps each role to a rule; a role missing from an action is refused. Rules that need
facts about the resource (whose it is, who takes part, which inspectors were granted) are
checked by the use-case, inside its transaction, through the ``allow`` callback built here;
the route checks the role alone first so that a refused role never touches the database.

Rules:

- ``any``: every user of the role.
- ``own``: only for the user's own party's data (the resource's owner is the user's party).
- ``involved``: the user's party takes part (sender or recipient, inspecting or inspected).
- ``assigned``: inspectors named in the inspection.
- ``granted``: inspectors named in the inspection, while it is in progress.
- ``unaffiliated``: only users and tokens of no party (observers and operators).

Credentials follow the same table: the operator registers a party together with its first
user and token (the bootstrap, ``party.register``) and manages users of no party; from then
on only a party's own users add users and issue tokens for that party and its inspectors, so
the operator cannot mint a token that reads a party's items. Every such change is logged.

``docs/api.md`` reproduces ``markdown_table()``; a test keeps the two equal.
"""

from __future__ import annotations

from enum import StrEnum

from armsctl.service import AccessDenied, Actor, Allow, Resource

__all__ = ["ACTIONS", "ROLE_ORDER", "Rule", "allow_for", "decide", "markdown_table", "require"]


class Rule(StrEnum):
    """How far a role's permission for an action reaches; see the module docstring for each rule.

    ``ANY`` is decided from the role alone; every other rule needs the resource's facts, so the
    use-case checks it through ``allow_for`` once it has read the resource.
    """

    ANY = "any"
    OWN = "own"
    INVOLVED = "involved"
    ASSIGNED = "assigned"
    GRANTED = "granted"
    UNAFFILIATED = "unaffiliated"


ROLE_ORDER = ("party", "inspector", "observer", "operator")
_A = Rule.ANY
# The rule sets most actions share: every role; the operator alone; a party, for its own data.
_ALL = {"party": _A, "inspector": _A, "observer": _A, "operator": _A}
_OPERATOR = {"operator": _A}
_OWN = {"party": Rule.OWN}

#: action -> (what it is, {role: rule}); roles not listed are refused.
ACTIONS: dict[str, tuple[str, dict[str, Rule]]] = {
    "treaty.read": ("list treaties and their parties and keys", _ALL),
    "treaty.load": ("load a bundled treaty onto the server", _OPERATOR),
    "party.register": (
        "register a party and its public key, with its first user and token (bootstrap)",
        _OPERATOR,
    ),
    "user.read": (
        "list users and token ids (a party: its own users and inspectors)",
        {"party": Rule.OWN, "operator": _A},
    ),
    "user.add": ("add a user (logged)", {"party": Rule.OWN, "operator": Rule.UNAFFILIATED}),
    "token.issue": (
        "issue a token for a user (logged)",
        {"party": Rule.OWN, "operator": Rule.UNAFFILIATED},
    ),
    "token.revoke": ("revoke a token (logged)", {"party": Rule.OWN, "operator": _A}),
    "declaration.submit": ("submit an aggregate or committed item-level declaration", _OWN),
    "declaration.read": ("read declarations' public figures and commitments", _ALL),
    "declaration.items.read": ("read a declaration's items in clear (audited)", _OWN),
    "notification.submit": ("send a notification", _OWN),
    "notification.read": (
        "list notifications sent or received (audited)",
        {"party": Rule.INVOLVED},
    ),
    "notification.acknowledge": ("acknowledge a notification addressed to the party", _OWN),
    "inspection.request": ("request an inspection (uses a quota slot)", _OWN),
    "inspection.list": (
        "list inspections the user takes part in (audited)",
        {"party": _A, "inspector": _A},
    ),
    "inspection.read": (
        "read an inspection and its findings (audited)",
        {"party": Rule.INVOLVED, "inspector": Rule.ASSIGNED},
    ),
    "inspection.schedule": ("notify the arrival time (inspecting party)", _OWN),
    "inspection.start": ("receive the team (inspected party)", _OWN),
    "inspection.reveal": ("reveal the site's items with proofs (inspected party)", _OWN),
    "inspection.reveal.read": (
        "read revealed items and proofs (audited)",
        {"party": Rule.OWN, "inspector": Rule.GRANTED},
    ),
    "inspection.report": (
        "file findings (inspecting party or its inspectors)",
        {"party": Rule.OWN, "inspector": Rule.GRANTED},
    ),
    "quota.read": ("read quota use per party, type and year", _ALL),
    "observation.record": ("record an observation", {"party": _A, "inspector": _A, "observer": _A}),
    "observation.read": ("read observations", _ALL),
    "compliance.read": ("check compliance at a date", _ALL),
    "transparency.read": ("export the public transparency view", _ALL),
    "zk.publish": (
        "publish a zero-knowledge proof that the party's committed total is within a limit",
        _OWN,
    ),
    "zk.read": ("read published zero-knowledge proofs (they hold no count)", _ALL),
    "workbench.draft.save": (
        "save a workbench draft for the party (private to the party until shared)",
        _OWN,
    ),
    "workbench.draft.read": (
        "list and open workbench drafts: the party's own, shared with it, or public",
        _ALL,
    ),
    "workbench.draft.share": (
        "share a party's workbench draft with named parties or everyone, or unshare it",
        _OWN,
    ),
    "log.read": ("read the log head, checkpoints, entries and proofs", _ALL),
    "log.checkpoint": ("sign a checkpoint with the server's log key", _OPERATOR),
    "log.audit": ("recompute the log and check every checkpoint", _OPERATOR),
    "audit.read": ("read the audit trail", _OPERATOR),
}

_EXPLAIN = {
    Rule.OWN: "only its own party's data",
    Rule.INVOLVED: "only where its party takes part",
    Rule.ASSIGNED: "only inspections it was named in",
    Rule.GRANTED: "only inspections it was named in, while in progress",
    Rule.UNAFFILIATED: "only users of no party (a party's users are issued by the party)",
}


def _rule(actor: Actor, action: str) -> Rule:
    try:
        rules = ACTIONS[action][1]
    except KeyError:  # pragma: no cover - a programming error, caught by the matrix test
        raise AccessDenied(f"unknown action {action!r}", action=action) from None
    rule = rules.get(actor.role)
    if rule is None:
        allowed = ", ".join(r for r in ROLE_ORDER if r in rules)
        raise AccessDenied(
            f"the {actor.role} role may not {action} (allowed: {allowed})", action=action
        )
    return rule


def decide(actor: Actor, action: str, resource: Resource | None = None) -> str | None:
    """Return ``None`` if allowed, else the reason for the refusal."""
    try:
        require(actor, action, resource)
    except AccessDenied as exc:
        return exc.reason
    return None


def require(actor: Actor, action: str, resource: Resource | None = None) -> None:
    """Refuse with ``AccessDenied`` (a 403 with its reason) unless the table allows it.

    Without a resource only the role is checked; the use-case checks the rest.
    """
    rule = _rule(actor, action)
    if rule is Rule.ANY or resource is None:
        return
    ok = {
        Rule.OWN: resource.owner is not None and resource.owner == actor.party_id,
        Rule.INVOLVED: actor.party_id is not None and actor.party_id in resource.parties,
        Rule.ASSIGNED: actor.user_id in resource.inspectors,
        Rule.GRANTED: actor.user_id in resource.inspectors and resource.active,
        Rule.UNAFFILIATED: resource.owner is None,
    }[rule]
    if not ok:
        raise AccessDenied(
            f"{action} on {resource.ref}: the {actor.role} role may act on {_EXPLAIN[rule]}",
            action=action,
            resource=resource.ref,
        )


def allow_for(actor: Actor, action: str) -> Allow:
    """The callback a use-case calls with the resource's facts."""

    def allow(resource: Resource) -> None:
        require(actor, action, resource)

    return allow


def markdown_table() -> str:
    """The role x action table as Markdown (reproduced in docs/api.md)."""
    lines = [
        "| action | what | " + " | ".join(ROLE_ORDER) + " |",
        "|---|---|" + "---|" * len(ROLE_ORDER),
    ]
    for action, (what, rules) in ACTIONS.items():
        cells = [rules[r].value if r in rules else "-" for r in ROLE_ORDER]
        lines.append(f"| `{action}` | {what} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
