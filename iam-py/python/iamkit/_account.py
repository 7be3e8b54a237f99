"""``iamkit.Account``: a stateful offline AWS account with boto3-shaped IAM and STS clients.

>>> import iamkit
>>> acct = iamkit.Account("111122223333", alias="demo")
>>> iam = acct.client("iam")
>>> iam.create_user(UserName="alice")["User"]["Arn"]
'arn:aws:iam::111122223333:user/alice'
>>> _ = iam.put_user_policy(UserName="alice", PolicyName="read", PolicyDocument={
...     "Version": "2012-10-17",
...     "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
>>> acct.authorize(principal="arn:aws:iam::111122223333:user/alice",
...                action="s3:GetObject", resource="arn:aws:s3:::b/k").decision
'allowed'
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import importlib
import json
import os
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any

from iamkit import _native
from iamkit._errors import warn_unknown_actions

__all__ = [
    "Account",
    "AccountClient",
    "IamClientError",
    "PageIterator",
    "Paginator",
    "ParamValidationError",
    "client_error",
    "param_validation_error",
]

_DATE_KEYS = frozenset(
    {
        "CreateDate",
        "UpdateDate",
        "UploadDate",
        "Expiration",
        "EnableDate",
        "LastUsedDate",
        "PasswordLastUsed",
        "GeneratedTime",
        "JobCreationDate",
        "JobCompletionDate",
        "LastAuthenticated",
        "LastAccessedTime",
    }
)
# Blob members travel base64-encoded (AWS's wire format); boto3 gives them as ``bytes``.
_BLOB_KEYS = frozenset({"Base32StringSeed", "QRCodePNG", "Content"})
_DOCUMENT_PARAMS = ("PolicyDocument", "AssumeRolePolicyDocument", "Policy", "ResourcePolicy")
_DOCUMENT_LIST_PARAMS = ("PolicyInputList", "PermissionsBoundaryPolicyInputList")


class IamClientError(Exception):
    """A failed call, shaped like ``botocore.exceptions.ClientError`` (used when botocore is not
    installed): ``.response["Error"]["Code"]`` / ``["Message"]`` and ``.operation_name``."""

    response: dict[str, Any]
    operation_name: str

    def __init__(self, error_response: dict[str, Any], operation_name: str) -> None:
        err = error_response.get("Error", {})
        super().__init__(
            f"An error occurred ({err.get('Code')}) when calling the {operation_name} "
            f"operation: {err.get('Message')}"
        )
        self.response = error_response
        self.operation_name = operation_name

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.response, self.operation_name))


def _client_error_class() -> type[Exception]:
    try:
        mod = importlib.import_module("botocore.exceptions")
    except ImportError:  # pragma: no cover - botocore is a test dependency
        return IamClientError
    cls: type[Exception] = mod.ClientError
    return cls


class ParamValidationError(ValueError):
    """botocore's ``ParamValidationError`` (used when botocore is not installed): the same
    message, ``Parameter validation failed:`` and one line per problem, and ``.kwargs["report"]``."""

    fmt = "Parameter validation failed:\n{report}"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(self.fmt.format(**kwargs))
        self.kwargs = kwargs

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_param_validation_error, (self.kwargs.get("report", ""),))


def _restore_param_validation_error(report: str) -> Exception:
    return ParamValidationError(report=report)


def _param_validation_error_class() -> Any:
    try:
        mod = importlib.import_module("botocore.exceptions")
    except ImportError:  # pragma: no cover - botocore is a test dependency
        return ParamValidationError
    return mod.ParamValidationError


def param_validation_error(report: str) -> Exception:
    """botocore's ``ParamValidationError(report=...)`` (or :class:`ParamValidationError` without
    botocore): raised before any authorization or operation for missing, unknown or mistyped
    parameters."""
    exc: Exception = _param_validation_error_class()(report=report)
    return exc


# Exception classes by shape name (``NoSuchEntityException``) and by error code, shared by the
# clients of both services (a shape name means the same error in both models).
_EXCEPTIONS: dict[str, type[Exception]] = {}
_EXCEPTIONS_BY_CODE: dict[str, type[Exception]] = {}


def _exception_classes(service: str) -> dict[str, type[Exception]]:
    """``{shape name: class}`` for the errors of ``service``'s model, each a subclass of
    ``botocore.exceptions.ClientError`` (or :class:`IamClientError`), as botocore makes them."""
    base = _client_error_class()
    out: dict[str, type[Exception]] = {}
    for shape_name, code, _status in _native.NativeAccount.error_shapes(service):
        cls = _EXCEPTIONS.get(shape_name)
        if cls is None:
            cls = type(shape_name, (base,), {"__module__": "iamkit._account.exceptions"})
            _EXCEPTIONS[shape_name] = cls
            _EXCEPTIONS_BY_CODE.setdefault(code, cls)
        out[shape_name] = cls
    return out


class ClientExceptions:
    """``client.exceptions``: one attribute per modeled error of the service
    (``NoSuchEntityException``, …), plus ``ClientError`` and :meth:`from_code`, as botocore's."""

    def __init__(self, service: str) -> None:
        self._classes = _exception_classes(service)
        self._by_code = {
            code: self._classes[shape] for shape, code, _ in _native.NativeAccount.error_shapes(service)
        }
        self.ClientError = _client_error_class()

    def __getattr__(self, name: str) -> type[Exception]:
        classes: dict[str, type[Exception]] = self.__dict__.get("_classes", {})
        if name in classes:
            return classes[name]
        raise AttributeError(f"no modeled error {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._classes))

    def from_code(self, error_code: str) -> type[Exception]:
        """The class of an error code (``"NoSuchEntity"``); ``ClientError`` for other codes."""
        return self._by_code.get(error_code, self.ClientError)


# Authentication and authorization failures answer HTTP 403 (STS/IAM "Common Errors"); the
# service models do not list them as operation errors.
_FORBIDDEN = frozenset({"AccessDenied", "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken"})


def client_error(
    code: str, message: str, operation: str, status: int | None = None, explanation: str | None = None
) -> Exception:
    """The exception for a failed operation: the modeled error's class (a subclass of
    ``botocore.exceptions.ClientError`` when botocore is importable, else of
    :class:`IamClientError`), or the base class for codes the models do not list. ``status`` is
    the HTTP status from the service model (``NoSuchEntity`` 404, ``EntityAlreadyExists`` 409).
    A denied call's exception carries iamkit's explanation of the decision as ``.explanation``
    (else None)."""
    if code in _FORBIDDEN:
        status = 403
    elif status is None:
        status = 404 if code == "NoSuchEntity" else 400
    response = {
        "Error": {"Code": code, "Message": message, "Type": "Sender"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    if not _EXCEPTIONS:
        _exception_classes("iam")
        _exception_classes("sts")
    cls = _EXCEPTIONS_BY_CODE.get(code, _client_error_class())
    exc: Exception = cls(response, operation)
    exc.explanation = explanation  # type: ignore[attr-defined]
    return exc


def _pytype_default(value: Any) -> Any:
    """Values JSON cannot hold travel as their Python type and text, so that parameter
    validation reports them as botocore does."""
    return {"$pytype": str(type(value)), "$str": str(value), "$repr": repr(value)}


def _params_json(params: dict[str, Any]) -> str:
    return json.dumps(params, default=_pytype_default)


def _parse_date(text: str) -> _dt.datetime | str:
    try:
        d = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return d if d.tzinfo else d.replace(tzinfo=_dt.timezone.utc)


def _datetimes(value: Any, key: str = "") -> Any:
    """boto3 gives timestamps as timezone-aware ``datetime`` objects."""
    if isinstance(value, dict):
        return {k: _datetimes(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_datetimes(v, key) for v in value]
    if isinstance(value, str) and key in _DATE_KEYS:
        return _parse_date(value)
    return value


def _blobs(value: Any, key: str = "") -> Any:
    """botocore base64-decodes blob members (``Base32StringSeed``, ``QRCodePNG``, the credential
    report's ``Content``) into ``bytes``."""
    if isinstance(value, dict):
        return {k: _blobs(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_blobs(v, key) for v in value]
    if isinstance(value, str) and key in _BLOB_KEYS:
        return base64.b64decode(value)
    return value


def _decode_documents(value: Any, key: str = "") -> Any:
    """botocore URL-decodes and parses the policy documents of IAM responses."""
    if isinstance(value, dict):
        return {k: _decode_documents(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_documents(v, key) for v in value]
    if isinstance(value, str) and key in ("PolicyDocument", "AssumeRolePolicyDocument", "Document"):
        text = urllib.parse.unquote(value) if value.startswith("%") else value
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


class AccountClient:
    """A boto3-shaped client (``"iam"`` or ``"sts"``) over an :class:`Account`.

    Methods have boto3's names, keyword-only PascalCase parameters and response shapes
    (dates as ``datetime``). Parameters are checked against botocore's service model first:
    missing, unknown or mistyped ones raise ``botocore.exceptions.ParamValidationError`` (or
    :class:`ParamValidationError` without botocore) before anything else happens. Failures
    raise the modeled error's class from ``client.exceptions`` (``NoSuchEntityException``, …),
    a subclass of ``botocore.exceptions.ClientError`` (or :class:`IamClientError`), with the
    model's HTTP status. Lists come in pages of ``MaxItems`` (default 100, at most 1000) with
    ``IsTruncated`` and ``Marker``; :meth:`get_paginator` pages through them as botocore's
    paginators do. Policy document parameters also accept a ``dict``. A client made with
    ``aws_access_key_id`` and ``aws_secret_access_key`` (plus ``aws_session_token`` for STS
    credentials) acts as that key's principal; otherwise as the root user. Every call is
    authenticated (unknown or inactive key: ``InvalidClientTokenId``; wrong secret:
    ``SignatureDoesNotMatch``; expired session: ``ExpiredToken``; HTTP 403) and authorized as
    the account's ``enforce`` mode says (a denial raises ``AccessDenied`` with AWS's message and
    ``.explanation``).

    The key pair is held by a native ``ClientCredentials`` object that never gives the
    secret back: it is not an attribute (``vars(client)`` shows only the redacted
    credentials object), not in ``repr``, and a client made with credentials refuses to be
    pickled (``TypeError``) rather than write the secret into the pickle or silently become
    the root user. A client without credentials pickles with (a copy of) its account.
    """

    def __init__(
        self,
        account: Account,
        service: str,
        *,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        region_name: str | None = None,
    ) -> None:
        self._account = account
        self._service = service
        self._credentials = (
            None
            if aws_access_key_id is None
            else _native.ClientCredentials(
                aws_access_key_id, aws_secret_access_key, aws_session_token, region_name
            )
        )
        self._operations = frozenset(_native.NativeAccount.operations(service)) | _EXTRA[service]
        self._paginators = {
            snake: (model_name, tuple(keys))
            for snake, model_name, keys in _native.NativeAccount.paginators(service)
            if snake in self._operations
        }
        self._exceptions: ClientExceptions | None = None

    @property
    def service(self) -> str:
        """``"iam"`` or ``"sts"``."""
        return self._service

    @property
    def exceptions(self) -> ClientExceptions:
        """The modeled errors as classes: ``client.exceptions.NoSuchEntityException``."""
        if self._exceptions is None:
            self._exceptions = ClientExceptions(self._service)
        return self._exceptions

    def can_paginate(self, operation_name: str) -> bool:
        """Whether the operation (boto3's snake_case name) has a paginator."""
        return operation_name in self._paginators

    def get_paginator(self, operation_name: str) -> Paginator:
        """A paginator for a paginated operation, as botocore's ``client.get_paginator``."""
        if operation_name not in self._paginators:
            raise ValueError(f"Operation cannot be paginated: {operation_name}")
        model_name, keys = self._paginators[operation_name]
        non_aggregate = ("Group",) if model_name == "GetGroup" else ()
        return Paginator(self, operation_name, keys, non_aggregate)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | self._operations)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._operations:
            raise AttributeError(f"'{self._service}' client has no operation {name!r}")

        def operation(**kwargs: Any) -> dict[str, Any]:
            return self._call(name, kwargs)

        operation.__name__ = name
        operation.__doc__ = f"boto3's {self._service}.{name} (offline)."
        return operation

    def _call(self, name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = dict(kwargs)
        for k in _DOCUMENT_PARAMS:
            if k in params and isinstance(params[k], dict):
                params[k] = json.dumps(params[k])
        for k in _DOCUMENT_LIST_PARAMS:
            if isinstance(params.get(k), list):
                params[k] = [json.dumps(x) if isinstance(x, dict) else x for x in params[k]]
        text_params = _params_json(params)
        # botocore validates before anything is signed or sent: before authorization too.
        report = _native.NativeAccount.validate_params(self._service, name, text_params)
        if report is not None:
            raise param_validation_error(report)
        native = self._account._native
        if name in ("simulate_principal_policy", "simulate_custom_policy"):
            warn_unknown_actions(kwargs.get("ActionNames"))
        # Every operation, GetAccountAuthorizationDetails and SimulateCustomPolicy included, is
        # answered by iam-account: the same implementation the HTTP endpoint uses.
        text = native.call(self._service, name, text_params, self._credentials)
        out = _datetimes(_blobs(_decode_documents(json.loads(text))))
        out.setdefault("ResponseMetadata", {"HTTPStatusCode": 200, "RetryAttempts": 0})
        return dict(out)

    def __repr__(self) -> str:
        who = "root user" if self._credentials is None else f"key {self._credentials.access_key_id}"
        return f"<iamkit {self._service} client for account {self._account.account_id} as {who}>"

    def __reduce__(self) -> tuple[Any, ...]:
        if self._credentials is not None:
            raise TypeError(
                f"an iamkit {self._service} client made with aws_access_key_id / aws_secret_access_key "
                "cannot be pickled: its secret stays in memory only. Pickle the Account and call "
                "account.client(service, aws_access_key_id=..., aws_secret_access_key=...) again."
            )
        return (_restore_client, (self._account, self._service))


class PageIterator:
    """The pages of one ``paginate(...)`` call, as botocore's ``PageIterator``: iterate for the
    pages (whole responses), :meth:`build_full_result` for one merged result, and
    :attr:`resume_token` (the ``NextToken`` to pass as ``StartingToken``) once ``MaxItems``
    stopped it early."""

    def __init__(
        self,
        client: AccountClient,
        operation: str,
        result_keys: tuple[str, ...],
        non_aggregate_keys: tuple[str, ...],
        op_kwargs: dict[str, Any],
        max_items: int | None,
        page_size: int | None,
        starting_token: str | None,
    ) -> None:
        self._client = client
        self._operation = operation
        self.result_keys = list(result_keys)
        self._non_aggregate_keys = non_aggregate_keys
        self._op_kwargs = op_kwargs
        self._max_items = max_items
        self._page_size = page_size
        self._starting_token = starting_token
        self._resume_token: str | None = None
        self.non_aggregate_part: dict[str, Any] = {}

    @property
    def resume_token(self) -> str | None:
        """The token to resume from (``StartingToken``), or ``None`` when all pages came."""
        return self._resume_token

    def _set_resume_token(self, token: dict[str, Any]) -> None:
        # botocore's TokenEncoder: base64 of the JSON of the token dict.
        self._resume_token = base64.b64encode(json.dumps(token).encode("utf-8")).decode("utf-8")

    def _parse_starting_token(self) -> tuple[dict[str, Any], int]:
        assert self._starting_token is not None
        try:
            token = json.loads(base64.b64decode(self._starting_token.encode("utf-8")).decode("utf-8"))
            if not isinstance(token, dict):
                raise ValueError("not a dict")
        except ValueError:
            # botocore's deprecated form: the bare token, optionally "___<n>".
            parts = self._starting_token.split("___")
            return {"Marker": parts[0] or None}, int(parts[1]) if len(parts) > 1 else 0
        index = int(token.pop("boto_truncate_amount", 0))
        return token, index

    def __iter__(self) -> Iterator[dict[str, Any]]:
        kwargs = dict(self._op_kwargs)
        primary = self.result_keys[0]
        starting_truncation = 0
        if self._starting_token is not None:
            token, starting_truncation = self._parse_starting_token()
            _inject_token(kwargs, token)
        if self._page_size is not None:
            kwargs["MaxItems"] = self._page_size
        total = 0
        first = True
        previous: dict[str, Any] | None = None
        while True:
            page = self._client._call(self._operation, kwargs)
            if first:
                if self._starting_token is not None:
                    page[primary] = list(page.get(primary) or [])[starting_truncation:]
                    for key in self.result_keys[1:]:
                        if isinstance(page.get(key), list):
                            page[key] = []
                first = False
                for key in self._non_aggregate_keys:
                    if key in page:
                        self.non_aggregate_part[key] = page[key]
            else:
                starting_truncation = 0
            items = page.get(primary) or []
            truncate = 0 if self._max_items is None else total + len(items) - self._max_items
            if truncate > 0:
                keep = len(items) - truncate
                page[primary] = list(items)[:keep]
                token = {"Marker": kwargs.get("Marker"), "boto_truncate_amount": keep + starting_truncation}
                self._set_resume_token(token)
                yield page
                return
            yield page
            total += len(items)
            next_token = {"Marker": page.get("Marker")} if page.get("IsTruncated") else {}
            if not next_token or next_token["Marker"] is None:
                return
            if self._max_items is not None and total == self._max_items:
                self._set_resume_token(next_token)
                return
            if previous == next_token:
                raise RuntimeError(f"The same next token was received twice: {next_token}")
            _inject_token(kwargs, next_token)
            previous = next_token

    def build_full_result(self) -> dict[str, Any]:
        """Every page merged: the result lists joined, the non-aggregate members of the first
        page, and ``NextToken`` when ``MaxItems`` stopped early (botocore's behaviour)."""
        result: dict[str, Any] = {}
        for page in self:
            for key in self.result_keys:
                value = page.get(key)
                if value is None:
                    continue
                if key not in result:
                    result[key] = list(value) if isinstance(value, list) else value
                elif isinstance(value, list):
                    result[key].extend(value)
        result.update(self.non_aggregate_part)
        if self._resume_token is not None:
            result["NextToken"] = self._resume_token
        return result


def _inject_token(kwargs: dict[str, Any], token: dict[str, Any]) -> None:
    for name, value in token.items():
        if value is not None and value != "None":
            kwargs[name] = value
        else:
            kwargs.pop(name, None)


class Paginator:
    """botocore's paginator for one operation: ``paginate(**params)`` with the operation's
    parameters and ``PaginationConfig={"MaxItems", "PageSize", "StartingToken"}``."""

    def __init__(
        self,
        client: AccountClient,
        operation: str,
        result_keys: tuple[str, ...],
        non_aggregate_keys: tuple[str, ...] = (),
    ) -> None:
        self._client = client
        self._operation = operation
        self._result_keys = result_keys
        self._non_aggregate_keys = non_aggregate_keys

    @property
    def result_keys(self) -> list[str]:
        """The response members paged over."""
        return list(self._result_keys)

    def paginate(self, **kwargs: Any) -> PageIterator:
        """The pages of the operation called with ``kwargs``."""
        config = dict(kwargs.pop("PaginationConfig", None) or {})
        max_items = config.get("MaxItems")
        page_size = config.get("PageSize")
        return PageIterator(
            self._client,
            self._operation,
            self._result_keys,
            self._non_aggregate_keys,
            kwargs,
            None if max_items is None else int(max_items),
            None if page_size is None else int(page_size),
            config.get("StartingToken"),
        )


def _restore_client(account: Account, service: str) -> AccountClient:
    return AccountClient(account, service)


_EXTRA: dict[str, frozenset[str]] = {
    "iam": frozenset(
        {"get_account_authorization_details", "simulate_custom_policy", "simulate_principal_policy"}
    ),
    "sts": frozenset(),
}


class Account:
    """One offline AWS account: IAM entities and operations, STS, and the authorizer.

    Threads: an account may be shared by threads. Reading it — :meth:`authorize`,
    :meth:`simulate_principal_policy`, :meth:`what_can`, :meth:`who_can`,
    :meth:`access_matrix`, :meth:`privilege_escalation`, :meth:`to_authorization_details`,
    pickling — takes a shared lock, so readers run in parallel (without the GIL). Every
    client call (``account.client("iam").create_user(...)``, also the read-only ``get_*`` /
    ``list_*`` ones) takes the lock exclusively: it waits until the reads in progress are
    done, and they see the account either before or after it, never half-changed. No call
    fails because another thread is using the account. A sequence of calls is not atomic:
    use your own lock to make several changes appear together.

    ``Account(account_id="123456789012", *, alias=None)`` starts empty;
    :meth:`from_authorization_details` loads ``aws iam get-account-authorization-details``
    output. Pickling keeps what that format holds (users, groups, memberships, roles and
    instance profiles holding them, inline and managed policies with all versions,
    attachments, boundaries, tags, ids, dates) and the alias; it does NOT keep access keys
    and their secrets, login profiles, MFA devices, SSH public keys, signing and server
    certificates, service-specific credentials, SAML / OIDC providers (nor the keys registered
    for them), STS sessions, encoded authorization messages, the password policy, registered
    resource policies or instance profiles without a role. The ``enforce`` mode and the
    organization policies (:meth:`set_organization_policies`) are kept; ``"soft"`` mode's
    recorded :meth:`denials` are not.

    ``Account(..., enforce="on")``: see :attr:`enforce`.
    """

    __slots__ = ("_native", "_org_management", "_org_policies")
    _org_policies: dict[str, list[list[_native.Policy]]]
    _org_management: tuple[bool, str | None]

    def __init__(
        self, account_id: str = "123456789012", *, alias: str | None = None, enforce: str = "on"
    ) -> None:
        self._native = _native.NativeAccount(account_id, alias)
        self._native.enforce = enforce

    @property
    def enforce(self) -> str:
        """How client calls are authorized: ``"on"`` (default: a denied call raises
        ``AccessDenied``; a client without credentials is the root user, which only SCPs and
        service rules limit), ``"soft"`` (the call runs, the would-be denial is recorded in
        :meth:`denials`) or ``"off"`` (no authorization; credentials are still checked)."""
        return self._native.enforce

    @enforce.setter
    def enforce(self, mode: str) -> None:
        self._native.enforce = mode

    def denials(self) -> list[dict[str, Any]]:
        """The calls ``"soft"`` mode let through that ``"on"`` would have refused: dicts with
        ``Operation``, ``Principal``, ``Action``, ``Resource``, ``Code``, ``Message`` (AWS's),
        ``Decision`` and ``Explanation`` (iamkit's)."""
        out: list[dict[str, Any]] = json.loads(self._native.denials_json())
        return out

    @classmethod
    def _wrap(cls, native: _native.NativeAccount) -> Account:
        self = cls.__new__(cls)
        self._native = native
        return self

    @classmethod
    def from_authorization_details(
        cls, source: str | os.PathLike[str] | dict[str, Any], *, account_id: str | None = None
    ) -> Account:
        """Loads ``get-account-authorization-details`` JSON: a file path or the parsed dict.

        A ``str`` is always a path (as ``open`` takes it), never JSON text: parse text with
        ``json.loads`` and pass the dict. A document that is not a snapshot (a policy, an
        ``aws iam get-*`` response, an empty file, non-JSON, ...) raises
        :class:`iamkit.WrongDocumentError` naming what it is, instead of giving an empty
        account. Stored documents are not put through IAM's save-time checks (see
        :attr:`import_warnings` for documents that are not policies). The account id comes
        from the entities' ARNs unless ``account_id`` is given. ``to_authorization_details()``
        of an unchanged import gives back the same JSON value, key order included.
        """
        from iamkit import _kinds

        if isinstance(source, dict):
            _kinds.require_snapshot(source)
            text = json.dumps(source)
        elif isinstance(source, (str, os.PathLike)):
            text = _kinds.read_path(source, "a get-account-authorization-details JSON file")
            _kinds.snapshot_text(text, os.fspath(source))
        else:
            raise TypeError(
                f"source must be a path (str or os.PathLike) or a dict, not {type(source).__name__}"
            )
        return cls._wrap(_native.NativeAccount.from_authorization_details_json(text, account_id))

    @classmethod
    def from_boto3(cls, session: Any, *, organization: bool = True) -> Account:
        """Loads a real account through boto3: ``session`` is a ``boto3.Session`` (or anything
        with its ``client(name)`` method).

        Reads ``iam.get_account_authorization_details`` (every page, through the paginator),
        the account alias (``iam.list_account_aliases``), the account id
        (``sts.get_caller_identity``) and, when ``organization`` is true and the account
        belongs to an Organization, the service and resource control policies that apply to
        it, level by level from the root to the account (see :attr:`organization_policies`).
        Organizations calls that fail with ``AccessDenied``,
        ``AWSOrganizationsNotInUseException`` and the like are skipped. Needs read-only IAM
        permissions (``iam:GetAccountAuthorizationDetails``, ``iam:ListAccountAliases``).
        """
        account_id = str(session.client("sts").get_caller_identity()["Account"])
        iam = session.client("iam")
        details: dict[str, list[Any]] = {
            "UserDetailList": [],
            "GroupDetailList": [],
            "RoleDetailList": [],
            "Policies": [],
        }
        for page in iam.get_paginator("get_account_authorization_details").paginate():
            for key, items in details.items():
                items.extend(page.get(key, []))
        acct = cls._wrap(
            _native.NativeAccount.from_authorization_details_json(
                json.dumps(details, default=_json_default), account_id
            )
        )
        aliases = iam.list_account_aliases().get("AccountAliases", [])
        if aliases and acct.alias is None:
            acct.client("iam").create_account_alias(AccountAlias=aliases[0])
        if organization:
            policies, management, org_id = _organization_policies(session, account_id)
            if any(policies.values()) or management:
                acct.set_organization_policies(
                    scps=policies["scps"],
                    rcps=policies["rcps"],
                    management_account=management,
                    organization_id=org_id,
                )
        return acct

    def put_resource_policy(
        self,
        resource_arn: str,
        policy: str | dict[str, Any] | _native.Policy,
        *,
        role: str | None = None,
    ) -> None:
        """Registers the resource-based policy of a resource of this account — an S3 bucket
        (``arn:aws:s3:::bucket``; requests on its objects use it too), a Lambda function, a KMS
        key, an SQS queue, … — which a ``get-account-authorization-details`` snapshot does not
        hold. ``role``: the role of this account the resource runs code as (a Lambda function's
        execution role), for the reach graph. :meth:`authorize`, the analyses and an
        :class:`iamkit.Organization` decide requests on the resource with it (across accounts
        both sides must allow, spec §5.8). Replaces an earlier policy of the resource; raises
        the IAM client error (``MalformedPolicyDocument``, ``NoSuchEntity`` for an unknown
        role) and changes nothing on failure."""
        if isinstance(policy, _native.Policy):
            text = policy.to_json()
        elif isinstance(policy, dict):
            text = json.dumps(policy)
        else:
            text = policy
        self._native.put_resource_policy(resource_arn, text, role)

    def delete_resource_policy(self, resource_arn: str) -> None:
        """Removes a resource-based policy registered with :meth:`put_resource_policy`."""
        self._native.delete_resource_policy(resource_arn)

    @property
    def resource_policies(self) -> list[dict[str, Any]]:
        """``[{"ResourceArn", "Policy" (the JSON text), "Role"?}]`` in ARN order: the
        resource-based policies registered with :meth:`put_resource_policy` (the organization
        layout's ``Accounts[].ResourcePolicies`` shape)."""
        out: list[dict[str, Any]] = []
        for arn, text, role in self._native.resource_policies():
            entry: dict[str, Any] = {"ResourceArn": arn, "Policy": text}
            if role is not None:
                entry["Role"] = role
            out.append(entry)
        return out

    def set_organization_policies(
        self,
        *,
        scps: Sequence[Sequence[_native.Policy | str | dict[str, Any]]] = (),
        rcps: Sequence[Sequence[_native.Policy | str | dict[str, Any]]] = (),
        management_account: bool = False,
        organization_id: str | None = None,
    ) -> None:
        """Sets the service and resource control policies of the account's Organization
        (:meth:`from_boto3` loads them): ``scps`` and ``rcps`` are lists of levels from the
        root to the account, each level a list of policies (:class:`iamkit.Policy`, JSON text
        or dict). Every enforced client call and :meth:`authorize` then apply them as AWS does:
        SCPs limit the account's users, roles and its root user, RCPs limit requests for its
        resources; in the management account (``management_account=True``) neither applies.
        ``organization_id`` (``o-...``) gives ``aws:PrincipalOrgID``. Empty levels clear them."""

        def levels(
            given: Sequence[Sequence[_native.Policy | str | dict[str, Any]]], policy_type: str
        ) -> list[list[_native.Policy]]:
            out: list[list[_native.Policy]] = []
            for level in given:
                if isinstance(level, (str, dict, _native.Policy)):
                    raise TypeError(f"{policy_type}s must be a list of levels, each a list of policies")
                out.append(
                    [
                        p
                        if isinstance(p, _native.Policy)
                        else _native.Policy.from_json(p, policy_type=policy_type)
                        for p in level
                    ]
                )
            return out

        scp_levels = levels(scps, "scp")
        rcp_levels = levels(rcps, "rcp")
        self._native.set_organization_policies(
            [[p.to_json() for p in level] for level in scp_levels],
            [[p.to_json() for p in level] for level in rcp_levels],
            management_account,
            organization_id,
        )
        self._org_policies = {"scps": scp_levels, "rcps": rcp_levels}
        self._org_management = (management_account, organization_id)

    @property
    def organization_policies(self) -> dict[str, list[list[_native.Policy]]]:
        """Organization policies loaded by :meth:`from_boto3`: ``{"scps": levels, "rcps":
        levels}``, each a list of levels from the root to the account, each level a list of
        :class:`iamkit.Policy`. Empty lists when none were loaded. They are kept with the
        account (and pickled) and applied to every enforced client call and to
        :meth:`authorize` (see :meth:`set_organization_policies`)."""
        org: dict[str, list[list[_native.Policy]]] | None = getattr(self, "_org_policies", None)
        return org if org is not None else {"scps": [], "rcps": []}

    def to_authorization_details(self) -> dict[str, Any]:
        """The account as ``get-account-authorization-details`` output (the JSON as a dict)."""
        result: dict[str, Any] = json.loads(self._native.to_authorization_details_json())
        return result

    @property
    def account_id(self) -> str:
        """The 12-digit account id."""
        return self._native.account_id

    @property
    def alias(self) -> str | None:
        """The account alias."""
        return self._native.alias

    @property
    def import_warnings(self) -> list[str]:
        """Problems noticed by :meth:`from_authorization_details` (empty otherwise)."""
        return self._native.import_warnings()

    def client(
        self,
        service: str,
        *,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        region_name: str | None = None,
    ) -> AccountClient:
        """A boto3-shaped client: ``"iam"`` or ``"sts"`` (see :class:`AccountClient`).
        ``region_name`` is the Region its requests are made in: it is recorded as the Region of
        the access key's last use (``get_access_key_last_used``; "N/A" without one)."""
        if service not in ("iam", "sts"):
            raise ValueError(f"unknown service {service!r}: expected 'iam' or 'sts'")
        return AccountClient(
            self,
            service,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
            region_name=region_name,
        )

    def authorize(
        self,
        *,
        principal: str,
        action: str,
        resource: str = "*",
        context: dict[str, object] | None = None,
    ) -> _native.EvaluationResult:
        """Decides a request by a principal of this account (user, role, assumed-role session,
        federated user or root ARN) with every layer the account holds for it."""
        return self._native.authorize(principal, action, resource, context)

    def register_oidc_provider_keys(self, provider_arn: str, jwks: str | dict[str, Any]) -> int:
        """**iamkit extension**: registers the signing keys of the OIDC provider ``provider_arn``
        (created with ``create_open_id_connect_provider``) for ``sts.assume_role_with_web_identity``.

        ``jwks`` is the JSON Web Key Set the issuer publishes at its ``jwks_uri``
        (``{"keys": [...]}``, as a dict or JSON text): RSA keys (RS256) and EC P-256 keys
        (ES256). AWS fetches these keys from the issuer when a token arrives; iamkit works
        offline, so they are registered here, replacing any registered before. A token signed
        by a key that is not registered is refused with ``InvalidIdentityToken``. Returns the
        number of keys registered; raises the ClientError-shaped exception (``NoSuchEntity``
        for an unknown provider, ``InvalidInput`` for a document that is not a usable JWKS)."""
        text = jwks if isinstance(jwks, str) else json.dumps(jwks)
        return self._native.register_oidc_provider_keys(provider_arn, text)

    def encode_authorization_message(
        self,
        *,
        principal: str,
        action: str,
        resource: str = "*",
        context: dict[str, object] | None = None,
    ) -> str:
        """**iamkit extension**: decides a request as :meth:`authorize` does and returns the
        *encoded authorization message* of the decision, the opaque text AWS services such as
        EC2 put in a denial ("Encoded authorization failure message"). The ``sts`` client's
        ``decode_authorization_message`` turns it back into AWS's decoded JSON (``allowed``,
        ``explicitDeny``, ``matchedStatements``, ``failures``, ``context``). IAM and STS do not
        encode their own denials, so iamkit's clients never return such messages."""
        return self._native.encode_authorization_message(principal, action, resource, context)

    def simulate_principal_policy(self, **kwargs: Any) -> dict[str, Any]:
        """boto3's ``simulate_principal_policy``: same parameters and response shape. An action
        the bundled catalog does not know is decided as written and reported as an
        :class:`~iamkit.UnknownActionWarning`."""
        warn_unknown_actions(kwargs.get("ActionNames"))
        params = dict(kwargs)
        for k in (*_DOCUMENT_PARAMS, "PolicyInputList", "PermissionsBoundaryPolicyInputList"):
            v = params.get(k)
            if isinstance(v, list):
                params[k] = [x if isinstance(x, str) else json.dumps(x) for x in v]
            elif v is not None and not isinstance(v, str):
                params[k] = json.dumps(v)
        result: dict[str, Any] = json.loads(self._native.simulate_principal_policy_json(json.dumps(params)))
        return result

    # ---- access analysis (iamkit/_analysis.py) ----

    def what_can(
        self,
        principal: str,
        *,
        include_conditional: bool = True,
        transitive: bool = False,
        executor: Any = None,
        progress: Any = None,
    ) -> dict[str, list[str]]:
        """Service prefix -> allowed catalog actions of a user or role (see ``iamkit._analysis``).

        ``principal`` is an ARN or a bare user or role name, resolved as the ``iamkit what-can``
        command does (:meth:`resolve_principal`). With ``transitive=True`` the actions of every
        principal it can become are added; ``.details["via"]`` gives, for each action gained
        that way, the principal and the path (see :meth:`reach`). ``executor`` (with
        ``transitive=True``; see :meth:`who_can`): the reach graph is built, and the principals
        reached are decided, in chunks of principals; the answer is the serial one."""
        from iamkit import _analysis

        if transitive:
            return _analysis.what_can_transitive(
                self,
                principal,
                include_conditional=include_conditional,
                executor=executor,
                progress=progress,
            )
        return _analysis.what_can(self, principal, include_conditional=include_conditional)

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
    ) -> list[str]:
        """ARNs of the users and roles allowed ``action`` on ``resource`` (see ``iamkit._analysis``).

        With ``transitive=True`` also those that can become such a principal (or an admin);
        ``.details`` then carries each one's ``"path"`` and ``"via"``.

        ``executor``: where the principals are decided, in chunks — a
        ``concurrent.futures.Executor`` (a process pool, a Dask client's ``get_executor()``,
        Ray's), ``"serial"``, ``"process"`` or ``None`` (a process pool only when the account is
        large enough to pay for it); the answer is the serial one. ``progress``: see
        ``iamkit._parallel.map_tasks``."""
        from iamkit import _analysis

        if transitive:
            return _analysis.who_can_transitive(
                self,
                action,
                resource,
                context,
                include_conditional=include_conditional,
                executor=executor,
                progress=progress,
            )
        return _analysis.who_can(
            self,
            action,
            resource,
            context,
            include_conditional=include_conditional,
            executor=executor,
            progress=progress,
        )

    def reach_graph(self, *, executor: Any = None, progress: Any = None) -> Any:
        """The reach graph of the account as it is now (an ``iamkit.ReachGraph``): who can become
        whom, admins, escalations, with the enabling statements. ``executor`` (see
        :meth:`who_can`): the graph is built in chunks of principals whose parts are merged
        into exactly the serial graph."""
        from iamkit import _reach

        return _reach.reach_graph(self, executor=executor, progress=progress)

    def risk_report(self, exclusions: Any = None) -> Any:
        """The risk report (an ``iamkit._report.RiskReport``): findings by category (privilege
        escalation, data exfiltration, resource exposure, infrastructure modification,
        credentials exposure) with principals, statements and paths; admins and service-linked
        roles apart. ``exclusions``: a dict or the path of a JSON / YAML file (``principals``,
        ``paths``, ``policies``, ``actions``). ``.write(dir)`` writes the HTML, JSON and CSV."""
        from iamkit import _report

        return _report.risk_report(self, exclusions)

    def reach(self, principal: str, *, executor: Any = None, progress: Any = None) -> list[Any]:
        """Whom ``principal`` (ARN or bare name) can become, transitively: one
        :class:`iamkit.ReachPath` (a ``dict``: ``principal``, ``target``, ``access``, ``steps``)
        per principal, shortest first, each step naming the method and enabling statements.
        ``executor``: see :meth:`reach_graph`."""
        from iamkit import _analysis, _reach

        arn = _analysis.resolve_principal(self, principal)
        return _reach.reach_graph(self, executor=executor, progress=progress).reach(arn)

    def access_matrix(
        self,
        actions: str | list[str] = "*",
        *,
        threads: int = 2,
        executor: Any = None,
        progress: Any = None,
    ) -> Any:
        """Users and roles x actions, as an ``iamkit.AccessMatrix``. ``executor`` (see
        :meth:`who_can`) computes the rows in chunks of principals elsewhere; same matrix."""
        from iamkit import _analysis

        return _analysis.access_matrix(self, actions, threads=threads, executor=executor, progress=progress)

    def resolve_principal(self, principal: str) -> str:
        """The ARN of a user or role of this account given as its ARN or bare name (``alice``).

        A name matches a user name or a role name (exactly, else ignoring case as IAM's name
        uniqueness does); a name that is both a user's and a role's is ambiguous. Raises
        ``ValueError`` naming the account (and, when ambiguous, both ARNs) when nothing or more
        than one principal matches. ARNs (anything with a ``:``) are returned as given: the
        analyses check them. Python and the command line resolve names with this one method.
        """
        from iamkit import _analysis

        return _analysis.resolve_principal(self, principal)

    def privilege_escalation(
        self, principal: str | None = None, *, executor: Any = None, progress: Any = None
    ) -> list[Any]:
        """Escalations to admin (``iamkit.Escalation`` dicts) of one principal, or the shortest of
        each user and role that can escalate; admins get none (see ``iamkit._analysis``).
        ``executor`` (whole account; see :meth:`who_can`): the search from each principal runs in
        chunks elsewhere; same answer, same order."""
        from iamkit import _analysis

        return _analysis.privilege_escalation(self, principal, executor=executor, progress=progress)

    def counts(self) -> dict[str, int]:
        """``{"users", "groups", "roles", "policies"}`` (customer managed policies)."""
        u, g, r, p = self._native.counts()
        return {"users": u, "groups": g, "roles": r, "policies": p}

    def __reduce__(self) -> tuple[Any, ...]:
        return self._reduce(exact=False)

    def _reduce(self, *, exact: bool) -> tuple[Any, ...]:
        """The pickle of the account: its authorization details (never a secret: no access
        keys, passwords or MFA seeds), organization policies, enforcement mode. ``exact``: the
        analysis-only form of :class:`AnalysisAccount` (documents as their exact texts)."""
        org = getattr(self, "_org_policies", None)
        management = getattr(self, "_org_management", (False, None))
        # An account built by API calls (no import source) travels with its documents' exact
        # texts and is restored without a source: the copy's statement positions and its
        # to_authorization_details() are the original's.
        fresh = not self._native.has_import_source()
        state = (self.account_id, self.alias, self._native.to_authorization_details_json(exact or fresh))
        resource_policies = self._native.resource_policies()
        if resource_policies:
            return (_restore_account, (*state, org, self.enforce, *management, fresh, resource_policies))
        if fresh:
            return (_restore_account, (*state, org, self.enforce, *management, True))
        if management != (False, None):
            return (_restore_account, (*state, org, self.enforce, *management))
        if self.enforce != "on":
            return (_restore_account, (*state, org, self.enforce))
        return (_restore_account, (*state, org) if org else state)

    def __repr__(self) -> str:
        c = self.counts()
        alias = f" ({self.alias})" if self.alias else ""
        return (
            f"<Account {self.account_id}{alias}: {c['users']} users, {c['groups']} groups, "
            f"{c['roles']} roles, {c['policies']} policies>"
        )

    def _repr_html_(self) -> str:
        d = self.to_authorization_details()
        esc = html.escape

        def names(items: list[dict[str, Any]], key: str) -> str:
            shown = ", ".join(esc(str(i.get(key, ""))) for i in items[:20])
            more = f" … (+{len(items) - 20})" if len(items) > 20 else ""
            return shown + more

        aws = [p for p in d.get("Policies", []) if str(p.get("Arn", "")).startswith("arn:aws:iam::aws:")]
        local = [p for p in d.get("Policies", []) if p not in aws]
        rows = [
            ("Users", d.get("UserDetailList", []), "UserName"),
            ("Groups", d.get("GroupDetailList", []), "GroupName"),
            ("Roles", d.get("RoleDetailList", []), "RoleName"),
            ("Customer managed policies", local, "PolicyName"),
            ("AWS managed policies listed", aws, "PolicyName"),
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{esc(label)}</th><td style='text-align:right'>{len(items)}</td>"
            f"<td style='text-align:left'>{names(items, key)}</td></tr>"
            for label, items, key in rows
        )
        alias = f" ({esc(self.alias)})" if self.alias else ""
        return (
            f"<div class='iamkit-account'><strong>Account {esc(self.account_id)}{alias}</strong>"
            "<table><thead><tr><th style='text-align:left'>kind</th><th style='text-align:right'>count</th>"
            "<th style='text-align:left'>names</th></tr></thead>"
            f"<tbody>{body}</tbody></table></div>"
        )


class AnalysisAccount:
    """An :class:`Account` packed for analysis in another process (``executor=``): it pickles
    as the account's authorization details with every policy document as its exact text, so
    the copy's analyses (statement positions included) are the original's. Like the account's
    own pickle it holds no secret; unlike it, for an imported account changed since, the
    copy's ``to_authorization_details()`` shows the changed documents as JSON strings, which is
    why it is for analysis only."""

    __slots__ = ("account",)

    def __init__(self, account: Account) -> None:
        self.account = account

    def __reduce__(self) -> tuple[Any, ...]:
        return self.account._reduce(exact=True)


def _restore_account(
    account_id: str,
    alias: str | None,
    details_json: str,
    org_policies: dict[str, list[list[_native.Policy]]] | None = None,
    enforce: str = "on",
    management_account: bool = False,
    organization_id: str | None = None,
    fresh: bool = False,
    resource_policies: list[tuple[str, str, str | None]] | None = None,
) -> Account:
    native = _native.NativeAccount.from_authorization_details_json(details_json, account_id)
    if fresh:
        native.forget_import_source()
    for arn, text, role in resource_policies or ():
        native.put_resource_policy(arn, text, role)
    acct = Account._wrap(native)
    if alias and native.alias is None:
        acct.client("iam").create_account_alias(AccountAlias=alias)
    if org_policies or management_account:
        org_policies = org_policies or {"scps": [], "rcps": []}
        acct.set_organization_policies(
            scps=org_policies["scps"],
            rcps=org_policies["rcps"],
            management_account=management_account,
            organization_id=organization_id,
        )
    native.enforce = enforce
    return acct


def _json_default(value: Any) -> Any:
    """boto3 gives dates as ``datetime``; the stored format has ISO 8601 text."""
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")


# Organizations errors that mean "no organization policies to load here".
_ORG_SKIP = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AWSOrganizationsNotInUseException",
        "PolicyTypeNotEnabledException",
        "PolicyTypeNotAvailableForOrganizationException",
        "UnsupportedAPIEndpointException",
        "ChildNotFoundException",
        "AccountNotFoundException",
        "TargetNotFoundException",
        "InvalidInputException",
    }
)


def _error_code(e: Exception) -> str | None:
    response = getattr(e, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


def _organization_policies(
    session: Any, account_id: str
) -> tuple[dict[str, list[list[_native.Policy]]], bool, str | None]:
    """The SCP and RCP levels (root first, account last) that apply to ``account_id``, whether
    it is the management account, and the organization id."""
    out: dict[str, list[list[_native.Policy]]] = {"scps": [], "rcps": []}
    management = False
    org_id: str | None = None
    try:
        org = session.client("organizations")
        # AWSOrganizationsNotInUseException outside an organization
        described = org.describe_organization().get("Organization", {})
        management = str(described.get("MasterAccountId", "")) == account_id
        org_id = str(described["Id"]) if described.get("Id") else None
        # Targets from the root down to the account.
        targets = [account_id]
        child = account_id
        for _ in range(10):  # OUs nest at most five deep
            parents = org.list_parents(ChildId=child).get("Parents", [])
            if not parents:
                break
            child = str(parents[0]["Id"])
            targets.append(child)
            if parents[0].get("Type") == "ROOT":
                break
        targets.reverse()
    except Exception as e:
        if _error_code(e) in _ORG_SKIP:
            return out, False, None
        raise
    cache: dict[str, _native.Policy] = {}
    for key, filter_name, policy_type in (
        ("scps", "SERVICE_CONTROL_POLICY", "scp"),
        ("rcps", "RESOURCE_CONTROL_POLICY", "rcp"),
    ):
        levels: list[list[_native.Policy]] = []
        try:
            for target in targets:
                level: list[_native.Policy] = []
                pages = org.get_paginator("list_policies_for_target").paginate(
                    TargetId=target, Filter=filter_name
                )
                for page in pages:
                    for summary in page.get("Policies", []):
                        pid = str(summary["Id"])
                        if pid not in cache:
                            content = org.describe_policy(PolicyId=pid)["Policy"]["Content"]
                            cache[pid] = _native.Policy.from_json(
                                content, policy_type=policy_type, name=str(summary.get("Name", pid))
                            )
                        level.append(cache[pid])
                levels.append(level)
        except Exception as e:
            if _error_code(e) in _ORG_SKIP:
                continue
            raise
        if any(levels):
            out[key] = levels
    return out, management, org_id
