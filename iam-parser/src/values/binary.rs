//! `BinaryEquals` condition values: base64 text.
//!
//! The policy value is base64; the request's binary value is compared byte for byte against the
//! decoded bytes (spec §3.2 Binary; operator page, "Binary condition operators":
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_BinaryEquals>,
//! whose example value is `QmluYXJ5VmFsdWVJbkJhc2U2NA==`).
//!
//! Decoding is RFC 4648 §4 (standard alphabet `A-Z a-z 0-9 + /`) and strict:
//! - **padding is required** — the length must be a multiple of 4; unpadded text is rejected
//!   (AWS's example is padded; accepting both would make `BinaryEquals` values ambiguous to
//!   validators);
//! - `=` may only appear as one or two final characters;
//! - whitespace, line breaks and the URL-safe alphabet (`-`, `_`) are rejected;
//! - non-zero unused bits in the last group (`QR==`) are accepted and ignored, like Java's and
//!   most decoders (RFC 4648 §3.5 makes rejecting them optional).
//!
//! The empty string decodes to no bytes.

use super::{ValueError, ValueErrorKind};

fn err(message: impl Into<String>) -> ValueError {
    ValueError::new(ValueErrorKind::Binary, message)
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes padded standard base64 (see the [module docs](self) for the exact rules).
///
/// ```
/// use iam_parser::values::decode_base64;
/// assert_eq!(decode_base64("QmluYXJ5VmFsdWVJbkJhc2U2NA==").unwrap(), b"BinaryValueInBase64");
/// assert_eq!(decode_base64("").unwrap(), b"");
/// assert!(decode_base64("aGk").is_err());   // unpadded
/// assert!(decode_base64("a=Gk").is_err());  // '=' inside
/// assert!(decode_base64("aG k").is_err());  // whitespace
/// ```
pub fn decode_base64(s: &str) -> Result<Vec<u8>, ValueError> {
    let b = s.as_bytes();
    if b.len() % 4 != 0 {
        return Err(err(format!(
            "expected padded base64: the length must be a multiple of 4, found {} characters",
            b.len()
        )));
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let groups = b.len() / 4;
    for (g, chunk) in b.chunks_exact(4).enumerate() {
        let last = g + 1 == groups;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 0 && !last {
            return Err(err(format!(
                "'=' padding is only allowed at the end (found at group {})",
                g + 1
            )));
        }
        if pad > 2 {
            return Err(err("at most two '=' padding characters are allowed"));
        }
        let mut v: u32 = 0;
        for (k, &c) in chunk[..4 - pad].iter().enumerate() {
            match sextet(c) {
                Some(x) => v |= u32::from(x) << (18 - 6 * k),
                None => {
                    let at = g * 4 + k;
                    let ch = s
                        .get(at..)
                        .and_then(|r| r.chars().next())
                        .unwrap_or(char::REPLACEMENT_CHARACTER);
                    return Err(err(format!(
                        "invalid base64 character {ch:?} at byte {at}: expected A-Z, a-z, 0-9, '+', '/' or final '='"
                    )));
                }
            }
        }
        out.push((v >> 16) as u8);
        if pad < 2 {
            out.push((v >> 8) as u8);
        }
        if pad < 1 {
            out.push(v as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(decode_base64(enc).unwrap(), plain.as_bytes(), "{enc}");
        }
        assert_eq!(decode_base64("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn strict() {
        for bad in [
            "Zg", "Zg=", "Z===", "====", "Zg==Zg==", "Zm9v\n", " Zm9v", "Zm-_", "Zm9v====", "Zm9é",
            "=Zm9",
        ] {
            assert!(decode_base64(bad).is_err(), "{bad:?}");
        }
        // unused low bits are ignored
        assert_eq!(decode_base64("Zh==").unwrap(), b"f");
    }

    fn encode(data: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in data.chunks(3) {
            let v = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for k in 0..4 {
                if k <= c.len() {
                    s.push(char::from(A[((v >> (18 - 6 * k)) & 63) as usize]));
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = decode_base64(&s);
        }

        #[test]
        fn never_panics_b64ish(s in "[A-Za-z0-9+/=]{0,40}") {
            let _ = decode_base64(&s);
        }

        #[test]
        fn round_trip(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            proptest::prop_assert_eq!(decode_base64(&encode(&data)).unwrap(), data);
        }
    }
}
