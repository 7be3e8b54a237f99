"""``iamkit.Server``: the local IAM and STS endpoint (AWS Query protocol, SigV4) in a background
thread, for tests and scripts — like moto's threaded server, but enforcing with AWS's logic.

>>> import iamkit
>>> with iamkit.Server() as server:  # doctest: +SKIP
...     iam = boto3.client("iam", endpoint_url=server.url, region_name="us-east-1",
...                        **server.root_credentials)
...     iam.create_user(UserName="alice")
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

from iamkit import _native
from iamkit._account import Account

__all__ = ["RootCredentials", "Server"]


class RootCredentials(dict[str, str]):
    """The root user's access key as a dict (``aws_access_key_id``, ``aws_secret_access_key``)
    that can be splatted into ``boto3.client(...)``; its ``repr`` hides the secret."""

    def __repr__(self) -> str:
        key = self.get("aws_access_key_id")
        return f"RootCredentials(aws_access_key_id={key!r}, aws_secret_access_key=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("root credentials cannot be pickled: the secret stays in memory only")


class Server:
    """A running IAM + STS endpoint for one account.

    ``Server(account=None, *, host="127.0.0.1", port=0, state=None, enforce="on")``:

    - ``account``: the :class:`iamkit.Account` to serve. The server shares it: changes made
      through ``account.client(...)`` are seen by HTTP callers and vice versa. ``None`` serves
      the account kept in ``state``, or a new in-memory account.
    - ``port=0`` picks a free port; :attr:`url` tells which.
    - ``state``: a directory holding the account durably (created on first start with the
      root user's access key written as profile ``default`` to ``STATE/root-credentials``,
      mode 0600; every acknowledged change made over HTTP is journaled before its response).
      Cannot be combined with ``account``. ``None``: nothing is written to disk.
    - ``enforce``: ``"on"`` (denied calls fail with ``AccessDenied``), ``"soft"`` (they run,
      and the decision log marks them not enforced) or ``"off"``. It becomes the served
      account's :attr:`iamkit.Account.enforce`, so it applies to its Python clients too.
    - ``log``: a file to append the JSON-lines decision log to.
    - ``account_id`` (default ``"123456789012"``) / ``import_details`` (a path to
      ``get-account-authorization-details`` JSON, whose ARNs give the id when ``account_id`` is
      not given): the account a new state directory or in-memory server starts with; a state
      directory that already holds an account keeps it (see :attr:`warnings`).

    A context manager: leaving the ``with`` block stops the server (:meth:`stop`).
    """

    __slots__ = ("_account", "_native")

    def __init__(
        self,
        account: Account | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state: str | os.PathLike[str] | None = None,
        enforce: str = "on",
        log: str | os.PathLike[str] | None = None,
        account_id: str | None = None,
        import_details: str | os.PathLike[str] | None = None,
    ) -> None:
        if account is not None and not isinstance(account, Account):
            raise TypeError(f"account must be an iamkit.Account, not {type(account).__name__}")
        details: str | None = None
        if import_details is not None:
            from iamkit import _kinds

            details = _kinds.read_path(import_details, "a get-account-authorization-details JSON file")
            # Not a snapshot (a policy, a get-* response, empty, ...): WrongDocumentError naming
            # what it is, rather than an empty account.
            _kinds.snapshot_text(details, os.fspath(import_details))
        self._native = _native.Server(
            account._native if account is not None else None,
            host=host,
            port=port,
            state=os.fspath(state) if state is not None else None,
            enforce=enforce,
            log=os.fspath(log) if log is not None else None,
            account_id=account_id,
            import_details=details,
        )
        self._account = account if account is not None else Account._wrap(self._native.account)

    @property
    def url(self) -> str:
        """``http://HOST:PORT``: pass it as ``endpoint_url`` / ``--endpoint-url``."""
        return self._native.url

    @property
    def account(self) -> Account:
        """The live account served (the same object as the one passed in, if any)."""
        return self._account

    @property
    def root_credentials(self) -> RootCredentials | None:
        """The root user's access key: ``{"aws_access_key_id": ..., "aws_secret_access_key": ...}``
        (``None`` if a restarted state directory lost its ``root-credentials`` file)."""
        key = self._native.root_access_key_id
        secret = self._native.root_secret_access_key()
        if key is None or secret is None:
            return None
        return RootCredentials(aws_access_key_id=key, aws_secret_access_key=secret)

    @property
    def root_credentials_file(self) -> str | None:
        """``STATE/root-credentials`` (with a state directory), else ``None``."""
        return self._native.root_credentials_file

    @property
    def running(self) -> bool:
        """True until :meth:`stop`."""
        return self._native.running

    @property
    def warnings(self) -> list[str]:
        """Journaled calls that failed when the state directory was replayed (normally none)."""
        return self._native.warnings

    def advance_clock(self, seconds: int) -> None:
        """**Test hook**: moves the served account's clock ``seconds`` forward (cumulative), as
        if that much time had passed — sessions and their credentials expire (``ExpiredToken``),
        MFA codes change, new entities get later dates. Request signatures are still checked
        against the real time, since clients sign with their own clock. Only reachable from
        this process (never over HTTP) and not persisted: a restarted server reads the real
        clock again. ``ValueError`` for a negative ``seconds`` or a stopped server.

        ``with iamkit.Server() as s: ...; s.advance_clock(901)`` then makes a 900-second
        ``AssumeRole`` session answer ``ExpiredToken``.
        """
        self._native.advance_clock(int(seconds))

    def stop(self) -> None:
        """Stops the server; calls in progress finish first. Idempotent."""
        self._native.stop()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<iamkit.Server {self.url} ({state}) for account {self._account.account_id}>"

    def __reduce__(self) -> Any:
        raise TypeError("a running iamkit.Server cannot be pickled")
