"""The risk report: findings by category, with the principals, the statements and the paths.

Categories follow cloudsplaining's documented risk categories (salesforce/cloudsplaining,
README "Overview": Data Exfiltration, Infrastructure Modification, Resource Exposure,
Privilege Escalation, Credentials Exposure), each defined here by the actions that put a
principal in it:

- **privilege escalation**: the principal is not an admin but a path of the reach graph makes
  it one (Rhino Security Labs' and PMapper's methods; see :mod:`iamkit._reach`);
- **data exfiltration**: reads of stored data and secrets allowed on every resource (``*``):
  ``s3:GetObject``, ``ssm:GetParameter(s|sByPath)``, ``secretsmanager:GetSecretValue`` (the
  examples cloudsplaining names) and ``kms:Decrypt``;
- **resource exposure**: actions of access level *Permissions management* (the service
  authorization reference's level for actions that change resource-based policies and IAM
  permissions) allowed on every resource;
- **infrastructure modification**: actions of access level *Write* allowed on every resource;
- **credentials exposure**: actions whose response carries credentials or secrets (the AWS API
  reference of each: access keys, session tokens, passwords, registry tokens) allowed on every
  resource.

Admins (by their own permissions) and service-linked roles are listed in their own sections
and left out of the categories: an admin is in every category, and a service-linked role's
permissions belong to its service.

Exclusions (JSON, or the YAML subset ``key:`` followed by ``- value`` lines) drop findings:
``principals`` (ARNs, names or glob patterns), ``paths`` (IAM path patterns such as
``/aws-service-role/*``), ``policies`` (policy names or patterns: grants from these policies do
not count) and ``actions`` (action patterns).
"""

from __future__ import annotations

import csv
import fnmatch
import html
import io
import json
import os
from typing import TYPE_CHECKING, Any

from iamkit import _reach

if TYPE_CHECKING:
    from iamkit._account import Account

__all__ = ["CATEGORIES", "RiskReport", "load_exclusions", "risk_report"]

CATEGORIES: dict[str, dict[str, Any]] = {
    "privilege_escalation": {
        "title": "Privilege escalation",
        "what": "Not an admin, but a path of edges makes it one.",
        "source": "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/",
    },
    "data_exfiltration": {
        "title": "Data exfiltration",
        "what": "Reads stored data or secrets on every resource.",
        "actions": [
            "s3:GetObject",
            "ssm:GetParameter",
            "ssm:GetParameters",
            "ssm:GetParametersByPath",
            "secretsmanager:GetSecretValue",
            "kms:Decrypt",
        ],
        "source": "https://github.com/salesforce/cloudsplaining#overview",
    },
    "resource_exposure": {
        "title": "Resource exposure",
        "what": "Permissions-management actions (resource-based policies, IAM) on every resource.",
        "access_level": "Permissions management",
        "source": "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_understand-policy-summary-access-level-summaries.html",
    },
    "infrastructure_modification": {
        "title": "Infrastructure modification",
        "what": "Write actions on every resource.",
        "access_level": "Write",
        "source": "https://github.com/salesforce/cloudsplaining#overview",
    },
    "credentials_exposure": {
        "title": "Credentials exposure",
        "what": "Actions whose response carries credentials or secrets, on every resource.",
        "actions": [
            "iam:CreateAccessKey",
            "iam:UpdateAccessKey",
            "iam:CreateLoginProfile",
            "iam:UpdateLoginProfile",
            "iam:CreateServiceSpecificCredential",
            "iam:ResetServiceSpecificCredential",
            "sts:GetSessionToken",
            "sts:GetFederationToken",
            "ecr:GetAuthorizationToken",
            "redshift:GetClusterCredentials",
            "ec2:GetPasswordData",
            "lightsail:GetInstanceAccessDetails",
            "cognito-identity:GetCredentialsForIdentity",
            "sso:GetRoleCredentials",
        ],
        "source": "https://github.com/salesforce/cloudsplaining#overview",
    },
}

_EXCLUSION_KEYS = ("principals", "paths", "policies", "actions")


def _parse_yaml_lists(text: str, where: str) -> dict[str, list[str]]:
    """The YAML subset of exclusion files: ``key:`` lines each followed by ``- value`` lines."""
    out: dict[str, list[str]] = {}
    key: str | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        s = line.strip()
        if s.startswith("- "):
            if key is None:
                raise ValueError(f"{where}:{n}: a '- value' line before any 'key:' line")
            out[key].append(s[2:].strip().strip("'\""))
        elif s.endswith(":") and not line.startswith((" ", "\t")):
            key = s[:-1].strip()
            out[key] = []
        else:
            raise ValueError(f"{where}:{n}: expected 'key:' or '- value', got {s!r}")
    return out


def load_exclusions(source: str | os.PathLike[str] | dict[str, Any] | None) -> dict[str, list[str]]:
    """Exclusions from a dict or a JSON / YAML file: ``{"principals", "paths", "policies",
    "actions"}``, each a list of strings (glob patterns allowed). Unknown keys are an error."""
    if source is None:
        return {k: [] for k in _EXCLUSION_KEYS}
    if isinstance(source, dict):
        data: Any = source
        where = "exclusions"
    else:
        where = os.fspath(source)
        with open(source, encoding="utf-8") as f:
            text = f.read()
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = _parse_yaml_lists(text, where)
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object with keys {', '.join(_EXCLUSION_KEYS)}")
    unknown = sorted(set(data) - set(_EXCLUSION_KEYS))
    if unknown:
        raise ValueError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(_EXCLUSION_KEYS)})"
        )
    out: dict[str, list[str]] = {}
    for k in _EXCLUSION_KEYS:
        v = data.get(k, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise ValueError(f"{where}: {k!r} must be a list of strings")
        out[k] = v
    return out


def _match(value: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


def _iam_path(arn: str) -> str:
    resource = arn.split(":", 5)[-1]
    parts = resource.split("/")
    return "/" + "".join(p + "/" for p in parts[1:-1])


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


class RiskReport:
    """Findings by category (see the module docs) with admins and service-linked roles apart.
    ``to_json()``, ``to_csv()``, ``to_html()``; an HTML view in Jupyter."""

    def __init__(
        self,
        account_id: str,
        findings: list[dict[str, Any]],
        admins: list[dict[str, Any]],
        service_linked: list[str],
        excluded: list[str],
        graph: _reach.ReachGraph,
    ) -> None:
        self.account_id = account_id
        self.findings = findings
        self.admins = admins
        self.service_linked = service_linked
        self.excluded = excluded
        self.graph = graph

    def counts(self) -> dict[str, int]:
        """Number of principals per category."""
        out = dict.fromkeys(CATEGORIES, 0)
        for f in self.findings:
            out[f["category"]] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account_id,
            "categories": CATEGORIES,
            "counts": self.counts(),
            "admins": self.admins,
            "service_linked_roles": self.service_linked,
            "excluded_principals": self.excluded,
            "findings": self.findings,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_csv(self) -> str:
        """One row per finding: category, principal, count, actions, policies, path."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["category", "principal", "actions_count", "actions", "policies", "path"])
        for a in self.admins:
            w.writerow(["admin", a["principal"], "", "", a["method"], ""])
        for f in self.findings:
            policies = sorted({s.get("policy") or "" for s in f["statements"]})
            w.writerow(
                [
                    f["category"],
                    f["principal"],
                    len(f["actions"]),
                    " ".join(f["actions"]),
                    " ".join(p for p in policies if p),
                    " ; ".join(str(_reach.Step(s)) for s in f.get("path", [])),
                ]
            )
        return buf.getvalue()

    def summary(self) -> str:
        c = self.counts()
        parts = ", ".join(f"{CATEGORIES[k]['title'].lower()} {v}" for k, v in c.items())
        return (
            f"account {self.account_id}: {len(self.admins)} admins, {len(self.service_linked)} "
            f"service-linked roles apart; principals by category: {parts}"
        )

    def to_html(self) -> str:
        """One standalone HTML page: inline CSS and SVG, no script or network access."""
        e = html.escape
        esc = [f for f in self.findings if f["category"] == "privilege_escalation"]
        paths = [
            _reach.ReachPath(
                principal=f["principal"],
                target=f["target"],
                access=f["access"],
                steps=[_reach.Step(s) for s in f["path"]],
            )
            for f in esc
        ]
        svg = _reach.escalation_svg(paths, {n["arn"]: n for n in self.graph.nodes})
        parts = [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>iamkit risk report — {e(self.account_id)}</title><style>",
            "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
            "table{border-collapse:collapse;margin:.5em 0 1.5em}"
            "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top;font-size:13px}"
            "th{background:#f3f3f3}code{font-size:12px}.cond{color:#b7791f}"
            "summary{cursor:pointer}.svg{overflow:auto;border:1px solid #ddd;padding:6px}",
            "</style></head><body>",
            f"<h1>iamkit risk report — account {e(self.account_id)}</h1>",
            f"<p>{e(self.summary())}</p>",
            "<table><tr><th>category</th><th>principals</th><th>definition</th></tr>",
        ]
        for k, v in self.counts().items():
            cat = CATEGORIES[k]
            parts.append(
                f"<tr><td><a href='#{k}'>{e(cat['title'])}</a></td><td>{v}</td>"
                f"<td>{e(cat['what'])} <a href='{e(cat['source'])}'>source</a></td></tr>"
            )
        parts.append("</table><h2>Escalation paths</h2><div class='svg'>" + svg + "</div>")
        parts.append("<h2>Admins</h2><table><tr><th>principal</th><th>how</th><th>statements</th></tr>")
        for a in self.admins:
            st = "<br>".join(e(x) for x in a["statements"])
            parts.append(f"<tr><td>{e(a['principal'])}</td><td>{e(a['method'])}</td><td>{st}</td></tr>")
        parts.append("</table>")
        for k, cat in CATEGORIES.items():
            rows = [f for f in self.findings if f["category"] == k]
            parts.append(f"<h2 id='{k}'>{e(cat['title'])} ({len(rows)})</h2>")
            parts.append("<table><tr><th>principal</th><th>what</th><th>statements</th></tr>")
            for f in rows:
                if k == "privilege_escalation":
                    what = "<br>".join(e(str(_reach.Step(s))) for s in f["path"])
                else:
                    what = f"{len(f['actions'])} actions<details><summary>list</summary><code>"
                    what += "<br>".join(e(a) for a in f["actions"]) + "</code></details>"
                st = "<br>".join(e(_reach._statement_text(s)) for s in f["statements"][:20])
                cls = " class='cond'" if f.get("access") == "conditional" else ""
                parts.append(f"<tr{cls}><td>{e(f['principal'])}</td><td>{what}</td><td>{st}</td></tr>")
            parts.append("</table>")
        parts.append("<h2>Service-linked and service-managed roles (apart)</h2><ul>")
        parts.extend(f"<li>{e(r)}</li>" for r in self.service_linked)
        parts.append("</ul>")
        if self.excluded:
            parts.append("<h2>Excluded principals</h2><ul>")
            parts.extend(f"<li>{e(r)}</li>" for r in self.excluded)
            parts.append("</ul>")
        parts.append(
            "<p><small>Generated by iamkit. Conditional findings (amber) hold only for some "
            "request contexts.</small></p></body></html>"
        )
        return "".join(parts)

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, str]:
        """Writes ``report.html``, ``report.json`` and ``report.csv`` into ``out_dir``."""
        os.makedirs(out_dir, exist_ok=True)
        written = {}
        for ext, text in (("html", self.to_html()), ("json", self.to_json()), ("csv", self.to_csv())):
            path = os.path.join(out_dir, f"report.{ext}")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            written[ext] = path
        return written

    def __repr__(self) -> str:
        return f"<RiskReport {self.summary()}>"

    def _repr_html_(self) -> str:
        body = self.to_html()
        return body[body.index("<body>") + 6 : body.index("</body>")]


def _statement_dicts(details: dict[str, Any], actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for a in actions:
        for g in a["grants"]:
            st = details["statements"][g["statement"]]
            seen.setdefault(
                g["statement"],
                {
                    "policy": st["policy"],
                    "layer": "identity",
                    "statement": st["statement"],
                    "sid": st.get("sid"),
                    "effect": "Allow",
                    "attached_via": st.get("source"),
                },
            )
    return list(seen.values())


def risk_report(account: Account, exclusions: Any = None) -> RiskReport:
    """The risk report of ``account`` (see the module docs). ``exclusions``: a dict, a path of
    a JSON / YAML file, or ``None``."""
    from iamkit import _analysis

    ex = load_exclusions(exclusions)
    graph = _reach.reach_graph(account)
    findings: list[dict[str, Any]] = []
    admins: list[dict[str, Any]] = []
    slr: list[str] = []
    excluded: list[str] = []
    wanted = {k: set(v.get("actions", [])) for k, v in CATEGORIES.items()}
    for node in graph.nodes:
        p = node["arn"]
        if node["kind"] not in ("user", "role"):
            continue
        if (
            _match(p, ex["principals"])
            or _match(_name(p), ex["principals"])
            or _match(_iam_path(p), ex["paths"])
        ):
            excluded.append(p)
            continue
        if node["service_linked"]:
            slr.append(p)
            continue
        if node.get("admin"):
            grant = node["admin"]
            admins.append(
                {
                    "principal": p,
                    "method": grant["method"],
                    "access": grant["access"],
                    "statements": [
                        f"{ev['action']} on {ev['resource']}: {_reach._statement_text(s)}"
                        for ev in grant["evidence"]
                        for s in ev["statements"]
                    ],
                }
            )
            continue
        esc = graph.escalations(p)
        if esc:
            e0 = esc[0]
            stmts = [s for step in e0.steps for ev in step["evidence"] for s in ev["statements"]]
            used = sorted({ev["action"] for step in e0.steps for ev in step["evidence"]})
            # A path that needs an excluded policy or action is excluded with it.
            if not any(_match(s.get("policy") or "", ex["policies"]) for s in stmts) and not any(
                _match(a, ex["actions"]) for a in used
            ):
                findings.append(
                    {
                        "category": "privilege_escalation",
                        "principal": p,
                        "target": e0.target,
                        "access": e0["access"],
                        "actions": used,
                        "statements": stmts,
                        "path": [dict(s) for s in e0.steps],
                    }
                )
        details = _analysis.what_can_details(account, p)
        for cat, spec in CATEGORIES.items():
            if cat == "privilege_escalation":
                continue
            hits = []
            for a in details["actions"]:
                if _match(a["action"], ex["actions"]):
                    continue
                in_cat = a["action"] in wanted[cat] or a["access_level"] == spec.get("access_level")
                if not in_cat:
                    continue
                grants = [
                    g
                    for g in a["grants"]
                    if "*" in g["resources"]
                    and not _match(details["statements"][g["statement"]]["policy"], ex["policies"])
                ]
                if grants:
                    hits.append({**a, "grants": grants})
            if hits:
                access = "allowed" if any(h["access"] == "allowed" for h in hits) else "conditional"
                findings.append(
                    {
                        "category": cat,
                        "principal": p,
                        "access": access,
                        "actions": sorted(h["action"] for h in hits),
                        "statements": _statement_dicts(details, hits),
                        "path": [],
                    }
                )
    return RiskReport(account.account_id, findings, admins, slr, excluded, graph)
