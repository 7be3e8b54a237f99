"""Type stubs of the native module ``iamkit._native`` (Rust, PyO3)."""

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, NoReturn, final, overload

from iamkit._display import FindingList

__version__: str
POLICY_TYPES: list[str]
SAVE_KINDS: list[str]

@final
class Finding:
    """One validation finding: code, severity, message, JSON path and span."""

    @property
    def code(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def end_line(self) -> int: ...
    @property
    def end_column(self) -> int: ...
    @property
    def end_offset(self) -> int: ...
    @property
    def is_error(self) -> bool: ...
    def __init__(
        self,
        code: str,
        severity: str,
        message: str,
        path: str = "",
        line: int = 1,
        column: int = 1,
        offset: int = 0,
        end_line: int | None = None,
        end_column: int | None = None,
        end_offset: int | None = None,
    ) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Statement:
    """One statement of a :class:`Policy`, with its position in the source text."""

    @property
    def index(self) -> int: ...
    @property
    def sid(self) -> str | None: ...
    @property
    def effect(self) -> str: ...
    @property
    def actions(self) -> list[str]: ...
    @property
    def not_action(self) -> bool: ...
    @property
    def resources(self) -> list[str] | None: ...
    @property
    def not_resource(self) -> bool: ...
    @property
    def principal(self) -> str | dict[str, Any] | None: ...
    @property
    def not_principal(self) -> bool: ...
    @property
    def condition(self) -> dict[str, Any] | None: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def end_line(self) -> int: ...
    @property
    def end_column(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Policy:
    """A parsed IAM policy document (immutable, hashable, picklable)."""

    @classmethod
    def from_json(
        cls,
        text: str | bytes | dict[str, Any] | Policy | os.PathLike[str],
        *,
        policy_type: str = "identity",
        name: str | None = None,
    ) -> Policy: ...
    @property
    def policy_type(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def version(self) -> str | None: ...
    @property
    def id(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def statements(self) -> list[Statement]: ...
    @property
    def findings(self) -> FindingList: ...
    def to_json(self, indent: int | None = None) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def _repr_html_(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...
    def __len__(self) -> int: ...
    def __reduce__(self) -> tuple[Any, tuple[str, str, str | None]]: ...
    def __getstate__(self) -> tuple[str, str, str | None]: ...

def validate(
    text: str | bytes | dict[str, Any] | Policy | os.PathLike[str], *, policy_type: str = "identity"
) -> FindingList: ...
def _validate_for_account(
    text: str | bytes | dict[str, Any] | Policy | os.PathLike[str], *, policy_type: str, account_id: str
) -> FindingList: ...
def check_iam_policy(
    text: str | bytes | dict[str, Any] | os.PathLike[str], *, kind: str = "managed"
) -> None: ...
def _restore_policy(text: str, policy_type: str, name: str | None = None) -> Policy: ...

PolicyArg = str | bytes | dict[str, Any] | Policy | os.PathLike[str]
PolicyArgs = PolicyArg | Sequence[PolicyArg]
PolicyLevels = PolicyArg | Sequence[PolicyArg | Sequence[PolicyArg]]

@final
class EvaluationResult:
    """The decision for one request, with its explanation."""

    @property
    def decision(self) -> Literal["allowed", "explicitDeny", "implicitDeny"]: ...
    @property
    def allowed(self) -> bool: ...
    @property
    def action(self) -> str: ...
    @property
    def resource(self) -> str: ...
    @property
    def principal(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def matched_statements(self) -> list[dict[str, Any]]: ...
    @property
    def missing_context_values(self) -> list[str]: ...
    @property
    def layers(self) -> list[dict[str, str]]: ...
    @property
    def variables(self) -> dict[str, str | None]: ...
    @property
    def warnings(self) -> list[str]: ...
    def explain(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def _repr_html_(self) -> str: ...
    def __bool__(self) -> bool: ...
    def policy(self, layer: str, policy_index: int) -> Policy | None: ...
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]: ...

@final
class Engine:
    """Policy layers compiled once (picklable).

    Raises ``iamkit.PolicyCompileError`` (a ``ValueError``) with validation's code and position
    when a policy cannot be evaluated, e.g. a resource-based statement without ``Principal``.
    """

    def __init__(
        self,
        *,
        identity_policies: PolicyArgs | None = (),
        resource_policy: PolicyArg | None = None,
        permissions_boundary: PolicyArg | None = None,
        session_policies: PolicyArgs | None = (),
        scps: PolicyLevels | None = (),
        rcps: PolicyLevels | None = (),
        vpc_endpoint_policy: PolicyArg | None = None,
    ) -> None: ...
    def evaluate(
        self,
        *,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        context: Mapping[str, object] | None = None,
        resource_account: str | None = None,
        role_arn: str | None = None,
    ) -> EvaluationResult: ...
    @overload
    def evaluate_many(
        self,
        requests: Iterable[Mapping[str, Any]] | None = None,
        /,
        *,
        actions: Sequence[str] | None = None,
        resources: Sequence[str] | None = None,
        principals: Sequence[str | None] | None = None,
        contexts: Sequence[Mapping[str, object] | None] | None = None,
        resource_accounts: Sequence[str | None] | None = None,
        as_dataframe: Literal[False] = False,
    ) -> list[str]: ...
    @overload
    def evaluate_many(
        self,
        requests: Iterable[Mapping[str, Any]] | None = None,
        /,
        *,
        actions: Sequence[str] | None = None,
        resources: Sequence[str] | None = None,
        principals: Sequence[str | None] | None = None,
        contexts: Sequence[Mapping[str, object] | None] | None = None,
        resource_accounts: Sequence[str | None] | None = None,
        as_dataframe: Literal[True],
    ) -> Any: ...
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]: ...

def evaluate(
    *,
    action: str,
    resource: str = "*",
    principal: str | None = None,
    context: Mapping[str, object] | None = None,
    identity_policies: PolicyArgs | None = (),
    resource_policy: PolicyArg | None = None,
    permissions_boundary: PolicyArg | None = None,
    session_policies: PolicyArgs | None = (),
    scps: PolicyLevels | None = (),
    rcps: PolicyLevels | None = (),
    vpc_endpoint_policy: PolicyArg | None = None,
    resource_account: str | None = None,
    role_arn: str | None = None,
) -> EvaluationResult:
    """Decides one request; raises ``iamkit.PolicyCompileError`` (a ``ValueError``) for policies
    that cannot be evaluated (spec §1.7), like ``Engine``. ``principal=None`` is an unnamed IAM
    user of the resource's account holding exactly the identity policies given (as AWS's policy
    simulator without CallerArn), never the root user. ``role_arn`` is the role ARN with its path
    when ``principal`` is a session (``arn:aws:sts::A:assumed-role/R/S``) of a role that has a
    path."""

def _restore_engine(state: tuple[Any, ...]) -> Engine: ...
def _restore_result(state: tuple[Any, ...]) -> EvaluationResult: ...

# --- accounts (iam-py/src/account.rs; the Python API is iamkit.Account in _account.py) --------

@final
class NativeAccount:
    """The Rust account behind ``iamkit.Account``."""

    def __init__(self, account_id: str = "123456789012", alias: str | None = None) -> None: ...
    @staticmethod
    def from_authorization_details_json(text: str, account_id: str | None = None) -> NativeAccount: ...
    def to_authorization_details_json(self, exact: bool = False) -> str: ...
    def has_import_source(self) -> bool: ...
    def forget_import_source(self) -> None: ...
    @property
    def account_id(self) -> str: ...
    @property
    def alias(self) -> str | None: ...
    def import_warnings(self) -> list[str]: ...
    def counts(self) -> tuple[int, int, int, int]: ...
    def call(
        self,
        service: str,
        operation: str,
        params: str,
        credentials: ClientCredentials | None = None,
    ) -> str: ...
    def check_call(
        self,
        service: str,
        operation: str,
        params: str,
        credentials: ClientCredentials | None = None,
    ) -> str: ...
    @property
    def enforce(self) -> str: ...
    @enforce.setter
    def enforce(self, mode: str) -> None: ...
    def denials_json(self) -> str: ...
    def register_oidc_provider_keys(self, provider_arn: str, jwks: str) -> int: ...
    def encode_authorization_message(
        self,
        principal: str,
        action: str,
        resource: str = "*",
        context: dict[str, object] | None = None,
    ) -> str: ...
    def set_organization_policies(
        self,
        scps: list[list[str]],
        rcps: list[list[str]],
        management_account: bool = False,
        organization_id: str | None = None,
    ) -> None: ...
    @staticmethod
    def operations(service: str) -> list[str]: ...
    @staticmethod
    def validate_params(service: str, operation: str, params: str) -> str | None: ...
    @staticmethod
    def error_shapes(service: str) -> list[tuple[str, str, int]]: ...
    @staticmethod
    def paginators(service: str) -> list[tuple[str, str, list[str]]]: ...
    @staticmethod
    def paginate_response(service: str, operation: str, response: str, params: str) -> str: ...
    def authorize(
        self,
        principal: str,
        action: str,
        resource: str = "*",
        context: Mapping[str, object] | None = None,
    ) -> EvaluationResult: ...
    def simulate_principal_policy_json(self, params: str) -> str: ...
    def what_can(self, principal: str) -> dict[str, Any]: ...
    def who_can(
        self,
        action: str,
        resource: str = "*",
        context: dict[str, Any] | None = None,
        principals: list[str] | None = None,
    ) -> list[dict[str, Any]]: ...
    def access_matrix(
        self, patterns: list[str], threads: int = 2, principals: list[str] | None = None
    ) -> tuple[list[str], list[str], bytes, list[int]]: ...
    def row_classes(self) -> tuple[list[str], list[int], list[str]]: ...
    def privilege_escalation(self, principal: str | None = None) -> list[dict[str, Any]]: ...
    def principals(self) -> list[str]: ...
    def reach_graph(self) -> NativeReachGraph: ...

@final
class NativeReachGraph:
    """The reach graph of an account (``iam_analysis::ReachGraph``), immutable."""

    def to_json(self) -> str: ...
    def reach(self, principal: str) -> list[dict[str, Any]]: ...
    def escalations_of(self, principal: str) -> list[dict[str, Any]]: ...
    def escalations(self) -> list[dict[str, Any]]: ...
    def admin_status(self, principal: str) -> dict[str, Any]: ...

@final
class Server:
    """The local IAM + STS endpoint (``iam-server``) on its own threads; ``iamkit.Server``
    wraps it."""

    def __init__(
        self,
        account: NativeAccount | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state: str | None = None,
        enforce: str = "on",
        log: str | None = None,
        account_id: str | None = None,
        import_details: str | None = None,
    ) -> None: ...
    @property
    def url(self) -> str: ...
    @property
    def account(self) -> NativeAccount: ...
    @property
    def root_access_key_id(self) -> str | None: ...
    def root_secret_access_key(self) -> str | None: ...
    @property
    def root_credentials_file(self) -> str | None: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def running(self) -> bool: ...
    def advance_clock(self, seconds: int) -> None: ...
    def stop(self) -> None: ...

class ClientCredentials:
    """The access key a client acts with; the secret never leaves the native object
    (redacted ``repr``, pickling raises ``TypeError``)."""

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        region: str | None = None,
    ) -> None: ...
    @property
    def access_key_id(self) -> str: ...
    @property
    def region(self) -> str | None:
        """The client's ``region_name``: recorded as the Region of the key's last use."""
    def __reduce__(self) -> NoReturn: ...

# --- AWS CLI files (iam-py/src/cli_files.rs) ------------------------------------------------

def write_cli_profile(
    profile: str,
    access_key_id: str,
    secret_access_key: str,
    *,
    region: str | None = None,
    output: str | None = None,
    session_token: str | None = None,
    credentials_file: str | None = None,
    config_file: str | None = None,
) -> None:
    """Adds or updates ``profile`` in the shared credentials/config files as
    ``aws configure --profile`` does: under an inter-process lock, through symbolic links,
    atomically and durably (new dirs 0700, new files 0600, existing files keep their mode).
    Raises ``ValueError`` naming the file and line when a file is not one botocore can read
    (nothing is written then), ``OSError`` for I/O failures."""

def read_cli_profiles(
    *, credentials_file: str | None = None, config_file: str | None = None
) -> dict[str, dict[str, str | dict[str, str]]]:
    """Every profile of both files merged as botocore sees them (credentials file wins)."""

def expand_actions(pattern: str) -> list[str]: ...
def check_action(action: str) -> None: ...
def action_info(action: str) -> dict[str, Any] | None: ...
def _diff_policies(a: str, b: str) -> dict[str, Any]: ...
def _policy_from_log(text: str, principal: str, decisions: str) -> dict[str, Any]: ...

# --- IAM Access Analyzer custom policy checks (iam_analysis::checks) ------------------------
def _check_no_new_access(
    new_policy: str | bytes | dict[str, Any] | Policy,
    existing_policy: str | bytes | dict[str, Any] | Policy,
    policy_type: str,
) -> dict[str, Any]: ...
def _check_access_not_granted(
    policy: str | bytes | dict[str, Any] | Policy,
    access: list[tuple[list[str], list[str]]],
    policy_type: str,
) -> dict[str, Any]: ...
def _check_no_public_access(
    policy: str | bytes | dict[str, Any] | Policy, resource_type: str
) -> dict[str, Any]: ...
def public_resource_types() -> list[str]: ...
