"""Statement-by-statement differences of two policies (``diff_policies(...)["statements"]`` and
``iamkit diff``): resources widened or narrowed (one bucket → ``*``), actions added or removed,
conditions dropped, added or changed, effect and principal changes, statements added or removed.

Statements are paired by ``Sid`` when both policies have it once, then by identical content,
then in document order. A resource pattern of B is *widened* when no pattern of A covers it
(glob match of A's pattern over B's pattern text: ``arn:aws:s3:::b/*`` covers
``arn:aws:s3:::b/x*`` but not ``arn:aws:s3:::*``); ``NotResource`` is compared the other way
round (a pattern removed from ``NotResource`` widens).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from typing import Any

from iamkit import _native


def _covers(pattern: str, value: str) -> bool:
    """IAM wildcard match (``*``, ``?``; case-sensitive, as resource ARNs are) of ``pattern``
    over ``value`` taken literally: a pattern covers another pattern it matches as text."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.S) is not None


def _covers_ci(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower().replace("[", "[[]"))


def _uncovered(new: Sequence[str], old: Sequence[str], ci: bool = False) -> list[str]:
    cover = _covers_ci if ci else _covers
    return [n for n in new if not any(cover(o, n) for o in old)]


def _conditions(st: _native.Statement) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for op, block in (st.condition or {}).items():
        if not isinstance(block, dict):
            continue
        for key, values in block.items():
            vals = values if isinstance(values, list) else [values]
            out[(op, key.lower())] = sorted(str(v) for v in vals)
    return out


def _key_names(st: _native.Statement) -> dict[tuple[str, str], str]:
    return {
        (op, key.lower()): key
        for op, block in (st.condition or {}).items()
        if isinstance(block, dict)
        for key in block
    }


def _pair(a: list[_native.Statement], b: list[_native.Statement]) -> list[tuple[int | None, int | None]]:
    pairs: list[tuple[int | None, int | None]] = []
    left = list(range(len(a)))
    right = list(range(len(b)))

    def once(items: list[_native.Statement], sid: str | None) -> bool:
        return sid is not None and sum(1 for s in items if s.sid == sid) == 1

    for i in list(left):
        sid = a[i].sid
        if not once(a, sid):
            continue
        j = next((j for j in right if b[j].sid == sid), None)
        if j is not None and once(b, sid):
            pairs.append((i, j))
            left.remove(i)
            right.remove(j)
    for i in list(left):
        j = next((j for j in right if b[j].to_dict() == a[i].to_dict()), None)
        if j is not None:
            pairs.append((i, j))
            left.remove(i)
            right.remove(j)
    while left and right:
        pairs.append((left.pop(0), right.pop(0)))
    pairs.extend((i, None) for i in left)
    pairs.extend((None, j) for j in right)
    return sorted(pairs, key=lambda p: (p[1] if p[1] is not None else 1 << 30, p[0] or 0))


def _compare(x: _native.Statement, y: _native.Statement) -> dict[str, Any]:
    ch: dict[str, Any] = {}
    if x.effect != y.effect:
        ch["effect_changed"] = [x.effect, y.effect]
    if x.not_action != y.not_action:
        ch["action_element"] = [
            "NotAction" if x.not_action else "Action",
            "NotAction" if y.not_action else "Action",
        ]
    else:
        added = _uncovered(y.actions, x.actions, ci=True)
        removed = _uncovered(x.actions, y.actions, ci=True)
        # NotAction: an entry removed from the exclusions grants more.
        if x.not_action:
            added, removed = removed, added
        if added:
            ch["actions_widened"] = added
        if removed:
            ch["actions_narrowed"] = removed
    xr, yr = x.resources or [], y.resources or []
    if x.not_resource != y.not_resource or (x.resources is None) != (y.resources is None):
        ch["resource_element"] = [
            "NotResource" if x.not_resource else "Resource",
            "NotResource" if y.not_resource else "Resource",
        ]
    else:
        wider = _uncovered(yr, xr)
        narrower = _uncovered(xr, yr)
        if x.not_resource:
            wider, narrower = narrower, wider
        if wider:
            ch["resources_widened"] = wider
        if narrower:
            ch["resources_narrowed"] = narrower
    if x.principal != y.principal or x.not_principal != y.not_principal:
        ch["principal"] = [x.principal, y.principal]
    cx, cy = _conditions(x), _conditions(y)
    names = {**_key_names(x), **_key_names(y)}
    dropped = [
        {"operator": op, "key": names[(op, k)], "values": cx[(op, k)]} for op, k in cx if (op, k) not in cy
    ]
    added_c = [
        {"operator": op, "key": names[(op, k)], "values": cy[(op, k)]} for op, k in cy if (op, k) not in cx
    ]
    changed = [
        {"operator": op, "key": names[(op, k)], "a": cx[(op, k)], "b": cy[(op, k)]}
        for op, k in cx
        if (op, k) in cy and cx[(op, k)] != cy[(op, k)]
    ]
    if dropped:
        ch["conditions_dropped"] = dropped
    if added_c:
        ch["conditions_added"] = added_c
    if changed:
        ch["conditions_changed"] = changed
    return ch


#: The change kinds that can only grant more (for an ``Allow`` statement).
WIDENING = ("actions_widened", "resources_widened", "conditions_dropped")


def statement_changes(a_text: str, b_text: str) -> list[dict[str, Any]]:
    """The statement-level changes from policy A to policy B (JSON texts)."""
    a = _native.Policy.from_json(a_text).statements
    b = _native.Policy.from_json(b_text).statements
    out: list[dict[str, Any]] = []
    for i, j in _pair(a, b):
        if i is None and j is not None:
            out.append(
                {"change": "added", "a_index": None, "b_index": j, "sid": b[j].sid, "effect": b[j].effect}
            )
        elif j is None and i is not None:
            out.append(
                {"change": "removed", "a_index": i, "b_index": None, "sid": a[i].sid, "effect": a[i].effect}
            )
        elif i is not None and j is not None:
            ch = _compare(a[i], b[j])
            if ch:
                widens = a[i].effect == b[j].effect == "Allow" and any(k in ch for k in WIDENING)
                out.append(
                    {
                        "change": "changed",
                        "a_index": i,
                        "b_index": j,
                        "sid": b[j].sid or a[i].sid,
                        "effect": b[j].effect,
                        "widens": widens,
                        **ch,
                    }
                )
    return out


def widens(changes: Sequence[dict[str, Any]]) -> bool:
    """Whether B can grant something A does not, judging by the statements: an ``Allow`` added,
    or an ``Allow`` statement widened (actions, resources) or left without a condition; a
    ``Deny`` removed or narrowed."""
    for c in changes:
        if c["change"] == "added" and c["effect"] == "Allow":
            return True
        if c["change"] == "removed" and c["effect"] == "Deny":
            return True
        if c["change"] == "changed":
            if c.get("widens") or "effect_changed" in c or "action_element" in c or "resource_element" in c:
                return True
            if c["effect"] == "Deny" and any(
                k in c for k in ("actions_narrowed", "resources_narrowed", "conditions_added")
            ):
                return True
            if "principal" in c or "conditions_changed" in c:
                return True
    return False
