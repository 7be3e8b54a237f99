"""pandas views of batch decisions (``Engine.evaluate_many(..., as_dataframe=True)``)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

__all__ = ["decisions_frame"]

_DECISIONS = ["allowed", "explicitDeny", "implicitDeny"]


def decisions_frame(
    actions: Sequence[str],
    resources: Sequence[str],
    principals: Sequence[str | None],
    decisions: Sequence[str],
) -> Any:
    """A ``pandas.DataFrame`` with the columns action, resource, principal, decision.

    Raises ``ImportError`` with a hint when pandas is not installed.
    """
    try:
        pd = importlib.import_module("pandas")
    except ImportError as e:
        raise ImportError("as_dataframe=True needs pandas: pip install pandas") from e
    return pd.DataFrame(
        {
            "action": list(actions),
            "resource": list(resources),
            "principal": list(principals),
            "decision": pd.Categorical(list(decisions), categories=_DECISIONS),
        }
    )
