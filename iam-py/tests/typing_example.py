"""A small typed user script: `mypy --strict` must accept it against the installed stubs."""

from __future__ import annotations

import iamkit

TEXT = (
    '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'
)


def errors_of(text: str) -> list[str]:
    findings: iamkit.FindingList = iamkit.validate(text, policy_type="identity")
    return [f"{f.line}:{f.column} {f.code}" for f in findings if f.severity == "ERROR"]


def load(text: str | bytes) -> iamkit.Policy | None:
    try:
        return iamkit.Policy.from_json(text, policy_type="identity", name="example")
    except iamkit.PolicyParseError as e:
        line: int = e.line
        print(line, e.code, e.message)
        return None


def save_ok(text: str) -> bool:
    try:
        iamkit.check_iam_policy(text, kind="managed")
    except iamkit.MalformedPolicyDocument as e:
        message: str = e.message
        print(message)
        return False
    return True


def decide(policy: iamkit.Policy) -> bool:
    result: iamkit.EvaluationResult = iamkit.evaluate(
        action="s3:GetObject",
        resource="arn:aws:s3:::bucket/key",
        principal="arn:aws:iam::111122223333:user/alice",
        context={"aws:SourceIp": "203.0.113.1", "aws:MultiFactorAuthPresent": True},
        identity_policies=[policy],
    )
    matched: list[dict[str, object]] = list(result.matched_statements)
    print(result.decision, len(matched), result.explain())
    engine = iamkit.Engine(identity_policies=[policy, TEXT])
    decisions: list[str] = engine.evaluate_many(actions=["s3:GetObject"], resources=["*"])
    response = iamkit.simulate_custom_policy(PolicyInputList=[TEXT], ActionNames=["s3:GetObject"])
    print(decisions, response["EvaluationResults"][0]["EvalDecision"])
    return result.allowed


if __name__ == "__main__":
    p = load(TEXT)
    if p is not None:
        print(errors_of(p.text), save_ok(p.to_json()), decide(p), iamkit.__version__)
        for s in p.statements:
            print(s.sid, s.effect, s.actions, s.line)
