//! `IpAddress` / `NotIpAddress` (spec §3.2 IP row): IPv4/IPv6 CIDR containment.

use iam_model::ConditionValue;
use iam_parser::values::{Cidr, parse_cidr, parse_ip};

pub(crate) fn compile(values: &[ConditionValue]) -> Vec<Option<Cidr>> {
    values.iter().map(|v| parse_cidr(&v.text).ok()).collect()
}

/// True when the request address lies in the policy range (host bits beyond the mask are
/// ignored; IPv4 never matches an IPv6 range).
pub(crate) fn matches(policy: &Option<Cidr>, request: &str) -> bool {
    let Some(c) = policy else { return false };
    parse_ip(request).is_ok_and(|ip| c.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec §3.2 IP / §10 item 36: CIDR, bare address = /32, host bits masked, v4 vs v6.
    #[test]
    fn cidr_rules() {
        let v = compile(&[
            ConditionValue::string("203.0.113.0/24"),
            ConditionValue::string("10.0.0.5/8"),
            ConditionValue::string("2001:DB8:1234:5678::/64"),
            ConditionValue::string("192.0.2.1"),
        ]);
        assert!(matches(&v[0], "203.0.113.77"));
        assert!(!matches(&v[0], "203.0.114.1"));
        assert!(matches(&v[1], "10.200.1.1"));
        assert!(matches(&v[2], "2001:db8:1234:5678::1"));
        assert!(!matches(&v[2], "203.0.113.77"));
        assert!(matches(&v[3], "192.0.2.1"));
        assert!(!matches(&v[3], "192.0.2.2"));
        assert!(!matches(&v[0], "not-an-ip"));
    }
}
