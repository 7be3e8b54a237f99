"""Issue #10 part 4: a client made with an access key keeps the secret inside the native
object only — not in ``vars()``, ``repr``, attributes or pickles."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from botocore.exceptions import ClientError

import iamkit

ACCT = "111122223333"


def _strings(obj: Any, depth: int = 0, seen: set[int] | None = None) -> list[str]:
    """Every str reachable from ``obj`` through attributes, dicts and sequences (and reprs)."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 4:
        return []
    seen.add(id(obj))
    out = [repr(obj)]
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _strings(k, depth + 1, seen) + _strings(v, depth + 1, seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for v in obj:
            out += _strings(v, depth + 1, seen)
    elif not isinstance(obj, (int, float, bool, type(None), iamkit.Account)):
        for name in dir(obj):
            if name.startswith("__"):
                continue
            try:
                value = getattr(obj, name)
            except Exception:
                continue
            if not callable(value):
                out += _strings(value, depth + 1, seen)
        if hasattr(obj, "__dict__"):
            out += _strings(vars(obj), depth + 1, seen)
    return out


@pytest.fixture
def keyed() -> tuple[iamkit.Account, str, str]:
    acct = iamkit.Account(ACCT)
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    return acct, key["AccessKeyId"], key["SecretAccessKey"]


def test_secret_is_not_in_vars_repr_or_attributes(keyed: tuple[iamkit.Account, str, str]) -> None:
    acct, key_id, secret = keyed
    sts = acct.client("sts", aws_access_key_id=key_id, aws_secret_access_key=secret)
    # The secret still authenticates: a wrong one is refused, the right one works.
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCT}:user/alice"
    with pytest.raises(ClientError):
        acct.client("sts", aws_access_key_id=key_id, aws_secret_access_key="x" * 40).get_caller_identity()
    texts = [repr(sts), str(sts), repr(vars(sts)), *_strings(sts)]
    assert any(key_id in t for t in texts)  # the key id is not a secret
    for t in texts:
        assert secret not in t
    creds = vars(sts)["_credentials"]
    assert repr(creds) == f"ClientCredentials(aws_access_key_id={key_id!r}, aws_secret_access_key=<redacted>)"
    assert not hasattr(creds, "secret_access_key")
    assert not hasattr(creds, "__dict__")


def test_pickling_a_client_with_credentials_refuses(keyed: tuple[iamkit.Account, str, str]) -> None:
    acct, key_id, secret = keyed
    sts = acct.client("sts", aws_access_key_id=key_id, aws_secret_access_key=secret)
    with pytest.raises(TypeError, match=r"cannot be pickled: its secret stays in memory only"):
        pickle.dumps(sts)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(vars(sts)["_credentials"])
    with pytest.raises(TypeError, match="cannot be pickled"):
        copy.deepcopy(sts)
    # Without credentials a client pickles, with a copy of its account.
    iam = acct.client("iam")
    back = pickle.loads(pickle.dumps(iam))
    assert back.service == "iam"
    assert [u["UserName"] for u in back.list_users()["Users"]] == ["alice"]
    for text in (pickle.dumps(iam).decode("latin-1"), pickle.dumps(acct).decode("latin-1")):
        assert secret not in text
