//! Virtual MFA devices (issue #11 part 4): `CreateVirtualMFADevice` (a random Base32 seed and
//! the QR code PNG of its `otpauth://` URI), `EnableMFADevice` with two consecutive RFC 6238
//! codes, `ResyncMFADevice`, `DeactivateMFADevice`, `DeleteVirtualMFADevice`, `GetMFADevice`,
//! `ListVirtualMFADevices` and the device tags; plus the one-code check STS makes for
//! `GetSessionToken` / `AssumeRole` with `SerialNumber` and `TokenCode`.
//!
//! TOTP is RFC 6238 with AWS's parameters: HMAC-SHA1, 30-second steps from the Unix epoch,
//! 6 digits (IAM User Guide, "Assign a virtual MFA device": "a virtual MFA device that conforms
//! to the RFC 6238 standards-based TOTP algorithm"). A code is accepted once: a step at or
//! before the last accepted step of the device is refused (RFC 6238 §5.2: "the verifier MUST
//! NOT accept the second attempt of the same OTP after the successful validation has been
//! issued for the first OTP").
//!
//! The seed is a secret: held in a [`Secret`] (never in `Debug`, exports or pickles) and given
//! out once, by [`Account::create_virtual_mfa_device`].
//!
//! Sources: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateVirtualMFADevice.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableMFADevice.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ResyncMFADevice.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListVirtualMFADevices.html>,
//! <https://www.rfc-editor.org/rfc/rfc6238>.

use super::Account;
use hmac::{Hmac, Mac};
use iam_model::entities::{
    ErrorCode, IamError, MAX_MFA_DEVICES, MfaDevice, Secret, Tags, Timestamp, validate,
};
use sha1::Sha1;
use std::io::Write;

/// The TOTP time step (RFC 6238 `X`), seconds.
pub const TIME_STEP: i64 = 30;

/// How many steps either side of the device's expected step a single code may be from
/// (`GetSessionToken`, `AssumeRole`, `EnableMFADevice`). AWS does not publish its window
/// (UNSPECIFIED); RFC 6238 §5.2 recommends "at most one time step" of network delay, and one
/// step of clock drift either way is what authenticator apps need.
pub const VERIFY_WINDOW: i64 = 1;

/// How far (in steps, either way) `ResyncMFADevice` looks for the two consecutive codes: ten
/// minutes. AWS does not publish it (UNSPECIFIED); resynchronizing exists for devices whose
/// clocks drifted beyond the normal window.
pub const RESYNC_WINDOW: i64 = 20;

/// A virtual MFA device of the account: its serial number (ARN), its secret seed, and the user
/// it is assigned to once enabled.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualMfaDevice {
    /// `arn:aws:iam::ACCT:mfa/PATH/NAME`.
    pub serial_number: String,
    /// The Base32 seed (RFC 4648, no padding). Secret.
    pub(crate) seed: Secret,
    /// When it was created.
    pub create_date: Timestamp,
    /// The user it is assigned to (`EnableMFADevice`), by name.
    pub user: Option<String>,
    /// When it was enabled.
    pub enable_date: Option<Timestamp>,
    /// Tags (keys compare case-sensitively).
    pub tags: Tags,
    /// The last time step a code was accepted for (codes are accepted once).
    pub(crate) last_step: Option<i64>,
    /// Clock drift learned by `ResyncMFADevice`, in steps.
    pub(crate) drift: i64,
}

/// What `CreateVirtualMFADevice` returns: the only time the seed is given out. `Debug` shows
/// neither the seed nor the QR code (which encodes it).
#[derive(Clone)]
pub struct CreatedVirtualMfaDevice {
    /// `arn:aws:iam::ACCT:mfa/PATH/NAME`.
    pub serial_number: String,
    /// The Base32 seed (`Base32StringSeed`).
    pub base32_seed: Secret,
    /// A PNG of the QR code of `otpauth://totp/NAME@ACCOUNT?secret=SEED` (`QRCodePNG`). It
    /// encodes the seed: handle it as a secret.
    pub qr_code_png: Vec<u8>,
}

impl std::fmt::Debug for CreatedVirtualMfaDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedVirtualMfaDevice")
            .field("serial_number", &self.serial_number)
            .field("base32_seed", &self.base32_seed)
            .field(
                "qr_code_png",
                &format_args!("<{} bytes, redacted>", self.qr_code_png.len()),
            )
            .finish()
    }
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 Base32 of `bytes`, without padding.
///
/// ```
/// assert_eq!(iam_account::mfa::base32_encode(b"foobar"), "MZXW6YTBOI");
/// ```
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(B32[((buf >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(B32[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The bytes of RFC 4648 Base32 text (case-insensitive; `=` padding and spaces ignored);
/// `None` for any other character.
///
/// ```
/// assert_eq!(iam_account::mfa::base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
/// assert!(iam_account::mfa::base32_decode("MZ1").is_none());
/// ```
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        if c == b'=' || c == b' ' {
            continue;
        }
        let v = B32.iter().position(|&x| x == c.to_ascii_uppercase())?;
        buf = ((buf << 5) | v as u32) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xFF) as u8);
        }
    }
    Some(out)
}

/// RFC 4226 HOTP of `key` at `counter` with HMAC-SHA1, `digits` digits (dynamic truncation).
fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for HMAC.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    let code = bin % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The RFC 6238 TOTP code (HMAC-SHA1, 30 s, 6 digits) of a Base32 seed at Unix time `time`,
/// as an authenticator app shows it. `None` when the seed is not Base32.
///
/// ```
/// // RFC 6238 appendix B's key "12345678901234567890" at T = 59 s ("94287082" in 8 digits).
/// let seed = iam_account::mfa::base32_encode(b"12345678901234567890");
/// assert_eq!(iam_account::mfa::totp(&seed, 59).unwrap(), "287082");
/// ```
pub fn totp(base32_seed: &str, time: i64) -> Option<String> {
    let key = base32_decode(base32_seed)?;
    Some(hotp(&key, step_of(time).max(0) as u64, 6))
}

fn step_of(time: i64) -> i64 {
    time.div_euclid(TIME_STEP)
}

fn code_at(key: &[u8], step: i64) -> Option<String> {
    u64::try_from(step).ok().map(|s| hotp(key, s, 6))
}

fn invalid_code(serial: &str) -> IamError {
    // EnableMFADevice / ResyncMFADevice: InvalidAuthenticationCodeException (HTTP 403).
    let _ = serial;
    IamError::new(
        ErrorCode::InvalidAuthenticationCode,
        "Authentication code for device is not valid.",
    )
}

fn check_code_shape(field: &str, c: &str) -> Result<(), IamError> {
    if c.len() != 6 || !c.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IamError::validation(
            field,
            c,
            r"Member must satisfy regular expression pattern: [\d]+ and have length 6",
        ));
    }
    Ok(())
}

fn no_such_device(serial: &str) -> IamError {
    IamError::new(
        ErrorCode::NoSuchEntity,
        format!("MFA Device with serial number {serial} does not exist."),
    )
}

/// A minimal PNG encoder: 8-bit grayscale, one IDAT (zlib via flate2), CRC-32 per chunk
/// (PNG specification, ISO/IEC 15948).
fn png_grayscale(width: u32, height: u32, pixel: impl Fn(u32, u32) -> u8) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut raw = Vec::with_capacity(((width + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // filter type None
        for x in 0..width {
            raw.push(pixel(x, y));
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let idat: Vec<u8> = z
        .write_all(&raw)
        .and_then(|()| z.finish())
        .unwrap_or_default();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit, grayscale, deflate, adaptive, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// The QR code of `text` as a PNG: 4 pixels per module and a 4-module quiet zone.
fn qr_png(text: &str) -> Result<Vec<u8>, IamError> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| IamError::invalid_input(format!("cannot encode the QR code: {e}")))?;
    let modules = code.to_colors();
    let w = u32::try_from(code.width()).unwrap_or(0);
    const SCALE: u32 = 4;
    const QUIET: u32 = 4;
    let side = (w + 2 * QUIET) * SCALE;
    Ok(png_grayscale(side, side, |x, y| {
        let (mx, my) = (x / SCALE, y / SCALE);
        if mx < QUIET || my < QUIET || mx >= w + QUIET || my >= w + QUIET {
            return 255;
        }
        let i = ((my - QUIET) * w + (mx - QUIET)) as usize;
        match modules.get(i) {
            Some(qrcode::Color::Dark) => 0,
            _ => 255,
        }
    }))
}

/// Percent-encodes a URI path/query component (RFC 3986 unreserved characters kept).
fn uri_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl VirtualMfaDevice {
    /// Finds the step in `[center - window, center + window]` (after the last accepted step)
    /// whose code is `code2` and whose previous step's code is `code1` (`code1` `None`: one
    /// code).
    fn find_step(&self, center: i64, window: i64, code1: Option<&str>, code2: &str) -> Option<i64> {
        let key = base32_decode(self.seed.expose())?;
        (center - window..=center + window).find(|&s| {
            let first = code1.map_or(s, |_| s - 1);
            self.last_step.is_none_or(|l| first > l)
                && code_at(&key, s).is_some_and(|c| Secret::new(c).matches(code2))
                && code1.is_none_or(|c1| {
                    code_at(&key, s - 1).is_some_and(|c| Secret::new(c).matches(c1))
                })
        })
    }
}

impl Account {
    /// `CreateVirtualMFADevice`: a new device `arn:aws:iam::ACCT:mfa{path}{name}` with a random
    /// 40-byte seed (64 Base32 characters) and the QR code PNG of
    /// `otpauth://totp/NAME@ACCOUNT?secret=SEED` (API reference: "AccountName is the user name
    /// if set (otherwise, the account ID otherwise)"; iamkit uses the account alias, else the id).
    ///
    /// ```
    /// let mut a = iam_account::Account::new("111122223333").unwrap();
    /// let d = a.create_virtual_mfa_device("alice-phone", None, &[]).unwrap();
    /// assert_eq!(d.serial_number, "arn:aws:iam::111122223333:mfa/alice-phone");
    /// assert_eq!(d.base32_seed.expose().len(), 64);
    /// assert!(d.qr_code_png.starts_with(b"\x89PNG"));
    /// assert!(a.create_virtual_mfa_device("alice-phone", None, &[]).is_err());
    /// ```
    pub fn create_virtual_mfa_device(
        &mut self,
        name: &str,
        path: Option<&str>,
        tags: &[(String, String)],
    ) -> Result<CreatedVirtualMfaDevice, IamError> {
        validate::length("virtualMFADeviceName", name, 1, 226)?;
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
        {
            return Err(IamError::validation(
                "virtualMFADeviceName",
                name,
                r"Member must satisfy regular expression pattern: [\w+=,.@-]+",
            ));
        }
        let path = super::path_or_root(path)?;
        let serial = self.arn("mfa", &path, name);
        let mut t = Tags::case_sensitive();
        if !tags.is_empty() {
            t.tag(tags, "TagsPerMFADevice")?;
        }
        if self.virtual_mfa_devices.contains_key(&serial) {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                "MFADevice entity at the same path and name already exists.",
            ));
        }
        // Drawn like every other secret, so a write-ahead log replays the same seed.
        let seed = Secret::new(base32_encode(&super::secrets::random_bytes::<40>()?));
        let account_name = self.alias.clone().unwrap_or_else(|| self.id.clone());
        let uri = format!(
            "otpauth://totp/{}@{}?secret={}",
            uri_escape(name),
            uri_escape(&account_name),
            seed.expose()
        );
        let png = qr_png(&uri)?;
        self.virtual_mfa_devices.insert(
            serial.clone(),
            VirtualMfaDevice {
                serial_number: serial.clone(),
                seed: seed.clone(),
                create_date: self.clock.now(),
                user: None,
                enable_date: None,
                tags: t,
                last_step: None,
                drift: 0,
            },
        );
        Ok(CreatedVirtualMfaDevice {
            serial_number: serial,
            base32_seed: seed,
            qr_code_png: png,
        })
    }

    /// A virtual MFA device by serial number.
    pub fn get_virtual_mfa_device(&self, serial: &str) -> Result<&VirtualMfaDevice, IamError> {
        self.virtual_mfa_devices
            .get(serial)
            .ok_or_else(|| no_such_device(serial))
    }

    /// The virtual MFA devices, by serial number; `assigned`: `Some(true)` only assigned ones,
    /// `Some(false)` only unassigned ones (`ListVirtualMFADevices`' `AssignmentStatus`).
    pub fn list_virtual_mfa_devices(
        &self,
        assigned: Option<bool>,
    ) -> impl Iterator<Item = &VirtualMfaDevice> {
        self.virtual_mfa_devices
            .values()
            .filter(move |d| assigned.is_none_or(|a| d.user.is_some() == a))
    }

    /// `EnableMFADevice`: assigns the virtual MFA device `serial_number` to `user` when
    /// `code1` and `code2` are two consecutive codes of the device now (within
    /// [`VERIFY_WINDOW`] steps) not used before; ≤8 devices per user. The root user
    /// (`user` = `None`) cannot be given a device through the API (`UserName` is required).
    pub fn enable_mfa_device(
        &mut self,
        user: Option<&str>,
        serial_number: &str,
        code1: &str,
        code2: &str,
    ) -> Result<(), IamError> {
        validate::mfa_serial(serial_number)?;
        check_code_shape("authenticationCode1", code1)?;
        check_code_shape("authenticationCode2", code2)?;
        let Some(user) = user else {
            return Err(IamError::invalid_input(
                "The root user's MFA device is assigned in the console; EnableMFADevice needs a UserName.",
            ));
        };
        let user_name = self.get_user(user)?.name.clone();
        let now = self.clock.now();
        let d = self.get_virtual_mfa_device(serial_number)?;
        if d.user.is_some() {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("MFA device {serial_number} is already in use."),
            ));
        }
        if self.get_user(user)?.mfa_devices.len() >= MAX_MFA_DEVICES {
            return Err(IamError::quota("MFADevicesPerUser", MAX_MFA_DEVICES));
        }
        let step = d
            .find_step(step_of(now.0) + d.drift, VERIFY_WINDOW, Some(code1), code2)
            .ok_or_else(|| invalid_code(serial_number))?;
        if let Some(d) = self.virtual_mfa_devices.get_mut(serial_number) {
            d.user = Some(user_name.clone());
            d.enable_date = Some(now);
            d.last_step = Some(step);
        }
        self.user_mut(&user_name)?.mfa_devices.push(MfaDevice {
            serial_number: serial_number.to_string(),
            enable_date: now,
        });
        Ok(())
    }

    /// `ResyncMFADevice`: two consecutive codes found within [`RESYNC_WINDOW`] steps of now
    /// set the device's clock drift.
    pub fn resync_mfa_device(
        &mut self,
        user: &str,
        serial_number: &str,
        code1: &str,
        code2: &str,
    ) -> Result<(), IamError> {
        validate::mfa_serial(serial_number)?;
        check_code_shape("authenticationCode1", code1)?;
        check_code_shape("authenticationCode2", code2)?;
        let user_name = self.get_user(user)?.name.clone();
        let now = step_of(self.clock.now().0);
        let d = self
            .virtual_mfa_devices
            .get(serial_number)
            .filter(|d| d.user.as_deref() == Some(user_name.as_str()))
            .ok_or_else(|| no_such_device(serial_number))?;
        let step = d
            .find_step(now, RESYNC_WINDOW, Some(code1), code2)
            .ok_or_else(|| invalid_code(serial_number))?;
        if let Some(d) = self.virtual_mfa_devices.get_mut(serial_number) {
            d.drift = step - now;
            d.last_step = Some(step);
        }
        Ok(())
    }

    /// `DeactivateMFADevice`: unassigns the device from the user (`None` = the root user). A
    /// virtual device stays in the account, unassigned, until `DeleteVirtualMFADevice`.
    pub fn deactivate_mfa_device(
        &mut self,
        user: Option<&str>,
        serial_number: &str,
    ) -> Result<(), IamError> {
        validate::mfa_serial(serial_number)?;
        let devices = match user {
            Some(u) => &mut self.user_mut(u)?.mfa_devices,
            None => &mut self.root.mfa_devices,
        };
        let before = devices.len();
        devices.retain(|d| d.serial_number != serial_number);
        if devices.len() == before {
            return Err(no_such_device(serial_number));
        }
        if let Some(d) = self.virtual_mfa_devices.get_mut(serial_number) {
            d.user = None;
            d.enable_date = None;
            d.drift = 0;
        }
        Ok(())
    }

    /// `DeleteVirtualMFADevice`: only an unassigned device (`DeleteConflict` otherwise).
    pub fn delete_virtual_mfa_device(&mut self, serial_number: &str) -> Result<(), IamError> {
        validate::mfa_serial(serial_number)?;
        let d = self.get_virtual_mfa_device(serial_number)?;
        if d.user.is_some() {
            return Err(IamError::new(
                ErrorCode::DeleteConflict,
                "MFA VirtualDevice in use. Must deactivate first.",
            ));
        }
        self.virtual_mfa_devices.remove(serial_number);
        Ok(())
    }

    /// `TagMFADevice`.
    pub fn tag_mfa_device(
        &mut self,
        serial_number: &str,
        tags: &[(String, String)],
    ) -> Result<(), IamError> {
        validate::mfa_serial(serial_number)?;
        self.virtual_mfa_devices
            .get_mut(serial_number)
            .ok_or_else(|| no_such_device(serial_number))?
            .tags
            .tag(tags, "TagsPerMFADevice")
    }

    /// `UntagMFADevice`.
    pub fn untag_mfa_device(
        &mut self,
        serial_number: &str,
        keys: &[String],
    ) -> Result<(), IamError> {
        validate::mfa_serial(serial_number)?;
        self.virtual_mfa_devices
            .get_mut(serial_number)
            .ok_or_else(|| no_such_device(serial_number))?
            .tags
            .untag(keys)
    }

    /// Checks one MFA code for `SerialNumber`/`TokenCode` of `GetSessionToken` and
    /// `AssumeRole`: the device must be assigned to `user` (the caller) and the code valid now
    /// and unused. STS answers `AccessDenied` with these messages (STS API reference: "If you
    /// do not supply a correct MFA code, then the API returns an access denied error").
    pub(crate) fn verify_mfa_token(
        &mut self,
        user: Option<&str>,
        serial_number: &str,
        token_code: &str,
    ) -> Result<Timestamp, IamError> {
        let now = self.clock.now();
        let denied_serial = || {
            IamError::new(
                ErrorCode::AccessDenied,
                "MultiFactorAuthentication failed, unable to validate MFA code. Please verify \
                 your MFA serial number is valid and associated with this user.",
            )
        };
        let bad_code = || {
            IamError::new(
                ErrorCode::AccessDenied,
                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
            )
        };
        validate::mfa_serial(serial_number)?;
        if token_code.len() != 6 || !token_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IamError::validation(
                "tokenCode",
                token_code,
                r"Member must satisfy regular expression pattern: [\d]*",
            ));
        }
        let owner = user.map(|u| self.get_user(u).map(|u| u.name.clone()));
        let owner = match owner {
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => return Err(denied_serial()),
            None => None,
        };
        let d = self
            .virtual_mfa_devices
            .get(serial_number)
            .filter(|d| d.user.is_some() && d.user == owner)
            .ok_or_else(denied_serial)?;
        let step = d
            .find_step(step_of(now.0) + d.drift, VERIFY_WINDOW, None, token_code)
            .ok_or_else(bad_code)?;
        if let Some(d) = self.virtual_mfa_devices.get_mut(serial_number) {
            d.last_step = Some(step);
        }
        Ok(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Clock, FixedClock};
    use std::sync::Arc;

    /// RFC 6238 appendix B, SHA-1 rows (8 digits there; the 6-digit codes are the last six).
    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let key = b"12345678901234567890";
        for (t, code8) in [
            (59i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let step = u64::try_from(t / 30).unwrap();
            assert_eq!(hotp(key, step, 8), code8, "T={t}");
            assert_eq!(
                totp(&base32_encode(key), t).unwrap(),
                code8[2..],
                "6 digits at T={t}"
            );
        }
    }

    /// RFC 4226 appendix D (HOTP, the counter-based base of TOTP).
    #[test]
    fn rfc4226_appendix_d_vectors() {
        let key = b"12345678901234567890";
        let want = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (i, w) in want.iter().enumerate() {
            assert_eq!(hotp(key, i as u64, 6), *w);
        }
    }

    #[test]
    fn base32_round_trip_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), enc);
            assert_eq!(base32_decode(enc).unwrap(), plain.as_bytes());
        }
        assert!(base32_decode("A1").is_none());
    }

    #[test]
    fn qr_png_is_a_png_with_consistent_chunks() {
        let png = qr_png("otpauth://totp/x@123456789012?secret=ABCDEFGH").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let w = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        let h = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
        // Version 2+ QR (≥25 modules) + quiet zones, 4 px per module, square.
        assert_eq!(w, h);
        assert!(w >= (25 + 8) * 4 && w % 4 == 0, "{w}");
        assert!(png.ends_with(&[0xAE, 0x42, 0x60, 0x82]), "IEND CRC");
    }

    fn account() -> (Account, Arc<FixedClock>) {
        let clock = Arc::new(FixedClock::at("2026-12-01T00:00:10Z").unwrap());
        let mut a = Account::with_clock("111122223333", clock.clone()).unwrap();
        a.create_user("alice", None).unwrap();
        (a, clock)
    }

    #[test]
    fn enable_needs_two_consecutive_current_codes_used_once() {
        let (mut a, clock) = account();
        let d = a.create_virtual_mfa_device("alice", None, &[]).unwrap();
        let seed = d.base32_seed.expose().to_string();
        let now = clock.now().0;
        let code = |t: i64| totp(&seed, t).unwrap();
        // Not consecutive (same code twice), and too old.
        let e = a
            .enable_mfa_device(Some("alice"), &d.serial_number, &code(now), &code(now))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidAuthenticationCode);
        assert_eq!(e.message, "Authentication code for device is not valid.");
        let e = a
            .enable_mfa_device(
                Some("alice"),
                &d.serial_number,
                &code(now - 300),
                &code(now - 270),
            )
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidAuthenticationCode);
        a.enable_mfa_device(Some("alice"), &d.serial_number, &code(now - 30), &code(now))
            .unwrap();
        assert_eq!(
            a.get_virtual_mfa_device(&d.serial_number)
                .unwrap()
                .user
                .as_deref(),
            Some("alice")
        );
        // The code just used is refused for a session; the next one works once.
        let e = a
            .verify_mfa_token(Some("alice"), &d.serial_number, &code(now))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::AccessDenied);
        assert!(e.message.contains("invalid MFA one time pass code"));
        clock.advance(30);
        a.verify_mfa_token(Some("alice"), &d.serial_number, &code(now + 30))
            .unwrap();
        assert!(
            a.verify_mfa_token(Some("alice"), &d.serial_number, &code(now + 30))
                .is_err()
        );
        // Someone else's serial.
        a.create_user("bob", None).unwrap();
        let e = a
            .verify_mfa_token(Some("bob"), &d.serial_number, &code(now + 60))
            .unwrap_err();
        assert!(
            e.message.contains("associated with this user"),
            "{}",
            e.message
        );
    }

    #[test]
    fn resync_learns_drift_and_delete_needs_deactivation() {
        let (mut a, clock) = account();
        let d = a
            .create_virtual_mfa_device("alice", Some("/team/"), &[])
            .unwrap();
        assert_eq!(d.serial_number, "arn:aws:iam::111122223333:mfa/team/alice");
        let seed = d.base32_seed.expose().to_string();
        let now = clock.now().0;
        let code = |t: i64| totp(&seed, t).unwrap();
        a.enable_mfa_device(Some("alice"), &d.serial_number, &code(now - 30), &code(now))
            .unwrap();
        // The device runs 5 minutes fast: normal codes fail, resync fixes it.
        let fast = now + 300;
        assert!(
            a.verify_mfa_token(Some("alice"), &d.serial_number, &code(fast))
                .is_err()
        );
        a.resync_mfa_device(
            "alice",
            &d.serial_number,
            &code(fast + 30),
            &code(fast + 60),
        )
        .unwrap();
        clock.advance(30);
        a.verify_mfa_token(Some("alice"), &d.serial_number, &code(fast + 90))
            .unwrap();
        let e = a.delete_virtual_mfa_device(&d.serial_number).unwrap_err();
        assert_eq!(e.code, ErrorCode::DeleteConflict);
        a.deactivate_mfa_device(Some("alice"), &d.serial_number)
            .unwrap();
        a.delete_virtual_mfa_device(&d.serial_number).unwrap();
        assert_eq!(
            a.delete_virtual_mfa_device(&d.serial_number)
                .unwrap_err()
                .code,
            ErrorCode::NoSuchEntity
        );
    }

    #[test]
    fn account_summary_counts_devices_and_devices_in_use() {
        let (mut a, clock) = account();
        let d = a.create_virtual_mfa_device("alice", None, &[]).unwrap();
        a.create_virtual_mfa_device("spare", None, &[]).unwrap();
        let seed = d.base32_seed.expose().to_string();
        let now = clock.now().0;
        a.enable_mfa_device(
            Some("alice"),
            &d.serial_number,
            &totp(&seed, now - 30).unwrap(),
            &totp(&seed, now).unwrap(),
        )
        .unwrap();
        let s = a.get_account_summary();
        assert_eq!((s["MFADevices"], s["MFADevicesInUse"]), (2, 1));
        assert_eq!(a.list_virtual_mfa_devices(Some(false)).count(), 1);
    }

    #[test]
    fn the_seed_never_shows_in_debug() {
        let (mut a, _) = account();
        let d = a.create_virtual_mfa_device("alice", None, &[]).unwrap();
        let seed = d.base32_seed.expose().to_string();
        assert!(!format!("{d:?}").contains(&seed));
        assert!(!format!("{a:?}").contains(&seed));
        assert!(!format!("{:?}", a.get_virtual_mfa_device(&d.serial_number)).contains(&seed));
    }
}
