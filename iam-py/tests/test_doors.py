"""Every door that takes an action or a document, handed the wrong thing: unknown actions are
reported with the closest real names (never an empty or "allowed" answer), and documents of
another kind (a policy where a snapshot is wanted, a snapshot or an `aws iam get-*` response
where a policy is wanted, empty text, non-JSON) get an error naming what they are."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import iamkit

ACCT = "111122223333"
ALICE = f"arn:aws:iam::{ACCT}:user/alice"
BOB = f"arn:aws:iam::{ACCT}:user/bob"
ALICE_ROLE = f"arn:aws:iam::{ACCT}:role/alice"

POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "s3:GetObject"], "Resource": "*"}],
}
TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iamkit", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def account() -> iamkit.Account:
    a = iamkit.Account(ACCT)
    iam = a.client("iam")
    for name in ("alice", "bob"):
        iam.create_user(UserName=name)
    iam.put_user_policy(UserName="bob", PolicyName="ops", PolicyDocument=POLICY)
    iam.create_role(RoleName="builder", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="builder", PolicyName="ops", PolicyDocument=POLICY)
    return a


@pytest.fixture(scope="module")
def twins() -> iamkit.Account:
    """A user and a role both named alice."""
    a = iamkit.Account(ACCT)
    iam = a.client("iam")
    iam.create_user(UserName="alice")
    iam.create_role(RoleName="alice", AssumeRolePolicyDocument=TRUST)
    return a


# Documents of every kind a door may be handed.
SNAPSHOT = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
GET_POLICY_VERSION = {"PolicyVersion": {"Document": POLICY, "VersionId": "v1", "IsDefaultVersion": True}}
GET_ROLE_POLICY = {"RoleName": "builder", "PolicyName": "ops", "PolicyDocument": POLICY}
GET_ROLE = {
    "Role": {
        "RoleName": "builder",
        "Arn": f"arn:aws:iam::{ACCT}:role/builder",
        "AssumeRolePolicyDocument": TRUST,
    }
}
DESCRIBE_POLICY = {"Policy": {"PolicySummary": {"Name": "scp"}, "Content": json.dumps(POLICY)}}


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ---- unknown actions: the catalog door ---------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "kind", "first"),
    [
        ("s3:GetObjekt", "unknown_name", "s3:GetObject"),
        ("iam:PasRole", "unknown_name", "iam:PassRole"),
        ("s4:GetObject", "unknown_service", "s3:GetObject"),
        ("s3:*Objekt", "no_match", None),
        ("GetObject", "not_an_action", None),
    ],
)
def test_expand_actions_raises_with_suggestions(action: str, kind: str, first: str | None) -> None:
    with pytest.raises(iamkit.UnknownActionError) as e:
        iamkit.expand_actions(action)
    assert isinstance(e.value, ValueError)
    assert e.value.action == action
    assert e.value.kind == kind
    if first is not None:
        assert e.value.suggestions[0] == first
        assert f"did you mean {first}" in str(e.value)


def test_unknown_service_is_reported_as_such_not_as_a_typo() -> None:
    with pytest.raises(iamkit.UnknownActionError) as e:
        iamkit.check_action("brandnewservice:DoThing")
    assert e.value.kind == "unknown_service"
    assert e.value.suggestions == []
    assert "no service prefix 'brandnewservice'" in str(e.value)
    assert "newer than the catalog" in str(e.value)


def test_check_action_accepts_real_names_and_patterns() -> None:
    for a in ("s3:GetObject", "S3:getobject", "s3:Get*", "*", "*:*Tag*", "iam:PassRol?"):
        assert iamkit.check_action(a) is None


def test_unknown_action_error_pickles() -> None:
    with pytest.raises(iamkit.UnknownActionError) as e:
        iamkit.expand_actions("s3:GetObjekt")
    back = pickle.loads(pickle.dumps(e.value))
    assert (back.action, back.kind, back.suggestions, str(back)) == (
        e.value.action,
        e.value.kind,
        e.value.suggestions,
        str(e.value),
    )


# ---- unknown actions: evaluate still decides, with a warning -----------------------------------


def test_evaluate_warns_on_unknown_action_and_still_decides() -> None:
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    r = iamkit.evaluate(action="s3:GetObjekt", principal=ALICE, identity_policies=[wide])
    assert r.decision == "allowed"  # s3:* matches any s3 name, as in AWS
    assert len(r.warnings) == 1
    assert "unknown action 's3:GetObjekt'" in r.warnings[0]
    assert "did you mean s3:GetObject" in r.warnings[0]
    assert "warning: unknown action 's3:GetObjekt'" in r.explain()
    assert r.to_dict()["warnings"] == r.warnings
    assert "s3:GetObjekt" in r._repr_html_() and "iamkit-warning" in r._repr_html_()


def test_evaluate_known_action_has_no_warning() -> None:
    r = iamkit.evaluate(action="s3:GetObject", principal=ALICE, identity_policies=[POLICY])
    assert r.warnings == []
    assert "warning" not in r.explain()
    assert r.to_dict()["warnings"] == []


def test_engine_and_authorize_warn(account: iamkit.Account) -> None:
    r = iamkit.Engine(identity_policies=[POLICY]).evaluate(action="iam:PasRole", principal=ALICE)
    assert r.decision == "implicitDeny"
    assert "did you mean iam:PassRole" in r.warnings[0]
    r2 = account.authorize(principal=BOB, action="iam:PasRole")
    assert r2.decision == "implicitDeny"
    assert "did you mean iam:PassRole" in r2.warnings[0]
    assert "did you mean iam:PassRole" in r2.explain()
    # The warning survives pickling (it is derived from the action).
    assert pickle.loads(pickle.dumps(r)).warnings == r.warnings


# ---- unknown actions: the analyses raise -------------------------------------------------------


def test_who_can_raises_on_unknown_action(account: iamkit.Account) -> None:
    assert sorted(account.who_can("iam:PassRole")) == [f"arn:aws:iam::{ACCT}:role/builder", BOB]
    with pytest.raises(iamkit.UnknownActionError, match="did you mean iam:PassRole"):
        account.who_can("iam:PasRole")
    with pytest.raises(iamkit.UnknownActionError) as e:
        account.who_can("s3:*Objekt")
    assert e.value.kind == "no_match"


def test_access_matrix_raises_on_unknown_pattern(account: iamkit.Account) -> None:
    with pytest.raises(iamkit.UnknownActionError) as e:
        account.access_matrix(["iam:PassRole", "iam:PasRole"])
    assert e.value.action == "iam:PasRole"
    m = account.access_matrix(["iam:PassRole"])
    assert m.cell(BOB, "iam:PassRole") == "allowed"
    with pytest.raises(iamkit.UnknownActionError, match="did you mean iam:PassRole"):
        m.cell(BOB, "iam:PasRole")
    with pytest.raises(ValueError, match="not a column"):
        m.cell(BOB, "s3:GetObject")
    assert m.cell("bob", "iam:PassRole") == "allowed"  # a bare name, as what_can takes it
    with pytest.raises(ValueError, match="not a row"):
        m.row("nobody")


def test_diff_policies_raises_on_unknown_action_in_either_policy() -> None:
    typo = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:GetObjekt", "Resource": "*"}],
    }
    with pytest.raises(iamkit.UnknownActionError, match="s3:GetObjekt"):
        iamkit.diff_policies(POLICY, typo)
    with pytest.raises(iamkit.UnknownActionError):
        iamkit.diff_policies(typo, POLICY)


# ---- principals: one resolution in Python and the CLI -------------------------------------------


def test_what_can_takes_a_bare_name(account: iamkit.Account) -> None:
    by_name = account.what_can("bob")
    assert by_name == account.what_can(BOB)
    assert "iam:PassRole" in by_name["iam"]
    assert account.resolve_principal("builder") == f"arn:aws:iam::{ACCT}:role/builder"
    assert account.resolve_principal("BOB") == BOB  # IAM names are unique ignoring case


def test_what_can_unknown_name_is_a_plain_error_not_an_aws_operation(account: iamkit.Account) -> None:
    with pytest.raises(ValueError, match=f"no user or role named 'nobody' in account {ACCT}") as e:
        account.what_can("nobody")
    assert "operation" not in str(e.value)
    with pytest.raises(ValueError) as e2:
        account.what_can(f"arn:aws:iam::{ACCT}:user/nobody")
    assert "operation" not in str(e2.value)
    assert "nobody" in str(e2.value)


def test_ambiguous_name_lists_both_arns(twins: iamkit.Account) -> None:
    with pytest.raises(ValueError, match="ambiguous") as e:
        twins.what_can("alice")
    assert ALICE in str(e.value) and ALICE_ROLE in str(e.value)
    assert twins.what_can(ALICE_ROLE) == {}


# ---- documents: Account.from_authorization_details ---------------------------------------------

WRONG_FOR_SNAPSHOT = [
    (POLICY, "policy", "got a policy document"),
    (GET_POLICY_VERSION, "get-policy-version", "get-policy-version` response"),
    (GET_ROLE_POLICY, "get-role-policy", "get-role-policy` response"),
    ({}, "empty-object", "got an empty JSON object"),
    ({"Foo": 1}, "object", "a JSON object with keys Foo"),
]


@pytest.mark.parametrize(("doc", "kind", "says"), WRONG_FOR_SNAPSHOT)
def test_from_authorization_details_dict_of_wrong_kind(doc: dict[str, Any], kind: str, says: str) -> None:
    with pytest.raises(iamkit.WrongDocumentError) as e:
        iamkit.Account.from_authorization_details(doc)
    assert (e.value.got, e.value.wanted) == (kind, "snapshot")
    assert says in str(e.value)
    assert "wanted a get-account-authorization-details snapshot" in str(e.value)


@pytest.mark.parametrize(
    ("text", "kind", "says"),
    [
        (json.dumps(POLICY), "policy", "got a policy document"),
        (json.dumps(GET_POLICY_VERSION), "get-policy-version", "get-policy-version"),
        ("", "empty", "an empty document"),
        ("  \n", "empty", "only whitespace"),
        ("not json at all", "not-json", "not JSON"),
        ("[1, 2]", "array", "a JSON array"),
    ],
)
def test_from_authorization_details_path_of_wrong_kind(
    tmp_path: Path, text: str, kind: str, says: str
) -> None:
    p = write(tmp_path, "doc.json", text)
    for source in (str(p), p):  # str path and os.PathLike
        with pytest.raises(iamkit.WrongDocumentError) as e:
            iamkit.Account.from_authorization_details(source)
        assert e.value.got == kind
        assert says in str(e.value)
        assert str(p) in str(e.value)


def test_from_authorization_details_json_text_is_not_a_path() -> None:
    with pytest.raises(iamkit.WrongDocumentError, match="JSON text where a path"):
        iamkit.Account.from_authorization_details(json.dumps(SNAPSHOT))
    with pytest.raises(TypeError):
        iamkit.Account.from_authorization_details([])  # type: ignore[arg-type]


def test_from_authorization_details_empty_snapshot_is_an_empty_account(tmp_path: Path) -> None:
    p = write(tmp_path, "gaad.json", json.dumps(SNAPSHOT))
    for source in (SNAPSHOT, str(p), p):
        assert iamkit.Account.from_authorization_details(source).counts()["users"] == 0  # type: ignore[arg-type]


# ---- documents: policies (Policy.from_json, evaluate, diff_policies) ----------------------------

WRONG_FOR_POLICY = [
    (SNAPSHOT, "get-account-authorization-details snapshot", "Account.from_authorization_details"),
    (GET_POLICY_VERSION, "get-policy-version` response", "PolicyVersion.Document"),
    (GET_ROLE_POLICY, "get-role-policy` response", "its policy is at PolicyDocument"),
    (GET_ROLE, "get-role` response", "Role.AssumeRolePolicyDocument"),
    (DESCRIBE_POLICY, "organizations describe-policy` response", "Policy.Content"),
]


@pytest.mark.parametrize(("doc", "what", "hint"), WRONG_FOR_POLICY)
def test_policy_from_json_names_the_wrong_kind(doc: dict[str, Any], what: str, hint: str) -> None:
    for arg in (doc, json.dumps(doc), json.dumps(doc).encode()):
        with pytest.raises(iamkit.PolicyParseError) as e:
            iamkit.Policy.from_json(arg)
        assert what in e.value.message and hint in e.value.message
    # evaluate's policy arguments go through the same door: never a silent implicitDeny.
    with pytest.raises(iamkit.PolicyParseError, match="wanted a policy document"):
        iamkit.evaluate(action="s3:GetObject", principal=ALICE, identity_policies=[doc])


@pytest.mark.parametrize(("doc", "what", "hint"), WRONG_FOR_POLICY)
def test_diff_policies_names_the_wrong_kind(
    tmp_path: Path, doc: dict[str, Any], what: str, hint: str
) -> None:
    p = write(tmp_path, "b.json", json.dumps(doc))
    for arg in (doc, json.dumps(doc), json.dumps(doc).encode(), p):
        with pytest.raises(iamkit.WrongDocumentError) as e:
            iamkit.diff_policies(POLICY, arg)
        assert e.value.wanted == "policy"
        assert str(e.value).startswith("policy b")
        assert what in str(e.value) and hint in str(e.value)


def test_diff_policies_str_path_is_not_text(tmp_path: Path) -> None:
    p = write(tmp_path, "a.json", json.dumps(POLICY))
    with pytest.raises(iamkit.WrongDocumentError, match=r"policy a: got the path of a file as text"):
        iamkit.diff_policies(str(p), POLICY)


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ({"Foo": 1}, "got a JSON object with keys Foo"),
        ({}, "got an empty JSON object"),
        ({"Version": "2012-10-17"}, "got a policy document without a Statement"),
        ([POLICY], "got a JSON array"),
    ],
)
def test_diff_policies_refuses_objects_that_are_not_policies(doc: Any, says: str) -> None:
    # Compared as policies, these would allow nothing and the diff would list every action.
    if isinstance(doc, dict):
        with pytest.raises(iamkit.WrongDocumentError, match=says):
            iamkit.diff_policies(doc, POLICY)
    with pytest.raises(iamkit.WrongDocumentError, match=says):
        iamkit.diff_policies(POLICY, json.dumps(doc))


def test_diff_policies_empty_and_non_json() -> None:
    with pytest.raises(iamkit.WrongDocumentError, match="policy a: got an empty document"):
        iamkit.diff_policies("", POLICY)
    with pytest.raises(ValueError, match="policy b"):
        iamkit.diff_policies(POLICY, "not json")


def test_diff_policies_accepts_every_policy_kind_and_paths(tmp_path: Path) -> None:
    other = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    p = write(tmp_path, "a.json", json.dumps(POLICY))
    want = iamkit.diff_policies(POLICY, other)
    assert want["only_a"] == ["iam:PassRole"]
    for a in (json.dumps(POLICY), json.dumps(POLICY).encode(), iamkit.Policy.from_json(POLICY), p):
        assert iamkit.diff_policies(a, other) == want


# ---- the command line: exit 2 with the reason ---------------------------------------------------


@pytest.fixture(scope="module")
def snapshot_file(account: iamkit.Account, tmp_path_factory: pytest.TempPathFactory) -> str:
    p = tmp_path_factory.mktemp("doors") / "gaad.json"
    p.write_text(json.dumps(account.to_authorization_details()))
    return str(p)


def test_cli_who_can_unknown_action_exit_2(snapshot_file: str) -> None:
    p = run("who-can", "iam:PasRole", "--account-file", snapshot_file)
    assert p.returncode == 2
    assert p.stdout == ""
    assert "error: unknown action 'iam:PasRole' — did you mean iam:PassRole?" in p.stderr
    ok = run("who-can", "iam:PassRole", "--account-file", snapshot_file)
    assert ok.returncode == 0 and BOB in ok.stdout


def test_cli_who_can_pattern_matching_nothing_exit_2(snapshot_file: str) -> None:
    p = run("who-can", "s3:*Objekt", "--account-file", snapshot_file)
    assert p.returncode == 2
    assert "matches no action of the catalog" in p.stderr


def test_cli_simulate_unknown_action_exit_2(tmp_path: Path) -> None:
    pol = write(tmp_path, "p.json", json.dumps(POLICY))
    p = run("simulate", str(pol), "-a", "s3:GetObjekt", "-p", ALICE)
    assert p.returncode == 2
    assert "unknown action 's3:GetObjekt' — did you mean s3:GetObject?" in p.stderr
    # An escape hatch for services newer than the catalog: decide, and warn on stderr.
    p = run("simulate", str(pol), "-a", "brandnewservice:DoThing", "-p", ALICE, "--allow-unknown-actions")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("implicitDeny")
    assert "warning: unknown action 'brandnewservice:DoThing'" in p.stderr


def test_cli_simulate_snapshot_as_policy_exit_2(tmp_path: Path) -> None:
    snap = write(tmp_path, "gaad.json", json.dumps(SNAPSHOT))
    p = run("simulate", str(snap), "-a", "s3:GetObject", "-p", ALICE)
    assert p.returncode == 2
    assert "get-account-authorization-details snapshot" in p.stderr


def test_cli_what_can_by_name_and_unknown_service(snapshot_file: str) -> None:
    p = run("what-can", "bob", "--account-file", snapshot_file, "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["principal"] == BOB
    p = run("what-can", "bob", "--account-file", snapshot_file, "--service", "iamm")
    assert p.returncode == 2
    assert "unknown service prefix 'iamm'" in p.stderr and "did you mean iam?" in p.stderr


@pytest.mark.parametrize("command", ["what-can", "who-can", "diff"])
@pytest.mark.parametrize(
    ("text", "says"),
    [
        (json.dumps(POLICY), "got a policy document"),
        (json.dumps(GET_POLICY_VERSION), "get-policy-version` response"),
        ("", "got an empty document"),
        ("{oops", "not JSON"),
    ],
)
def test_cli_account_file_of_wrong_kind_exit_2(tmp_path: Path, command: str, text: str, says: str) -> None:
    f = write(tmp_path, "doc.json", text)
    args = {
        "what-can": ["what-can", "bob"],
        "who-can": ["who-can", "iam:PassRole"],
        "diff": ["diff", "v1", "v2", "--policy", "p"],
    }[command]
    p = run(*args, "--account-file", str(f))
    assert p.returncode == 2, p.stdout
    assert p.stdout == ""
    assert str(f) in p.stderr and says in p.stderr
    assert "wanted a get-account-authorization-details snapshot" in p.stderr


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        (SNAPSHOT, "get-account-authorization-details snapshot"),
        (GET_ROLE_POLICY, "its policy is at PolicyDocument"),
    ],
)
def test_cli_diff_policy_file_of_wrong_kind_exit_2(tmp_path: Path, doc: dict[str, Any], says: str) -> None:
    a = write(tmp_path, "a.json", json.dumps(POLICY))
    b = write(tmp_path, "b.json", json.dumps(doc))
    p = run("diff", str(a), str(b))
    assert p.returncode == 2
    assert str(b) in p.stderr and says in p.stderr
    empty = write(tmp_path, "empty.json", "")
    p = run("diff", str(a), str(empty))
    assert p.returncode == 2 and "got an empty document" in p.stderr


def test_cli_diff_unknown_action_exit_2(tmp_path: Path) -> None:
    typo = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:PasRole", "Resource": "*"}],
    }
    a = write(tmp_path, "a.json", json.dumps(POLICY))
    b = write(tmp_path, "b.json", json.dumps(typo))
    p = run("diff", str(a), str(b))
    assert p.returncode == 2
    assert "did you mean iam:PassRole?" in p.stderr


# ---- paths: os.PathLike wherever a document is accepted; a str stays text -----------------------


def test_pathlike_policy_arguments(tmp_path: Path) -> None:
    p = write(tmp_path, "p.json", json.dumps(POLICY))
    assert iamkit.Policy.from_json(p) == iamkit.Policy.from_json(POLICY)
    r = iamkit.evaluate(action="iam:PassRole", principal=ALICE, identity_policies=p)
    assert r.decision == "allowed"
    e = iamkit.Engine(identity_policies=[p])
    assert e.evaluate(action="s3:GetObject", principal=ALICE).allowed
    with pytest.raises(FileNotFoundError, match=r"missing\.json"):
        iamkit.Policy.from_json(tmp_path / "missing.json")


def test_str_path_given_as_policy_text_says_so(tmp_path: Path) -> None:
    p = write(tmp_path, "p.json", json.dumps(POLICY))
    with pytest.raises(iamkit.PolicyParseError, match=r"pass pathlib\.Path"):
        iamkit.Policy.from_json(str(p))


def test_snapshot_file_given_as_policy_path(tmp_path: Path) -> None:
    p = write(tmp_path, "gaad.json", json.dumps(SNAPSHOT))
    with pytest.raises(iamkit.PolicyParseError, match="get-account-authorization-details snapshot"):
        iamkit.evaluate(action="s3:GetObject", principal=ALICE, identity_policies=[p])


def test_simulators_keep_aws_answer_but_warn_on_unknown_actions() -> None:
    """The boto3-shaped simulators keep AWS's decision and response shape for a misspelt action
    (implicitDeny) but never answer silently: an UnknownActionWarning names the closest action."""
    import json
    import warnings

    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = iamkit.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObjekt"])
    assert out["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    assert [w.category for w in caught] == [iamkit.UnknownActionWarning]
    assert "did you mean s3:GetObject" in str(caught[0].message)

    acct = iamkit.Account("111122223333")
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=policy)
    arn = "arn:aws:iam::111122223333:user/alice"
    for simulate in (acct.simulate_principal_policy, iam.simulate_principal_policy):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = simulate(PolicySourceArn=arn, ActionNames=["s3:GetObjekt", "s3:GetObject"])
        assert [r["EvalDecision"] for r in res["EvaluationResults"]] == ["implicitDeny", "allowed"]
        assert [w.category for w in caught] == [iamkit.UnknownActionWarning], simulate
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a known action warns about nothing
        iamkit.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObject"])
