"""iamkit.Organization: the layout (load, errors naming the JSON path, round trip), the builder,
cross-account decisions and analyses (spec §5.6, §5.8, §5.10), executors, pickling, from_boto3."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import iamkit

M, A, B, C = "999999999999", "111111111111", "222222222222", "333333333333"
ROOT = "r-ab12"
WORK, DATA = "ou-ab12-11111111", "ou-ab12-22222222"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def arn(account: str, kind: str, name: str) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def trust(aws: str) -> str:
    return json.dumps(doc({"Effect": "Allow", "Principal": {"AWS": aws}, "Action": "sts:AssumeRole"}))


def allow(action: str, resource: str) -> str:
    return json.dumps(doc({"Sid": "Hop", "Effect": "Allow", "Action": action, "Resource": resource}))


def accounts() -> dict[str, iamkit.Account]:
    """A:user/u may assume B:role/rb (which trusts A's root) → C:role/rc (trusts rb by ARN).
    A:user/v has nothing; A:user/admin is an administrator."""
    m = iamkit.Account(M)
    m.client("iam").create_user(UserName="m")
    a = iamkit.Account(A)
    iam = a.client("iam")
    for u in ("u", "v", "admin"):
        iam.create_user(UserName=u)
    iam.put_user_policy(
        UserName="u", PolicyName="hop", PolicyDocument=allow("sts:AssumeRole", arn(B, "role", "rb"))
    )
    iam.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    b = iamkit.Account(B)
    iam = b.client("iam")
    iam.create_role(RoleName="rb", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{A}:root"))
    iam.put_role_policy(RoleName="rb", PolicyName="hop", PolicyDocument=allow("sts:AssumeRole", "*"))
    c = iamkit.Account(C)
    c.client("iam").create_role(RoleName="rc", AssumeRolePolicyDocument=trust(arn(B, "role", "rb")))
    return {M: m, A: a, B: b, C: c}


def layout() -> dict[str, Any]:
    accts = accounts()
    parents = {M: ROOT, A: WORK, B: WORK, C: DATA}
    return {
        "Organization": {"Id": "o-a1b2c3d4e5", "RootId": ROOT, "ManagementAccountId": M},
        "OrganizationalUnits": [
            {"Id": WORK, "Name": "Work", "ParentId": ROOT},
            {"Id": DATA, "Name": "Data", "ParentId": ROOT},
        ],
        "Accounts": [
            {"Id": i, "ParentId": parents[i], "AuthorizationDetails": a.to_authorization_details()}
            for i, a in accts.items()
        ],
        "Policies": [],
    }


@pytest.fixture()
def org() -> iamkit.Organization:
    return iamkit.Organization.from_dict(layout())


DENY_ASSUME = doc({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"})


# ---- layout ------------------------------------------------------------------------------


def test_layout_loads_and_round_trips(org: iamkit.Organization) -> None:
    assert org.id == "o-a1b2c3d4e5" and org.root_id == ROOT and org.management_account_id == M
    assert org.accounts == [A, B, C, M]
    assert org.path_of(C) == [ROOT, DATA, C]
    assert org.organizational_units == [
        {"Id": WORK, "Name": "Work", "ParentId": ROOT},
        {"Id": DATA, "Name": "Data", "ParentId": ROOT},
    ]
    d = org.to_dict()
    again = iamkit.Organization.from_dict(d)
    assert again.to_dict() == d
    assert {a["Id"]: a["ParentId"] for a in d["Accounts"]} == {M: ROOT, A: WORK, B: WORK, C: DATA}
    assert org.counts() == {
        "accounts": 4,
        "organizational_units": 2,
        "scps": 1,
        "rcps": 1,
        "users": 4,
        "roles": 2,
    }


def test_layout_file_with_account_files(tmp_path: Path) -> None:
    d = layout()
    (tmp_path / "accounts").mkdir()
    for a in d["Accounts"]:
        (tmp_path / "accounts" / f"{a['Id']}.json").write_text(json.dumps(a.pop("AuthorizationDetails")))
        a["AuthorizationDetailsFile"] = f"accounts/{a['Id']}.json"
    path = tmp_path / "org.json"
    path.write_text(json.dumps(d))
    org = iamkit.Organization.from_file(path)
    assert arn(B, "role", "rb") in org.principals()
    # Relative files need the layout's own directory: from_dict without base_dir refuses.
    with pytest.raises(iamkit.OrganizationLayoutError) as e:
        iamkit.Organization.from_dict(d)
    assert e.value.path == "Accounts[0].AuthorizationDetailsFile"
    assert iamkit.Organization.from_dict(d, base_dir=tmp_path).accounts == org.accounts
    d["Accounts"][1]["AuthorizationDetailsFile"] = "accounts/missing.json"
    with pytest.raises(iamkit.OrganizationLayoutError) as e:
        iamkit.Organization.from_dict(d, base_dir=tmp_path)
    assert e.value.path == "Accounts[1].AuthorizationDetailsFile"
    assert "cannot read" in e.value.message


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (
            lambda d: d["Policies"].append(
                {
                    "Id": "p-nothing1",
                    "Name": "x",
                    "Type": "SERVICE_CONTROL_POLICY",
                    "Content": DENY_ASSUME,
                    "Targets": [WORK, "444444444444"],
                }
            ),
            "Policies[0].Targets[1]",
            "unknown target 444444444444",
        ),
        (
            lambda d: (
                d["OrganizationalUnits"][0].update(ParentId=DATA)
                or d["OrganizationalUnits"][1].update(ParentId=WORK)
            ),
            "OrganizationalUnits",
            "cycle in the OU tree",
        ),
        (
            lambda d: d["Policies"].append(
                {
                    "Id": "p-nothing1",
                    "Name": "x",
                    "Type": "SERVICE_CONTROL_POLICY",
                    "Content": '{"Version": "2012-10-17", "Statement": [',
                    "Targets": [],
                }
            ),
            "Policies[0].Content",
            "MalformedPolicyDocument",
        ),
        (
            lambda d: d["Policies"].append(
                {
                    "Id": "p-nothing1",
                    "Name": "x",
                    "Type": "SERVICE_CONTROL_POLICY",
                    "Content": doc({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}),
                    "Targets": [],
                }
            ),
            "Policies[0].Content",
            "MalformedPolicyDocument",
        ),
        (
            lambda d: d["Accounts"][2].update(ParentId="ou-ab12-99999999"),
            "Accounts[2].ParentId",
            "unknown parent",
        ),
        (lambda d: d["Accounts"][2].update(Parent=ROOT), "Accounts[2].Parent", "unknown field"),
        (
            lambda d: d["Organization"].update(ManagementAccountId="444444444444"),
            "Organization.ManagementAccountId",
            "not in Accounts",
        ),
        (
            lambda d: d["Organization"].update(MasterAccountId="444444444444"),
            "Organization.MasterAccountId",
            "differs from ManagementAccountId",
        ),
        (
            lambda d: d["Organization"].update(FeatureSet="CONSOLIDATED_BILLING"),
            "Organization.FeatureSet",
            "all features",
        ),
        (
            lambda d: d["Accounts"][2].update(AuthorizationDetails=[]),
            "Accounts[2].AuthorizationDetails",
            "expected the get-account-authorization-details object",
        ),
        (
            lambda d: d["Policies"].append({"Id": "p-RCPFullAWSAccess", "Targets": []}),
            "Policies[0].Id",
            "cannot be detached",
        ),
    ],
)
def test_layout_errors_name_the_json_path(change: Any, path: str, words: str) -> None:
    d = layout()
    change(d)
    with pytest.raises(iamkit.OrganizationLayoutError) as e:
        iamkit.Organization.from_dict(d)
    assert e.value.path.startswith(path), (e.value.path, e.value.message)
    assert words in e.value.message
    assert isinstance(e.value, ValueError)
    assert str(e.value).startswith(e.value.path)


def test_describe_organization_output_is_the_organization_object() -> None:
    """``aws organizations describe-organization``'s ``Organization`` pasted as is: the API
    names the management account ``MasterAccountId``."""
    d = layout()
    m = d["Organization"]["ManagementAccountId"]
    d["Organization"] = {
        "Id": "o-a1b2c3d4e5",
        "Arn": f"arn:aws:organizations::{m}:organization/o-a1b2c3d4e5",
        "FeatureSet": "ALL",
        "MasterAccountArn": f"arn:aws:organizations::{m}:account/o-a1b2c3d4e5/{m}",
        "MasterAccountId": m,
        "MasterAccountEmail": "admin@example.com",
        "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
        "RootId": ROOT,
    }
    org = iamkit.Organization.from_dict(d)
    assert org.to_dict()["Organization"]["ManagementAccountId"] == m


def test_a_layout_that_is_not_json_or_not_a_dict() -> None:
    with pytest.raises(TypeError):
        iamkit.Organization.from_dict([])  # type: ignore[arg-type]
    with pytest.raises(iamkit.OrganizationLayoutError) as e:
        iamkit.Organization.from_dict({})
    assert e.value.path == "Organization"


# ---- builder ----------------------------------------------------------------------------


def test_builder_mirrors_the_layout() -> None:
    accts = accounts()
    org = iamkit.Organization(accts[M], organization_id="o-a1b2c3d4e5", root_id=ROOT)
    work = org.create_organizational_unit(ROOT, "Work", id=WORK)
    data = org.create_organizational_unit(org.root_id, "Data")
    assert data.startswith("ou-ab12-")
    org.add_account(accts[A], work)
    org.add_account(accts[B], work, name="bee")
    org.add_account(accts[C], data)
    assert org.account_name(B) == "bee"
    pid = org.create_policy("NoAssume", "scp", DENY_ASSUME)
    org.attach_policy(pid, B)
    assert [p["Targets"] for p in org.policies if p["Id"] == pid] == [[B]]
    # rb (in B) can no longer assume rc: the SCP of B's path.
    r = org.authorize(principal=arn(B, "role", "rb"), action="sts:AssumeRole", resource=arn(C, "role", "rc"))
    assert r.decision == "explicitDeny"
    again = iamkit.Organization.from_dict(org.to_dict())
    assert again.to_dict() == org.to_dict()
    with pytest.raises(Exception) as e:
        org.create_policy("Bad", "scp", "{")
    assert e.value.response["Error"]["Code"] == "MalformedPolicyDocument"  # type: ignore[attr-defined]
    with pytest.raises(Exception) as e:
        org.attach_policy(pid, "444444444444")
    assert e.value.response["Error"]["Code"] == "NoSuchEntity"  # type: ignore[attr-defined]
    # Accounts are copied in: later changes do not reach the organization.
    accts[A].client("iam").create_user(UserName="late")
    assert arn(A, "user", "late") not in org.principals()


# ---- decisions and analyses --------------------------------------------------------------


def test_cross_account_authorize_needs_both_sides(org: iamkit.Organization) -> None:
    rb = arn(B, "role", "rb")
    assert org.authorize(principal=arn(A, "user", "u"), action="sts:AssumeRole", resource=rb).allowed
    # v: the trust names A's root, but v's identity policies allow nothing.
    assert not org.authorize(principal=arn(A, "user", "v"), action="sts:AssumeRole", resource=rb).allowed
    # M's user: the trust does not name M.
    assert not org.authorize(principal=arn(M, "user", "m"), action="sts:AssumeRole", resource=rb).allowed


def test_who_can_spans_accounts(org: iamkit.Organization) -> None:
    who = org.who_can("sts:AssumeRole", arn(B, "role", "rb"))
    assert list(who) == [arn(A, "user", "admin"), arn(A, "user", "u")]
    assert {d["principal"] for d in who.details} == set(who)
    assert org.who_can("sts:AssumeRole", arn(C, "role", "rc")) == [arn(B, "role", "rb")]
    t = org.who_can("sts:AssumeRole", arn(C, "role", "rc"), transitive=True)
    assert arn(A, "user", "u") in t
    via = {d["principal"]: d for d in t.details}
    assert via[arn(A, "user", "u")]["via"] == arn(B, "role", "rb")
    with pytest.raises(iamkit.UnknownActionError):
        org.who_can("sts:AssumeRol")


def test_reach_and_escalation_across_accounts(org: iamkit.Organization) -> None:
    paths = org.reach(arn(A, "user", "u"))
    assert [(p.target, len(p.steps)) for p in paths] == [(arn(B, "role", "rb"), 1), (arn(C, "role", "rc"), 2)]
    g = org.reach_graph()
    assert g.node(arn(C, "role", "rc"))["account"] == C  # type: ignore[index]
    # The admin of A reaches A's principals directly, then B and C through their trust.
    admin = [(p.target, len(p.steps)) for p in org.reach(arn(A, "user", "admin"))]
    assert admin == [
        (arn(A, "user", "u"), 0),
        (arn(A, "user", "v"), 0),
        (arn(B, "role", "rb"), 1),
        (arn(C, "role", "rc"), 2),
    ]
    assert org.privilege_escalation(arn(A, "user", "u")) == []
    # u's own permissions name only a role of another account: what_can (identity side, no
    # resource policy) gives nothing; transitively it gains rb's permissions through its trust.
    assert dict(org.what_can(arn(A, "user", "u"))) == {}
    w = org.what_can(arn(A, "user", "u"), transitive=True)
    assert w["sts"] == ["sts:AssumeRole"]
    assert w.details["via"]["sts:AssumeRole"]["principal"] == arn(B, "role", "rb")
    assert org.what_can(arn(A, "user", "admin"))["iam"]


def test_an_scp_cuts_and_the_management_account_is_exempt() -> None:
    d = layout()
    d["Policies"] = [
        {
            "Id": "p-noassume",
            "Name": "NoAssume",
            "Type": "SERVICE_CONTROL_POLICY",
            "Content": DENY_ASSUME,
            "Targets": [ROOT],
        },
    ]
    d["Accounts"][1]["AuthorizationDetails"]["RoleDetailList"] = []
    org = iamkit.Organization.from_dict(d)
    assert org.reach(arn(A, "user", "u")) == []
    m = iamkit.Account(M)
    iam = m.client("iam")
    iam.create_user(UserName="m")
    iam.put_user_policy(UserName="m", PolicyName="hop", PolicyDocument=allow("sts:AssumeRole", "*"))
    d["Accounts"][0]["AuthorizationDetails"] = m.to_authorization_details()
    b = iamkit.Account(B)
    b.client("iam").create_role(RoleName="fromm", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{M}:root"))
    d["Accounts"][2]["AuthorizationDetails"] = b.to_authorization_details()
    org = iamkit.Organization.from_dict(d)
    assert [p.target for p in org.reach(arn(M, "user", "m"))] == [arn(B, "role", "fromm")]
    # org.account(): a stand-alone copy with its path's SCPs set.
    b_alone = org.account(B)
    assert [len(lv) for lv in b_alone.organization_policies["scps"]] == [2, 1, 1]  # root, Work, B
    r = b_alone.authorize(
        principal=f"arn:aws:iam::{B}:root", action="sts:AssumeRole", resource=arn(B, "role", "fromm")
    )
    assert r.decision == "explicitDeny"
    assert org.account(M).organization_policies == {"scps": [], "rcps": []}


def test_an_rcp_blocks_a_foreign_caller() -> None:
    d = layout()
    d["Policies"] = [
        {
            "Id": "p-ownonly1",
            "Name": "OwnOnly",
            "Type": "RESOURCE_CONTROL_POLICY",
            "Content": doc(
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sts:AssumeRole",
                    "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:PrincipalAccount": C}},
                }
            ),
            "Targets": [DATA],
        },
    ]
    org = iamkit.Organization.from_dict(d)
    assert [p.target for p in org.reach(arn(A, "user", "u"))] == [arn(B, "role", "rb")]
    assert org.who_can("sts:AssumeRole", arn(C, "role", "rc")) == []


# ---- executors, pickling, display -------------------------------------------------------


def test_executors_give_the_serial_answers(org: iamkit.Organization) -> None:
    serial_who = org.who_can("sts:AssumeRole", arn(B, "role", "rb")).details
    serial_graph = org.reach_graph().to_dict()
    with ThreadPoolExecutor(2) as ex:
        assert org.who_can("sts:AssumeRole", arn(B, "role", "rb"), executor=ex).details == serial_who
        assert org.reach_graph(executor=ex).to_dict() == serial_graph
    with ProcessPoolExecutor(2) as ex:
        assert org.who_can("sts:AssumeRole", arn(B, "role", "rb"), executor=ex).details == serial_who
        assert org.reach_graph(executor=ex).to_dict() == serial_graph
        t = org.who_can("sts:AssumeRole", arn(C, "role", "rc"), transitive=True, executor=ex)
        assert t.details == org.who_can("sts:AssumeRole", arn(C, "role", "rc"), transitive=True).details


def test_pickles(org: iamkit.Organization) -> None:
    again = pickle.loads(pickle.dumps(org))
    assert again.to_dict() == org.to_dict()
    g = org.reach_graph()
    assert pickle.loads(pickle.dumps(g._native)).to_json() == g._native.to_json()


def test_display(org: iamkit.Organization) -> None:
    assert repr(org).startswith("<Organization o-a1b2c3d4e5: 4 accounts, 2 OUs")
    h = org._repr_html_()
    assert "OU Work" in h and f"account {M}" in h and "management" in h


# ---- from_boto3 ----------------------------------------------------------------------------

moto = pytest.importorskip("moto", reason="moto[organizations] is a test dependency")
boto3 = pytest.importorskip("boto3")


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        yield boto3.Session(region_name="us-east-1")


def test_from_boto3_reads_a_live_organization(aws: Any) -> None:
    orgs = aws.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    prod = orgs.create_organizational_unit(ParentId=root, Name="Prod")["OrganizationalUnit"]["Id"]
    web = orgs.create_organizational_unit(ParentId=prod, Name="Web")["OrganizationalUnit"]["Id"]
    created = orgs.create_account(AccountName="web", Email="web@example.com")["CreateAccountStatus"]
    member = created["AccountId"]
    orgs.move_account(AccountId=member, SourceParentId=root, DestinationParentId=web)
    scp = orgs.create_policy(
        Name="NoUsers",
        Description="",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(doc({"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"})),
    )["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=scp, TargetId=prod)
    management = aws.client("sts").get_caller_identity()["Account"]
    aws.client("iam").create_user(UserName="boss")
    seen: list[str] = []

    def account_session(account_id: str) -> Any:
        seen.append(account_id)
        if account_id == management:
            return aws
        creds = aws.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="test"
        )["Credentials"]
        s = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name="us-east-1",
        )
        s.client("iam").create_user(UserName="dev") if not s.client("iam").list_users()["Users"] else None
        return s

    org = iamkit.Organization.from_boto3(aws, account_session=account_session)
    assert sorted(seen) == sorted([management, member])
    assert org.management_account_id == management and org.root_id == root
    assert org.path_of(member) == [root, prod, web, member]
    assert org.account_name(member) == "web"
    assert arn(management, "user", "boss") in org.principals()
    assert arn(member, "user", "dev") in org.principals()
    names = {p["Name"]: p["Targets"] for p in org.policies}
    assert names["NoUsers"] == [prod]
    r = org.authorize(principal=f"arn:aws:iam::{member}:root", action="iam:CreateUser")
    assert r.decision == "explicitDeny"
    # The management account is exempt.
    assert org.authorize(principal=f"arn:aws:iam::{management}:root", action="iam:CreateUser").allowed
    # The default session of a member account assumes its OrganizationAccountAccessRole.
    again = iamkit.Organization.from_boto3(aws)
    assert again.principals() == org.principals()
    assert again.policies == org.policies
    assert again.organizational_units == org.organizational_units
