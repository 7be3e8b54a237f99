"""Jupyter views: _repr_html_ of Policy, FindingList and EvaluationResult."""

from __future__ import annotations

import iamkit
from conftest import ALICE

EVIL = (
    '{"Version": "2012-10-17", "Statement": {"Sid": "x", "Effect": "Allow", "Action": "s3:Get<script>alert(1)</script>",'
    ' "Resource": "arn:aws:s3:::b/<img src=x onerror=alert(2)>",'
    ' "Condition": {"StringEquals": {"aws:username": "</td><script>alert(3)</script>"}}}}'
)


def _no_raw_tags(html: str) -> None:
    low = html.lower()
    assert "<script" not in low
    assert "<img" not in low


def test_policy_html_escapes_everything() -> None:
    p = iamkit.Policy.from_json(EVIL, name="<b>name</b>")
    html = p._repr_html_()
    _no_raw_tags(html)
    assert "<b>name" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;name&lt;/b&gt;" in html
    assert "<table" in html and "<style" not in html and "javascript" not in html.lower()


def test_policy_html_line_numbers_and_findings(policy_text: str) -> None:
    text = '{\n  "Version": "2012-10-17",\n  "Statement": {"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}\n}'
    html = iamkit.Policy.from_json(text)._repr_html_()
    assert "INVALID_ACTION" in html
    assert ">3</td>" in html and ">4</td>" in html
    assert "background:#fdecea" in html  # the erroneous line is highlighted
    assert html.count("<tr") == 4
    # keys and strings are coloured differently
    assert 'color:#0550ae">&quot;Version&quot;' in html
    assert 'color:#a31515">&quot;2012-10-17&quot;' in html


def test_finding_messages_are_escaped() -> None:
    text = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "<script>x</script>", "Resource": "*"}}'
    p = iamkit.Policy.from_json(text)
    assert any("<script>" in f.message for f in p.findings)
    for html in (p._repr_html_(), p.findings._repr_html_(), iamkit.validate(text)._repr_html_()):
        _no_raw_tags(html)
        assert "&lt;script&gt;" in html


def test_findings_table() -> None:
    fl = iamkit.validate('{"Statement": {"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}}')
    html = fl._repr_html_()
    assert html.count("<tr>") == 1 + len(fl)
    assert "MISSING_VERSION" in html and "INVALID_ACTION" in html
    assert "no findings" in iamkit.FindingList()._repr_html_()


def test_evaluation_html_escapes() -> None:
    r = iamkit.evaluate(
        action="s3:GetObject",
        resource="arn:aws:s3:::b/<script>alert(1)</script>",
        principal=ALICE,
        identity_policies=[
            '{"Version": "2012-10-17", "Statement": {"Sid": "S<script>", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}}'
        ],
    )
    html = r._repr_html_()
    _no_raw_tags(html)
    assert "ALLOWED" in html
    assert "identity" in html and "allow" in html
    assert "&#9733;" in html  # deciding statement marked
