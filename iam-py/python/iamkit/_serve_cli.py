"""``iamkit serve``: the local IAM and STS endpoint on the command line."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

ENFORCE_MODES = ("on", "soft", "off")


def default_state_dir() -> Path:
    """``$XDG_DATA_HOME/iamkit/serve``, else ``~/.local/share/iamkit/serve``."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "iamkit" / "serve"


def add_command(sub: Any) -> None:
    """Adds ``serve`` to the ``iamkit`` subcommands."""
    s = sub.add_parser(
        "serve",
        help="serve IAM and STS on a local port (AWS Query protocol, SigV4) for the AWS CLI and SDKs",
        description=(
            "Serve one account's IAM and STS APIs over HTTP for the real AWS CLI and SDKs: requests "
            "are verified with SigV4 against the account's keys and authorized with AWS's policy "
            "evaluation logic. On first start the root user's access key is written as profile "
            "'default' to STATE/root-credentials (mode 0600). Every acknowledged change is durable "
            "in STATE. Runs until SIGINT or SIGTERM. Example: "
            "AWS_SHARED_CREDENTIALS_FILE=STATE/root-credentials AWS_CONFIG_FILE=STATE/config "
            "aws --endpoint-url URL iam list-users"
        ),
    )
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=0, help="port (default: 0, a free port)")
    s.add_argument(
        "--state",
        metavar="DIR",
        default=None,
        help=f"state directory (default: {default_state_dir()})",
    )
    s.add_argument(
        "--account-id",
        default=None,
        metavar="ID",
        help="account id of a new account (default: 123456789012, or the ids in --import's ARNs)",
    )
    s.add_argument(
        "--import",
        dest="import_details",
        metavar="GAAD.json",
        default=None,
        help="start a new account from `aws iam get-account-authorization-details` output",
    )
    s.add_argument(
        "--enforce",
        choices=ENFORCE_MODES,
        default="on",
        help="on: deny as AWS does; soft: let denied calls run and log them; off: no authorization",
    )
    s.add_argument("--log", metavar="FILE", default=None, help="append a JSON-lines decision log to FILE")
    s.set_defaults(func=cmd_serve)


def cmd_serve(args: Any, out: TextIO) -> int:
    """Runs the endpoint until SIGINT/SIGTERM; exit code 0 after a clean shutdown."""
    from iamkit._server import Server
    from iamkit.cli import EXIT_OK, UsageError

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, not {args.port}")
    state = Path(args.state) if args.state else default_state_dir()
    try:
        server = Server(
            host=args.host,
            port=args.port,
            state=state,
            enforce=args.enforce,
            log=args.log,
            account_id=args.account_id,
            import_details=args.import_details,
        )
    except (OSError, ValueError) as e:
        raise UsageError(str(e)) from e
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        creds = server.root_credentials_file or "(root-credentials file missing)"
        print(
            f"iamkit serve: {server.url} account {server.account.account_id} "
            f"root credentials {creds} (profile default)",
            file=out,
            flush=True,
        )
        # Standard output carries exactly the one line above; anything else goes to stderr.
        for w in server.warnings:
            print(f"iamkit serve: warning: {w}", file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK
