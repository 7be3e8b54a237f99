//! `IpAddress` / `NotIpAddress` condition values: addresses and CIDR ranges.
//!
//! Rules (spec §3.2 IP; AWS operator page, "IP address condition operators":
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress>):
//! - standard CIDR notation, IPv4 (`203.0.113.0/24`) and IPv6 (`2001:DB8:1234:5678::/64`);
//! - a bare address is `/32` for IPv4 (documented) and `/128` for IPv6 (this spec's inference);
//! - host bits beyond the mask are ignored (masked off), and reported in
//!   [`Cidr::host_bits_set`] for Access Analyzer's `IMPROVE_IP_RANGE` suggestion;
//! - an IPv4 request never matches an IPv6 range and vice versa.
//!
//! **IPv4-mapped IPv6 (decision):** families are compared strictly. `::ffff:10.0.0.1` is an IPv6
//! address: it matches `::ffff:0:0/96` but not `10.0.0.0/8`, and `10.0.0.1` does not match
//! `::ffff:0:0/96`. AWS documents no conversion, and the spec says mixed families "simply do
//! not match" (spec §3.2 IP).
//!
//! Parsing is strict: IPv4 octets in canonical decimal (no leading zeros, as
//! [`std::net::Ipv4Addr`] reads them), prefix lengths in canonical decimal without sign or
//! leading zeros, no surrounding spaces, no zone ids (`%eth0`).

use super::{ValueError, ValueErrorKind};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn err(message: impl Into<String>) -> ValueError {
    ValueError::new(ValueErrorKind::Ip, message)
}

/// An IPv4 or IPv6 network in CIDR form.
///
/// ```
/// use iam_parser::values::parse_cidr;
/// let c = parse_cidr("203.0.113.7/24").unwrap();
/// assert_eq!(c.network.to_string(), "203.0.113.0");
/// assert_eq!(c.prefix, 24);
/// assert!(c.host_bits_set);
/// assert_eq!(c.to_string(), "203.0.113.0/24");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// The network address, host bits masked off.
    pub network: IpAddr,
    /// Prefix length: 0..=32 for IPv4, 0..=128 for IPv6.
    pub prefix: u8,
    /// True when the written address had bits set beyond the prefix (`10.1.2.3/8`).
    pub host_bits_set: bool,
}

/// Parses an IPv4/IPv6 address or CIDR (`a.b.c.d[/n]`, `v6[/n]`).
///
/// ```
/// use iam_parser::values::parse_cidr;
/// assert_eq!(parse_cidr("10.0.0.1").unwrap().prefix, 32);
/// assert_eq!(parse_cidr("2001:db8::1").unwrap().prefix, 128);
/// assert_eq!(parse_cidr("2001:DB8:1234:5678::/64").unwrap().network.to_string(), "2001:db8:1234:5678::");
/// assert!(parse_cidr("10.0.0.0/33").is_err());
/// assert!(parse_cidr(" 10.0.0.0/8").is_err());
/// ```
pub fn parse_cidr(s: &str) -> Result<Cidr, ValueError> {
    let (addr_text, prefix_text) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr = parse_ip(addr_text)?;
    let max = match addr {
        IpAddr::V4(_) => 32u8,
        IpAddr::V6(_) => 128u8,
    };
    let prefix = match prefix_text {
        None => max,
        Some(p) => parse_prefix(p, max)?,
    };
    let (network, host_bits_set) = mask(addr, prefix);
    Ok(Cidr {
        network,
        prefix,
        host_bits_set,
    })
}

fn parse_prefix(p: &str, max: u8) -> Result<u8, ValueError> {
    let b = p.as_bytes();
    if b.is_empty() || b.len() > 3 || !b.iter().all(u8::is_ascii_digit) {
        return Err(err(format!(
            "expected a prefix length 0-{max} after '/', found {p:?}"
        )));
    }
    if b.len() > 1 && b[0] == b'0' {
        return Err(err(format!("prefix length {p:?} has a leading zero")));
    }
    let v = b.iter().fold(0u32, |v, c| v * 10 + u32::from(c - b'0'));
    if v > u32::from(max) {
        return Err(err(format!("prefix length must be 0-{max}, found {v}")));
    }
    Ok(v as u8)
}

fn mask(addr: IpAddr, prefix: u8) -> (IpAddr, bool) {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            (IpAddr::V4(Ipv4Addr::from(bits & m)), bits & !m != 0)
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            (IpAddr::V6(Ipv6Addr::from(bits & m)), bits & !m != 0)
        }
    }
}

/// Parses a single IPv4 or IPv6 address (no prefix), e.g. a request's `aws:SourceIp`.
///
/// ```
/// use iam_parser::values::parse_ip;
/// assert!(parse_ip("192.0.2.1").unwrap().is_ipv4());
/// assert!(parse_ip("2001:db8::1").unwrap().is_ipv6());
/// assert!(parse_ip("192.0.2.01").is_err()); // leading zero
/// assert!(parse_ip("192.0.2.1/32").is_err());
/// ```
pub fn parse_ip(s: &str) -> Result<IpAddr, ValueError> {
    if s.contains(':') {
        s.parse::<Ipv6Addr>().map(IpAddr::V6).map_err(|_| {
            err(format!(
                "expected an IPv6 address such as 2001:db8::1, found {s:?}"
            ))
        })
    } else {
        s.parse::<Ipv4Addr>().map(IpAddr::V4).map_err(|_| {
            err(format!(
                "expected an IPv4 address such as 203.0.113.7, found {s:?}"
            ))
        })
    }
}

impl Cidr {
    /// True when `ip` lies in this network. Families never cross (see the
    /// [module docs](self) about IPv4-mapped IPv6).
    ///
    /// ```
    /// use iam_parser::values::parse_cidr;
    /// let c = parse_cidr("203.0.113.0/24").unwrap();
    /// assert!(c.contains(&"203.0.113.200".parse().unwrap()));
    /// assert!(!c.contains(&"203.0.114.1".parse().unwrap()));
    /// assert!(!c.contains(&"::ffff:203.0.113.1".parse().unwrap()));
    /// assert!(parse_cidr("0.0.0.0/0").unwrap().contains(&"8.8.8.8".parse().unwrap()));
    /// ```
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                mask(*ip, self.prefix).0 == self.network
            }
            _ => false,
        }
    }

    /// True when the whole range is private address space: RFC 1918 (`10.0.0.0/8`,
    /// `172.16.0.0/12`, `192.168.0.0/16`) or IPv6 unique-local `fc00::/7` (RFC 4193).
    /// Used for Access Analyzer's `PRIVATE_IP_ADDRESS` / `PRIVATE_NOT_IP_ADDRESS`
    /// (spec §3.7). A range that only overlaps private space (`0.0.0.0/0`, `10.0.0.0/7`) is not
    /// private.
    ///
    /// ```
    /// use iam_parser::values::parse_cidr;
    /// assert!(parse_cidr("10.1.0.0/16").unwrap().is_private());
    /// assert!(parse_cidr("172.31.255.255").unwrap().is_private());
    /// assert!(!parse_cidr("172.32.0.0/16").unwrap().is_private());
    /// assert!(parse_cidr("fd00::/8").unwrap().is_private());
    /// assert!(!parse_cidr("0.0.0.0/0").unwrap().is_private());
    /// ```
    pub fn is_private(&self) -> bool {
        const V4: [(Ipv4Addr, u8); 3] = [
            (Ipv4Addr::new(10, 0, 0, 0), 8),
            (Ipv4Addr::new(172, 16, 0, 0), 12),
            (Ipv4Addr::new(192, 168, 0, 0), 16),
        ];
        let ranges_v6 = [(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7u8)];
        match self.network {
            IpAddr::V4(_) => V4.iter().any(|&(net, p)| {
                self.prefix >= p
                    && Cidr {
                        network: IpAddr::V4(net),
                        prefix: p,
                        host_bits_set: false,
                    }
                    .contains(&self.network)
            }),
            IpAddr::V6(_) => ranges_v6.iter().any(|&(net, p)| {
                self.prefix >= p
                    && Cidr {
                        network: IpAddr::V6(net),
                        prefix: p,
                        host_bits_set: false,
                    }
                    .contains(&self.network)
            }),
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl std::str::FromStr for Cidr {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_cidr(s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses() {
        let c = parse_cidr("10.1.2.3/8").unwrap();
        assert_eq!(
            (c.network, c.prefix, c.host_bits_set),
            (ip("10.0.0.0"), 8, true)
        );
        let c = parse_cidr("10.0.0.0/8").unwrap();
        assert!(!c.host_bits_set);
        let c = parse_cidr("0.0.0.0/0").unwrap();
        assert_eq!(c.prefix, 0);
        let c = parse_cidr("::/0").unwrap();
        assert_eq!(c.prefix, 0);
        let c = parse_cidr("2001:db8::1/64").unwrap();
        assert_eq!((c.network, c.host_bits_set), (ip("2001:db8::"), true));
        let c = parse_cidr("::ffff:1.2.3.4/128").unwrap();
        assert!(c.network.is_ipv6());
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "/",
            "10.0.0.0/",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0.0/08",
            "10.0.0.0/8 ",
            " 10.0.0.0",
            "10.0.0",
            "10.0.0.0.0",
            "256.0.0.0",
            "01.0.0.0",
            "10.0.0.0/8/8",
            "fe80::1%eth0",
            "2001:db8:::1",
            "abc",
            "10.0.0.0/1000",
        ] {
            assert!(parse_cidr(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn contains() {
        let c = parse_cidr("192.168.0.0/16").unwrap();
        assert!(c.contains(&ip("192.168.255.1")));
        assert!(!c.contains(&ip("192.169.0.1")));
        assert!(!c.contains(&ip("::ffff:192.168.0.1")));
        let c6 = parse_cidr("::ffff:0:0/96").unwrap();
        assert!(c6.contains(&ip("::ffff:192.168.0.1")));
        assert!(!c6.contains(&ip("192.168.0.1")));
        let exact = parse_cidr("203.0.113.5").unwrap();
        assert!(exact.contains(&ip("203.0.113.5")));
        assert!(!exact.contains(&ip("203.0.113.6")));
    }

    #[test]
    fn private() {
        for p in [
            "10.0.0.0/8",
            "10.255.255.255",
            "172.16.0.0/12",
            "172.20.1.0/24",
            "192.168.1.1",
            "fc00::/7",
            "fd12::1",
        ] {
            assert!(parse_cidr(p).unwrap().is_private(), "{p}");
        }
        for p in [
            "10.0.0.0/7",
            "172.0.0.0/8",
            "8.8.8.8",
            "192.169.0.0/16",
            "fe80::/10",
            "::/0",
            "2001:db8::/32",
        ] {
            assert!(!parse_cidr(p).unwrap().is_private(), "{p}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,48}") {
            let _ = parse_cidr(&s);
            let _ = parse_ip(&s);
        }

        #[test]
        fn never_panics_ipish(s in "[0-9a-fA-F:./%]{0,48}") {
            if let Ok(c) = parse_cidr(&s) {
                proptest::prop_assert!(c.contains(&c.network));
            }
        }

        #[test]
        fn v4_masking(a in proptest::prelude::any::<u32>(), p in 0u8..=32) {
            let text = format!("{}/{}", Ipv4Addr::from(a), p);
            let c = parse_cidr(&text).unwrap();
            proptest::prop_assert!(c.contains(&IpAddr::V4(Ipv4Addr::from(a))));
            proptest::prop_assert_eq!(parse_cidr(&c.to_string()).unwrap().host_bits_set, false);
        }
    }
}
