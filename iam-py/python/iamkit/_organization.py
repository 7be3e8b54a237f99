"""``iamkit.Organization``: several accounts, the OU tree, SCPs and RCPs, and the analyses that
span them (issue #14 part 3).

The organization is held natively (``iamkit._native.NativeOrganization`` over
``iam_account::Organization``). It loads from iamkit's *organization layout* (one JSON
document: ids, OU tree, each account's ``get-account-authorization-details`` inline or in a
file beside it, SCPs and RCPs with their targets; see ``docs/organization.md``), from a live
organization through boto3 (:meth:`Organization.from_boto3`), or is built step by step
(:meth:`Organization.add_account`, :meth:`~Organization.create_organizational_unit`,
:meth:`~Organization.create_policy`, :meth:`~Organization.attach_policy`).

Requests are decided as AWS does across accounts (spec §5.6, §5.8, §5.10): the SCPs of the
principal's account path, the RCPs of the resource's account path, the caller's identity
policies AND the resource's policy (a role's trust policy) when they are in different accounts;
neither SCPs nor RCPs apply in the management account.

Analyses over many accounts take ``executor=`` (any ``concurrent.futures.Executor``): the work
is split by account, each task carrying only the accounts it needs (an
:meth:`Organization.subset`, pickled as a layout) — or, for the reach graph of an organization
with too few accounts to keep every worker busy, by chunks of principals, the organization
shipped once per worker — and the answers are put together in the order of the serial run, so
they are identical to it. ``executor=None`` answers in this process.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from iamkit import _native, _parallel

if TYPE_CHECKING:
    from iamkit._account import Account
    from iamkit._analysis import ActionMap, PrincipalList
    from iamkit._reach import ReachGraph, ReachPath

__all__ = ["Organization"]

_POLICY_TYPES = {
    "scp": "SERVICE_CONTROL_POLICY",
    "service_control_policy": "SERVICE_CONTROL_POLICY",
    "rcp": "RESOURCE_CONTROL_POLICY",
    "resource_control_policy": "RESOURCE_CONTROL_POLICY",
}


def _serial(executor: Any) -> bool:
    """True when the work stays in this process: ``None`` or ``"serial"``."""
    return executor is None or executor == "serial"


def _chunks(ids: list[str], executor: Any) -> list[list[str]]:
    """Accounts split into a few contiguous chunks per worker (contiguous: the answers put
    together in chunk order are in the serial run's order)."""
    ex = _parallel.resolve(executor, None)
    n = _parallel.chunk_count(ex, len(ids), per_worker=2) if ex is not None else 1
    return [list(c) for c in _parallel.split(ids, max(1, n)) if c]


# ---- tasks run by the executor's workers (top-level functions: they pickle) ----


def _who_can_task(
    args: tuple[Organization, list[str], str, str, dict[str, Any] | None],
) -> list[dict[str, Any]]:
    org, accounts, action, resource, context = args
    out: list[dict[str, Any]] = org._native.who_can(action, resource, context, accounts)
    return out


def _reach_task(args: tuple[Organization, list[str]]) -> Any:
    org, accounts = args
    return org._native.reach_graph(accounts)


def _reach_principals_task(args: tuple[Any, list[str]]) -> Any:
    shipped, principals = args
    org: Organization = shipped.get()
    return org._native.reach_graph(None, principals)


def _restore_organization(layout_json: str) -> Organization:
    return Organization._wrap(_native.NativeOrganization.from_layout_json(layout_json))


class _Precomputed:
    """Stands in for a native account in ``iamkit._analysis``'s transitive analyses: answers
    computed once (possibly on an executor) for the whole organization."""

    def __init__(self, org: Organization, who: list[dict[str, Any]] | None, graph: Any) -> None:
        self._org = org
        self._who = who
        self._graph = graph

    def who_can(self, action: str, resource: str, context: dict[str, Any] | None) -> list[dict[str, Any]]:
        return self._who if self._who is not None else []

    def reach_graph(self) -> Any:
        return self._graph

    def what_can(self, principal: str) -> dict[str, Any]:
        out: dict[str, Any] = self._org._native.what_can(principal)
        return out

    def principals(self) -> list[str]:
        out: list[str] = self._org._native.principals()
        return out

    def counts(self) -> tuple[int, int, int, int]:
        # Nothing left to split: the answers are already computed.
        return (0, 0, 0, 0)


class _View:
    """What ``iamkit._analysis`` reads of an account: ``_native`` and ``account_id``."""

    def __init__(self, org: Organization, native: Any) -> None:
        self._native = native
        self.account_id = org.id


class Organization:
    """Several accounts, the OU tree and the SCPs / RCPs of an AWS Organization.

    ``Organization(management_account="123456789012", *, organization_id=None, root_id=None)``
    starts an organization whose management account is ``management_account`` (an
    :class:`iamkit.Account`, copied, or an account id for an empty one); ``organization_id``
    (``o-…``) and ``root_id`` (``r-…``) are generated when not given. Accounts added with
    :meth:`add_account` are copied in: later changes to the :class:`~iamkit.Account` object do
    not reach the organization (what the ``get-account-authorization-details`` format holds is
    copied: entities, policies, attachments, trust policies, tags).

    Threads: analyses take a shared lock (they run in parallel, without the GIL); the builder
    methods take it exclusively.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        management_account: Account | str = "123456789012",
        *,
        organization_id: str | None = None,
        root_id: str | None = None,
    ) -> None:
        details, account_id = _details_of(management_account)
        self._native = _native.NativeOrganization(details, account_id, organization_id, root_id)
        self._copy_resource_policies(management_account)

    def _copy_resource_policies(self, account: Account | str) -> None:
        """The resource-based policies of an :class:`iamkit.Account` being copied in (a
        ``get-account-authorization-details`` document does not hold them)."""
        if isinstance(account, str):
            return
        for arn, text, role in account._native.resource_policies():
            self._native.put_resource_policy(account.account_id, arn, text, role)

    @classmethod
    def _wrap(cls, native: _native.NativeOrganization) -> Organization:
        self = cls.__new__(cls)
        self._native = native
        return self

    # ---- loading and saving ----

    @classmethod
    def from_dict(
        cls, layout: Mapping[str, Any], *, base_dir: str | os.PathLike[str] | None = None
    ) -> Organization:
        """Loads an organization layout (see ``docs/organization.md``) given as a dict.
        ``AuthorizationDetailsFile`` paths are relative to ``base_dir``. Raises
        :class:`iamkit.OrganizationLayoutError` (``.path`` = the JSON path at fault) for
        anything that cannot be loaded: an unknown field, an attachment to an unknown target, a
        cycle in the OU tree, a policy Organizations would refuse."""
        if not isinstance(layout, Mapping):
            raise TypeError(f"layout must be a dict, not {type(layout).__name__}")
        text = json.dumps(layout)
        base = os.fspath(base_dir) if base_dir is not None else None
        return cls._wrap(_native.NativeOrganization.from_layout_json(text, base))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Organization:
        """Loads an organization layout file; ``AuthorizationDetailsFile`` entries are relative
        to its directory."""
        from iamkit import _kinds

        text = _kinds.read_path(path, "an organization layout JSON file")
        base = os.path.dirname(os.path.abspath(os.fspath(path)))
        return cls._wrap(_native.NativeOrganization.from_layout_json(text, base))

    def to_dict(self) -> dict[str, Any]:
        """The layout, every account's ``get-account-authorization-details`` inline;
        :meth:`from_dict` of it gives the same organization back."""
        out: dict[str, Any] = json.loads(self._native.to_layout_json())
        return out

    def to_file(self, path: str | os.PathLike[str]) -> None:
        """Writes :meth:`to_dict` as a layout file."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=1)

    @classmethod
    def from_boto3(
        cls,
        session: Any,
        *,
        account_session: Callable[[str], Any] | None = None,
        role_name: str = "OrganizationAccountAccessRole",
    ) -> Organization:
        """Reads a live organization through boto3. ``session`` (a ``boto3.Session``, or
        anything with its ``client(name)`` method) must be able to call the Organizations API:
        the management account or a delegated administrator.

        Reads ``describe_organization``, ``list_roots``, the OU tree
        (``list_organizational_units_for_parent`` from the root down), each parent's accounts
        (``list_accounts_for_parent``), the SCPs and RCPs (``list_policies`` with
        ``Filter=SERVICE_CONTROL_POLICY`` / ``RESOURCE_CONTROL_POLICY``, ``describe_policy``,
        ``list_targets_for_policy``), every list through its paginator. A policy type that is
        not enabled is skipped (``PolicyTypeNotEnabledException``). Then each account's
        ``get-account-authorization-details`` through ``account_session(account_id)`` — by
        default ``session`` itself for the account it is signed in to, and for the others a
        session assuming ``arn:aws:iam::ACCOUNT:role/<role_name>`` (``OrganizationAccountAccessRole``,
        the role AWS creates in accounts it creates for an organization).
        """
        from iamkit._account import Account, _error_code

        org = session.client("organizations")

        def pages(operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for page in org.get_paginator(operation).paginate(**kwargs):
                out.extend(page.get(key, []))
            return out

        described = org.describe_organization()["Organization"]
        management = str(described["MasterAccountId"])
        roots = pages("list_roots", "Roots")
        if not roots:
            raise ValueError("list_roots returned no root")
        root_id = str(roots[0]["Id"])
        ous: list[dict[str, str]] = []
        accounts: list[dict[str, Any]] = []
        queue = [root_id]
        while queue:
            parent = queue.pop(0)
            for a in pages("list_accounts_for_parent", "Accounts", ParentId=parent):
                accounts.append({"Id": str(a["Id"]), "Name": a.get("Name"), "ParentId": parent})
            for ou in pages("list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent):
                ous.append({"Id": str(ou["Id"]), "Name": str(ou.get("Name", ou["Id"])), "ParentId": parent})
                queue.append(str(ou["Id"]))
        policies: list[dict[str, Any]] = []
        for filter_name in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
            try:
                summaries = pages("list_policies", "Policies", Filter=filter_name)
            except Exception as e:
                if _error_code(e) in (
                    "PolicyTypeNotEnabledException",
                    "PolicyTypeNotAvailableForOrganizationException",
                ):
                    continue
                raise
            for s in summaries:
                pid = str(s["Id"])
                if pid == "p-RCPFullAWSAccess":
                    continue  # attached everywhere, cannot be detached (the layout's rule)
                targets = [
                    str(t["TargetId"]) for t in pages("list_targets_for_policy", "Targets", PolicyId=pid)
                ]
                if pid == "p-FullAWSAccess":
                    policies.append({"Id": pid, "Targets": targets})
                    continue
                content = org.describe_policy(PolicyId=pid)["Policy"]["Content"]
                policies.append(
                    {
                        "Id": pid,
                        "Name": str(s.get("Name", pid)),
                        "Type": filter_name,
                        "Content": content,
                        "Targets": targets,
                    }
                )
        own = str(session.client("sts").get_caller_identity()["Account"])

        def default_session(account_id: str) -> Any:
            if account_id == own:
                return session
            creds = session.client("sts").assume_role(
                RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}", RoleSessionName="iamkit"
            )["Credentials"]
            import importlib

            boto3 = importlib.import_module("boto3")
            return boto3.Session(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )

        get_session = account_session or default_session
        for a in accounts:
            acct = Account.from_boto3(get_session(a["Id"]), organization=False)
            a["AuthorizationDetails"] = acct.to_authorization_details()
            if a["Name"] is None:
                del a["Name"]
        layout = {
            "Organization": {
                "Id": str(described["Id"]),
                "RootId": root_id,
                "ManagementAccountId": management,
            },
            "OrganizationalUnits": ous,
            "Accounts": accounts,
            "Policies": policies,
        }
        return cls.from_dict(layout)

    def subset(self, account_ids: Sequence[str]) -> Organization:
        """The same organization (ids, OU tree, policies) holding only ``account_ids`` and the
        management account (copies): what one analysis task ships to a worker."""
        return Organization._wrap(self._native.subset(list(account_ids)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_organization, (self._native.to_layout_json(),))

    # ---- what it holds ----

    @property
    def id(self) -> str:
        """``o-…``."""
        return self._native.id

    @property
    def root_id(self) -> str:
        """``r-…``."""
        return self._native.root_id

    @property
    def management_account_id(self) -> str:
        """The management account's id."""
        return self._native.management_account_id

    @property
    def accounts(self) -> list[str]:
        """The member account ids (the management account included), in id order."""
        return self._native.account_ids()

    def account(self, account_id: str) -> Account:
        """A copy of a member account as an :class:`iamkit.Account`, with the SCP and RCP levels
        of its path set (:meth:`iamkit.Account.set_organization_policies`), so that its own
        ``authorize``, analyses and clients decide as inside the organization. Changes to it do
        not reach the organization."""
        from iamkit._account import Account

        acct = Account.from_authorization_details(
            json.loads(self._native.account_details_json(account_id)), account_id=account_id
        )
        for arn, text, role in self._native.account_resource_policies(account_id):
            acct.put_resource_policy(arn, text, role=role)
        scps, rcps = self._native.account_policy_levels(account_id)
        management = account_id == self.management_account_id
        acct.set_organization_policies(
            scps=scps if not management else [],
            rcps=rcps if not management else [],
            management_account=management,
            organization_id=self.id,
        )
        return acct

    def account_name(self, account_id: str) -> str | None:
        """A member account's name, when known."""
        return self._native.account_name(account_id)

    def parent_of(self, account_id: str) -> str | None:
        """The root or OU id an account sits in."""
        return self._native.parent_of(account_id)

    def path_of(self, account_id: str) -> list[str]:
        """The ids from the root down to the account: ``[root, ou, …, account]``."""
        return self._native.path_of(account_id)

    @property
    def organizational_units(self) -> list[dict[str, str]]:
        """``{"Id", "Name", "ParentId"}`` of every OU, parents first."""
        return [{"Id": i, "Name": n, "ParentId": p} for i, n, p in self._native.organizational_units()]

    @property
    def policies(self) -> list[dict[str, Any]]:
        """``{"Id", "Name", "Type", "Content", "AwsManaged", "Targets"}`` of every SCP and RCP."""
        targets = [self.root_id, *(o["Id"] for o in self.organizational_units), *self.accounts]
        attached = {t: set(self._native.attached_policies(t)) for t in targets}
        return [
            {
                "Id": pid,
                "Name": name,
                "Type": ptype,
                "Content": content,
                "AwsManaged": aws,
                "Targets": [t for t in targets if pid in attached[t]],
            }
            for pid, name, ptype, content, aws in self._native.policies()
        ]

    def principals(self) -> list[str]:
        """Every user and role ARN of every member account (accounts in id order)."""
        return self._native.principals()

    # ---- building ----

    def add_account(
        self, account: Account | str, parent: str | None = None, *, name: str | None = None
    ) -> None:
        """Adds a member account (an :class:`iamkit.Account`, copied with its resource-based
        policies, or an account id for an empty one) under ``parent`` (an OU id; the root by
        default)."""
        details, account_id = _details_of(account)
        self._native.add_account_json(details, account_id, parent or self.root_id, name)
        self._copy_resource_policies(account)

    def create_organizational_unit(self, parent: str, name: str, *, id: str | None = None) -> str:
        """``CreateOrganizationalUnit`` under ``parent`` (the root id or an OU id); returns the
        new OU's id (``id`` gives it, else one is generated)."""
        return self._native.create_organizational_unit(parent, name, id)

    def create_policy(
        self,
        name: str,
        policy_type: str,
        content: str | dict[str, Any] | _native.Policy,
        *,
        id: str | None = None,
    ) -> str:
        """``CreatePolicy``: ``policy_type`` is ``"scp"`` / ``"SERVICE_CONTROL_POLICY"`` or
        ``"rcp"`` / ``"RESOURCE_CONTROL_POLICY"``; ``content`` JSON text, a dict or an
        :class:`iamkit.Policy`. Returns the policy id. A document Organizations would refuse
        raises the ClientError-shaped exception with ``MalformedPolicyDocument``."""
        t = _POLICY_TYPES.get(policy_type.lower(), policy_type)
        if isinstance(content, _native.Policy):
            text = content.to_json()
        elif isinstance(content, dict):
            text = json.dumps(content)
        else:
            text = content
        return self._native.create_policy(name, t, text, id)

    def attach_policy(self, policy_id: str, target: str) -> None:
        """``AttachPolicy`` to the root, an OU or an account."""
        self._native.attach_policy(policy_id, target)

    def detach_policy(self, policy_id: str, target: str) -> None:
        """``DetachPolicy`` (every target keeps at least one SCP; ``RCPFullAWSAccess`` stays)."""
        self._native.detach_policy(policy_id, target)

    def move_account(self, account_id: str, parent: str) -> None:
        """``MoveAccount`` under another parent (root or OU)."""
        self._native.move_account(account_id, parent)

    # ---- analyses ----

    def authorize(
        self,
        *,
        principal: str,
        action: str,
        resource: str = "*",
        context: dict[str, object] | None = None,
    ) -> _native.EvaluationResult:
        """Decides a request by a principal of any member account on a resource of any member
        account: the SCPs of the principal's account path, the RCPs of the resource's; across
        accounts both the caller's identity policies and the resource's policy (a role's trust
        policy) must allow (spec §5.8); the management account is exempt from both (§5.10)."""
        return self._native.authorize(principal, action, resource, context)

    def _who_can_details(
        self,
        action: str,
        resource: str,
        context: dict[str, Any] | None,
        executor: Any,
        progress: Any,
    ) -> list[dict[str, Any]]:
        if _serial(executor):
            out: list[dict[str, Any]] = self._native.who_can(action, resource, context)
            return out
        from iamkit import _analysis

        _analysis.check_action(action)
        ids = self.accounts
        parts = resource.split(":")
        owner = parts[4] if len(parts) > 5 and parts[4] in ids else None
        if owner is None and len(parts) > 5 and parts[4] == "":
            # An ARN without an account (S3): the account holding the bucket's policy owns it,
            # and every task needs it to decide the request as the serial run does.
            owner = self._native.resource_owner(action, resource)
        tasks = []
        for chunk in _chunks(ids, executor):
            need = chunk if owner is None or owner in chunk else [*chunk, owner]
            tasks.append((self.subset(need), chunk, action, resource, context))
        results = _parallel.map_tasks(
            _who_can_task, tasks, executor=executor, progress=progress, desc=f"who_can {action}"
        )
        merged = [d for r in results for d in r]
        merged.sort(key=lambda d: (d["action"], d["principal"]))
        return merged

    def who_can(
        self,
        action: str,
        resource: str = "*",
        context: dict[str, Any] | None = None,
        *,
        include_conditional: bool = True,
        transitive: bool = False,
        executor: Any = None,
        progress: Any = None,
    ) -> PrincipalList:
        """ARNs of the users and roles of every member account allowed ``action`` on
        ``resource``. A resource in account B counts for a principal of account A only when B's
        resource policy (a role's trust policy) allows it too, with the SCPs of A's path and the
        RCPs of B's. ``.details`` gives each one's deciding statements. With ``transitive=True``
        also those that can become such a principal (or an admin), through other accounts'
        roles too: ``.details`` then carries ``"path"`` and ``"via"``. ``executor``: see the
        module docs."""
        from iamkit import _analysis

        details = self._who_can_details(action, resource, context, executor, progress)
        if transitive:
            graph = self._reach_native(executor, progress)
            view = _View(self, _Precomputed(self, details, graph))
            return _analysis.who_can_transitive(
                view,  # type: ignore[arg-type]
                action,
                resource,
                context,
                include_conditional=include_conditional,
            )
        view = _View(self, _Precomputed(self, details, None))
        return _analysis.who_can(
            view,  # type: ignore[arg-type]
            action,
            resource,
            context,
            include_conditional=include_conditional,
        )

    def what_can(
        self,
        principal: str,
        *,
        include_conditional: bool = True,
        transitive: bool = False,
        executor: Any = None,
    ) -> ActionMap:
        """Service prefix -> the catalog actions a user or role (ARN) of a member account is
        allowed, the SCPs of its account's path applied. With ``transitive=True`` the actions of
        every principal it can become, in any account, are added (``.details["via"]``)."""
        from iamkit import _analysis

        if transitive:
            view = _View(self, _Precomputed(self, None, self._reach_native(executor, None)))
            return _analysis.what_can_transitive(
                view,  # type: ignore[arg-type]
                principal,
                include_conditional=include_conditional,
            )
        view = _View(self, _Precomputed(self, None, None))
        return _analysis.what_can(view, principal, include_conditional=include_conditional)  # type: ignore[arg-type]

    def _reach_native(self, executor: Any, progress: Any) -> Any:
        if _serial(executor):
            return self._native.reach_graph()
        chunks = _chunks(self.accounts, executor)
        ex = _parallel.resolve(executor, None)
        if ex is not None and len(chunks) < 2 * _parallel.workers_of(ex):
            # Too few accounts to keep every worker busy: split the principals instead, each
            # task building the part of the graph whose edges start in its chunk from the whole
            # organization (shipped once per worker); merged, the parts are the serial graph.
            principals = self._native.principals()
            n = _parallel.chunk_count(ex, len(principals), per_worker=2)
            if n > len(chunks):
                target = _parallel.ship(self)
                pchunks = _parallel.split(principals, n)
                parts = _parallel.map_tasks(
                    _reach_principals_task,
                    [(target, list(c)) for c in pchunks],
                    executor=ex,
                    progress=progress,
                    desc="reach graph",
                )
                return _native.NativeReachGraph.merge(parts)
        tasks = []
        for chunk in chunks:
            need = sorted({*chunk, *self._native.trusting_accounts(chunk)})
            tasks.append((self.subset(need), chunk))
        parts = _parallel.map_tasks(
            _reach_task, tasks, executor=executor, progress=progress, desc="reach graph"
        )
        return _native.NativeReachGraph.merge(parts)

    def reach_graph(self, *, executor: Any = None, progress: Any = None) -> ReachGraph:
        """The reach graph of the whole organization (an :class:`iamkit.ReachGraph`): every
        account's users and roles, edges within each account, and ``AssumeRole`` edges onto
        other accounts' roles whose trust policies name the caller's account or ARN (both sides
        decided, SCPs and RCPs applied)."""
        from iamkit._reach import ReachGraph

        return ReachGraph(self._reach_native(executor, progress))

    def reach(self, principal: str, *, executor: Any = None) -> list[ReachPath]:
        """Whom ``principal`` (a user or role ARN of a member account) can become, in any
        account: one :class:`iamkit.ReachPath` per principal, shortest first."""
        return self.reach_graph(executor=executor).reach(principal)

    def privilege_escalation(self, principal: str | None = None, *, executor: Any = None) -> list[Any]:
        """Escalations to admin (``iamkit.Escalation`` dicts) across the organization: of one
        principal (one per admin target), or the shortest of each principal that is not an
        admin and can become one (an admin of any account)."""
        graph = self.reach_graph(executor=executor)
        return list(graph.escalations(principal))

    def counts(self) -> dict[str, int]:
        """``{"accounts", "organizational_units", "scps", "rcps", "users", "roles"}``."""
        a, u, s, r, users, roles = self._native.counts()
        return {
            "accounts": a,
            "organizational_units": u,
            "scps": s,
            "rcps": r,
            "users": users,
            "roles": roles,
        }

    def __repr__(self) -> str:
        c = self.counts()
        return (
            f"<Organization {self.id}: {c['accounts']} accounts, {c['organizational_units']} OUs, "
            f"{c['scps']} SCPs, {c['rcps']} RCPs, {c['users']} users, {c['roles']} roles>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        ous = self.organizational_units
        children: dict[str, list[tuple[str, str]]] = {}
        for o in ous:
            children.setdefault(o["ParentId"], []).append(("ou", o["Id"]))
        for a in self.accounts:
            children.setdefault(self.parent_of(a) or self.root_id, []).append(("account", a))
        names = {o["Id"]: o["Name"] for o in ous}
        attached: dict[str, list[str]] = {}
        for p in self.policies:
            if p["AwsManaged"]:
                continue
            for t in p["Targets"]:
                attached.setdefault(t, []).append(
                    f"{p['Name']} ({'SCP' if p['Type'].startswith('SERVICE') else 'RCP'})"
                )

        def label(kind: str, ident: str) -> str:
            text = f"OU {names.get(ident, ident)} ({ident})" if kind == "ou" else f"account {ident}"
            if kind == "account":
                n = self.account_name(ident)
                if n:
                    text += f" {n}"
                if ident == self.management_account_id:
                    text += " — management"
            pol = attached.get(ident)
            if pol:
                text += " · " + ", ".join(pol)
            return esc(text)

        def tree(parent: str, depth: int) -> str:
            items = children.get(parent, [])
            if not items or depth > 6:
                return ""
            shown = items[:50]
            more = f"<li>… {len(items) - 50} more</li>" if len(items) > 50 else ""
            return (
                "<ul>"
                + "".join(
                    f"<li>{label(k, i)}{tree(i, depth + 1) if k == 'ou' else ''}</li>" for k, i in shown
                )
                + more
                + "</ul>"
            )

        root_label = esc(f"root {self.root_id}") + (
            " · " + esc(", ".join(attached[self.root_id])) if self.root_id in attached else ""
        )
        return (
            f"<div class='iamkit-organization'><strong>{esc(repr(self))}</strong>"
            f"<ul><li>{root_label}{tree(self.root_id, 0)}</li></ul></div>"
        )


def _details_of(account: Account | str) -> tuple[str, str]:
    """``(get-account-authorization-details JSON, account id)`` of an Account or an id."""
    from iamkit._account import Account

    if isinstance(account, Account):
        return account._native.to_authorization_details_json(), account.account_id
    if isinstance(account, str):
        return "{}", account
    raise TypeError(f"account must be an iamkit.Account or an account id, not {type(account).__name__}")
