//! The AWS CLI / SDK shared files `~/.aws/credentials` and `~/.aws/config` (spec §7; AWS CLI
//! user guide, <https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html>):
//! reading them as botocore does, merging profiles, and adding or updating a profile in place as
//! `aws configure --profile` does.
//!
//! - [`parse_ini`]: the INI dialect of Python's `configparser.RawConfigParser` as botocore's
//!   `raw_config_parse` uses it (§7.2), with one level of nested sub-sections;
//! - [`parse_config`]: the config file's section naming (§7.3): `[default]`, `[profile NAME]`,
//!   `[sso-session NAME]`, `[services NAME]`;
//! - [`read_profiles`]: both files merged per profile, the credentials file winning (§7.4);
//! - [`write_profile`] ([`update_credentials`], [`update_config`]): the text of both files after
//!   `aws configure --profile NAME`, edited along the structure botocore reads and read back
//!   before it is returned; a file botocore could not read is refused with its line
//!   (writing the files safely — locks, links, atomic replacement — is
//!   [`cli_files`](crate::cli_files));
//! - [`resolve_paths`]: the default locations and the `AWS_SHARED_CREDENTIALS_FILE` /
//!   `AWS_CONFIG_FILE` overrides with `$VAR` and `~` expansion (§7.1).
//!
//! ```
//! use iam_parser::cli_config::read_profiles;
//! let credentials = "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n";
//! let config = "[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n";
//! let profiles = read_profiles(Some(credentials), Some(config)).unwrap();
//! assert_eq!(profiles["default"].get_str("region"), Some("us-east-1"));
//! assert_eq!(profiles["default"].get_str("aws_access_key_id"), Some("AKIAEXAMPLE"));
//! assert_eq!(profiles["dev"].get_nested("s3", "addressing_style"), Some("path"));
//! assert!(!format!("{:?}", profiles["default"]).contains("s3cr3t"));
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// Keys whose values are secrets: never shown by `Debug`.
const SECRET_KEYS: &[&str] = &[
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// One value of a section: a string, or a nested sub-section (`s3 =` followed by indented
/// `key = value` lines, spec §7.2).
#[derive(Clone, PartialEq, Eq)]
pub enum ProfileValue {
    /// A plain value (continuation lines are joined with `\n`, as configparser does).
    String(String),
    /// A nested sub-section, keys in file order (not lower-cased: botocore keeps them as written).
    Nested(Vec<(String, String)>),
}

impl fmt::Debug for ProfileValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileValue::String(s) => fmt::Debug::fmt(s, f),
            ProfileValue::Nested(kv) => f
                .debug_map()
                .entries(kv.iter().map(|(k, v)| (k, v)))
                .finish(),
        }
    }
}

/// The keys and values of one section (a profile, an `sso-session`, a `services` section), in
/// file order. `Debug` shows `aws_secret_access_key`, `aws_session_token` and
/// `aws_security_token` as `"<redacted>"`.
///
/// ```
/// let ini = iam_parser::cli_config::parse_ini("[p]\nAWS_Secret_Access_Key = abc\nregion = x\n").unwrap();
/// let p = &ini[0].1;
/// assert_eq!(p.get_str("aws_secret_access_key"), Some("abc"));
/// assert_eq!(format!("{p:?}"), r#"{"aws_secret_access_key": "<redacted>", "region": "x"}"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Profile {
    values: Vec<(String, ProfileValue)>,
}

impl Profile {
    /// The value of `key` (keys are lower-case, as the parser stores them).
    pub fn get(&self, key: &str) -> Option<&ProfileValue> {
        self.values.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of `key` when it is a plain string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            ProfileValue::String(s) => Some(s),
            ProfileValue::Nested(_) => None,
        }
    }

    /// `sub_key` of the nested sub-section `key` (e.g. `s3` / `addressing_style`).
    pub fn get_nested(&self, key: &str, sub_key: &str) -> Option<&str> {
        match self.get(key)? {
            ProfileValue::Nested(kv) => kv
                .iter()
                .find(|(k, _)| k == sub_key)
                .map(|(_, v)| v.as_str()),
            ProfileValue::String(_) => None,
        }
    }

    /// Every key and value in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ProfileValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the section has no keys.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Sets `key`, keeping its position when it exists (Python `dict` semantics).
    pub fn insert(&mut self, key: impl Into<String>, value: ProfileValue) {
        let key = key.into();
        match self.values.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.values.push((key, value)),
        }
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.values {
            if SECRET_KEYS.contains(&k.as_str()) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

/// What went wrong in a [`CliConfigError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CliConfigErrorKind {
    /// A `key = value` line before any `[section]` (configparser's `MissingSectionHeaderError`).
    MissingSectionHeader,
    /// The same `[section]` twice (`DuplicateSectionError`).
    DuplicateSection,
    /// The same key twice in a section, compared lower-cased (`DuplicateOptionError`).
    DuplicateKey,
    /// A line that is neither a header, a comment, a `key = value` nor a continuation
    /// (`ParsingError`), or a nested line without `=` (botocore's `ConfigParseError`).
    Syntax,
    /// A value given to [`write_profile`] that cannot be written (a newline, an empty name).
    InvalidValue,
    /// The file is not UTF-8 text (botocore reads it as UTF-8 and fails as well).
    Encoding,
    /// The file exists but could not be read.
    Io,
}

/// A shared config or credentials file that could not be read. Messages never quote line
/// contents, so secrets cannot leak through them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliConfigError {
    /// What went wrong.
    pub kind: CliConfigErrorKind,
    /// 1-based line number (0 when the error has no line).
    pub line: usize,
    /// What is wrong (without the position).
    pub message: String,
    /// The file, when known.
    pub path: Option<PathBuf>,
}

impl CliConfigError {
    pub(crate) fn new(kind: CliConfigErrorKind, line: usize, message: impl Into<String>) -> Self {
        CliConfigError {
            kind,
            line,
            message: message.into(),
            path: None,
        }
    }

    pub(crate) fn with_path(mut self, path: &Path) -> Self {
        self.path = Some(path.to_path_buf());
        self
    }
}

impl fmt::Display for CliConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}:", p.display())?;
        }
        if self.line > 0 {
            write!(f, "{}: ", self.line)?;
        } else if self.path.is_some() {
            f.write_str(" ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliConfigError {}

// ---------------------------------------------------------------------------------------------
// INI reading (spec §7.2): a port of `configparser.RawConfigParser._read` with its defaults —
// delimiters `=` and `:`, full-line comment prefixes `#` and `;`, no inline comments,
// `empty_lines_in_values`, `strict` — then `_join_multiline_values` and botocore's `_parse_nested`.
// The scan keeps where every section and option is, so the writer edits the file along the
// same structure botocore reads (a continuation line belongs to the key above it).

/// Python's `str.isspace` (what `str.strip()` and the regex `\s` of configparser use): Rust's
/// `char::is_whitespace` plus the ASCII separators U+001C..U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()`.
fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// The lines of a file as Python's text mode reads them (universal newlines: `\r\n`, `\n` and
/// a lone `\r` end a line): each line's text and its line ending (empty on a last line without
/// one).
fn split_lines(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\n', '\r']) {
            Some(pos) => {
                let eol_len = if rest.get(pos..pos + 2) == Some("\r\n") {
                    2
                } else {
                    1
                };
                out.push((
                    rest.get(..pos).unwrap_or_default(),
                    rest.get(pos..pos + eol_len).unwrap_or_default(),
                ));
                rest = rest.get(pos + eol_len..).unwrap_or_default();
            }
            None => {
                out.push((rest, ""));
                rest = "";
            }
        }
    }
    out
}

/// The leading whitespace of a line (its indentation, as configparser measures it).
fn indent_of(line: &str) -> &str {
    let n = line.len() - line.trim_start_matches(py_space).len();
    line.get(..n).unwrap_or_default()
}

/// One `key = value` of a section, where it is in the file.
struct RawOption {
    /// The key, lower-cased.
    name: String,
    /// The key as written (for rewriting the line in place).
    written: String,
    /// 0-based index of the `key = value` line.
    line: usize,
    /// The value's first line and its continuation lines (blank ones too): 0-based line index
    /// and the stripped text.
    parts: Vec<(usize, String)>,
}

impl RawOption {
    /// Index in `parts` of the last part that is not blank (trailing blank lines are not part
    /// of the value once joined).
    fn last_nonblank(&self) -> usize {
        self.parts
            .iter()
            .rposition(|(_, p)| !p.is_empty())
            .unwrap_or(0)
    }
}

struct RawSection {
    name: String,
    /// 0-based index of the header line (`None` for the merged `[DEFAULT]` sections).
    line: Option<usize>,
    options: Vec<RawOption>,
}

/// A file as configparser reads it: its lines, the sections in file order, and `[DEFAULT]`.
struct Scan<'a> {
    lines: Vec<(&'a str, &'a str)>,
    sections: Vec<RawSection>,
    defaults: RawSection,
}

/// The header of a section line as configparser sees it (`\[(?P<header>.+)\]` matched at the
/// start of the stripped line: greedy, so up to the last `]`).
fn section_header(stripped: &str) -> Option<&str> {
    let rest = stripped.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    if end == 0 { None } else { rest.get(..end) }
}

fn scan(text: &str) -> Result<Scan<'_>, CliConfigError> {
    use CliConfigErrorKind as K;
    let lines = split_lines(text);
    // A NUL byte: configparser would read it as a character, but a credentials file holding
    // one is binary or damaged, so it is refused rather than guessed at.
    if let Some(i) = lines.iter().position(|(l, _)| l.contains('\0')) {
        return Err(CliConfigError::new(
            K::Syntax,
            i + 1,
            "a NUL character: this is not a text file",
        ));
    }
    let mut sections: Vec<RawSection> = Vec::new();
    let mut defaults = RawSection {
        name: "DEFAULT".into(),
        line: None,
        options: Vec::new(),
    };
    // Which section receives options: None before the first header, Some(None) = DEFAULT.
    let mut cursect: Option<Option<usize>> = None;
    let mut optname: Option<usize> = None;
    let mut indent_level = 0usize;
    let mut seen_sections: HashSet<String> = HashSet::new();
    let mut seen_options: HashSet<(String, String)> = HashSet::new();
    let mut deferred: Option<CliConfigError> = None;

    for (i, (line, _)) in lines.iter().enumerate() {
        let lineno = i + 1;
        let trimmed = py_strip(line);
        let is_comment = trimmed.starts_with('#') || trimmed.starts_with(';');
        let value = if is_comment { "" } else { trimmed };
        let section = match cursect {
            Some(Some(ix)) => sections.get_mut(ix),
            Some(None) => Some(&mut defaults),
            None => None,
        };
        if value.is_empty() {
            // empty_lines_in_values: a blank (not comment) line inside a value is kept.
            if !is_comment
                && let (Some(sec), Some(o)) = (section, optname)
                && let Some(opt) = sec.options.get_mut(o)
            {
                opt.parts.push((i, String::new()));
            }
            continue;
        }
        let cur_indent = indent_of(line).chars().count();
        if let (Some(sec), Some(o)) = (section, optname)
            && cur_indent > indent_level
        {
            if let Some(opt) = sec.options.get_mut(o) {
                opt.parts.push((i, value.to_owned()));
            }
            continue;
        }
        indent_level = cur_indent;
        if let Some(header) = section_header(value) {
            if seen_sections.contains(header) {
                return Err(CliConfigError::new(
                    K::DuplicateSection,
                    lineno,
                    format!("section [{header}] already exists"),
                ));
            }
            if header == "DEFAULT" {
                cursect = Some(None);
            } else {
                seen_sections.insert(header.to_owned());
                sections.push(RawSection {
                    name: header.to_owned(),
                    line: Some(i),
                    options: Vec::new(),
                });
                cursect = Some(Some(sections.len() - 1));
            }
            optname = None;
            continue;
        }
        let Some(which) = cursect else {
            return Err(CliConfigError::new(
                K::MissingSectionHeader,
                lineno,
                "a key/value line before the first [section] header",
            ));
        };
        let Some(pos) = value.find(['=', ':']) else {
            deferred.get_or_insert_with(|| {
                CliConfigError::new(
                    K::Syntax,
                    lineno,
                    "expected `[section]`, `key = value` or a comment",
                )
            });
            continue;
        };
        let written = value
            .get(..pos)
            .unwrap_or_default()
            .trim_end_matches(py_space);
        let name = written.to_lowercase();
        if name.is_empty() {
            deferred.get_or_insert_with(|| {
                CliConfigError::new(K::Syntax, lineno, "a key is missing before `=`")
            });
        }
        let sec = match which {
            Some(ix) => match sections.get_mut(ix) {
                Some(s) => s,
                None => continue,
            },
            None => &mut defaults,
        };
        if !seen_options.insert((sec.name.clone(), name.clone())) {
            return Err(CliConfigError::new(
                K::DuplicateKey,
                lineno,
                format!("key `{name}` already exists in section [{}]", sec.name),
            ));
        }
        let optval = py_strip(value.get(pos + 1..).unwrap_or_default()).to_owned();
        sec.options.push(RawOption {
            name,
            written: written.to_owned(),
            line: i,
            parts: vec![(i, optval)],
        });
        optname = Some(sec.options.len() - 1);
    }
    if let Some(e) = deferred {
        return Err(e);
    }
    Ok(Scan {
        lines,
        sections,
        defaults,
    })
}

impl Scan<'_> {
    /// The sections with their finished values (`[DEFAULT]` keys added to each).
    fn finish(&self) -> Result<Vec<(String, Profile)>, CliConfigError> {
        let mut out = Vec::with_capacity(self.sections.len());
        for sec in &self.sections {
            let mut profile = Profile::default();
            let inherited = self
                .defaults
                .options
                .iter()
                .filter(|d| !sec.options.iter().any(|o| o.name == d.name));
            for opt in sec.options.iter().chain(inherited) {
                profile.values.push((opt.name.clone(), finish_value(opt)?));
            }
            out.push((sec.name.clone(), profile));
        }
        Ok(out)
    }
}

/// Parses INI text as botocore's `raw_config_parse` does: every section in file order with its
/// keys (lower-cased) and values; values that start on the line after `key =` and are indented
/// become [`ProfileValue::Nested`]. A `[DEFAULT]` section is not listed: its keys are added to
/// every other section, as configparser does. A continuation line (indented deeper than its
/// key's line) belongs to the value above it, joined with `\n`. Lines end with `\n`, `\r\n`
/// or a lone `\r` (Python's universal newlines). Text with a NUL character is refused.
///
/// ```
/// use iam_parser::cli_config::{parse_ini, CliConfigErrorKind};
/// let sections = parse_ini("# comment\n[default]\nRegion=us-east-1 # not a comment\nnote = a\n  b\n").unwrap();
/// assert_eq!(sections[0].0, "default");
/// assert_eq!(sections[0].1.get_str("region"), Some("us-east-1 # not a comment"));
/// assert_eq!(sections[0].1.get_str("note"), Some("a\nb"));
/// let err = parse_ini("[a]\nx = 1\nX = 2\n").unwrap_err();
/// assert_eq!((err.kind, err.line), (CliConfigErrorKind::DuplicateKey, 3));
/// ```
pub fn parse_ini(text: &str) -> Result<Vec<(String, Profile)>, CliConfigError> {
    scan(text)?.finish()
}

/// Python's `str.splitlines()` separators (botocore's `_parse_nested` splits with it).
fn py_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0b}'
            | '\u{0c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// `'\n'.join(parts).rstrip()`, then botocore's `_parse_nested` when the value starts with a
/// newline (an empty first line followed by continuation lines).
fn finish_value(opt: &RawOption) -> Result<ProfileValue, CliConfigError> {
    let last = opt.parts.iter().rposition(|(_, p)| !p.is_empty());
    let first_empty = opt.parts.first().is_none_or(|(_, p)| p.is_empty());
    match last {
        Some(last) if first_empty && last > 0 => {
            let mut nested: Vec<(String, String)> = Vec::new();
            for (i, part) in opt.parts.iter().take(last + 1) {
                for piece in part.split(py_line_break) {
                    let piece = py_strip(piece);
                    if piece.is_empty() {
                        continue;
                    }
                    let Some((k, v)) = piece.split_once('=') else {
                        return Err(CliConfigError::new(
                            CliConfigErrorKind::Syntax,
                            i + 1,
                            format!("a nested line under `{}` must be `key = value`", opt.name),
                        ));
                    };
                    let (k, v) = (py_strip(k).to_owned(), py_strip(v).to_owned());
                    match nested.iter_mut().find(|(x, _)| *x == k) {
                        Some(slot) => slot.1 = v,
                        None => nested.push((k, v)),
                    }
                }
            }
            Ok(ProfileValue::Nested(nested))
        }
        Some(last) => {
            let joined: Vec<&str> = opt
                .parts
                .iter()
                .take(last + 1)
                .map(|(_, p)| p.as_str())
                .collect();
            Ok(ProfileValue::String(joined.join("\n")))
        }
        None => Ok(ProfileValue::String(String::new())),
    }
}

/// Splits a section name like Python's `shlex.split` (POSIX mode): whitespace separates words,
/// `'...'` is literal, `"..."` allows `\"` and `\\`, a backslash outside quotes escapes the next
/// character. `None` for an unterminated quote or a trailing backslash (Python's `ValueError`).
fn shlex_split(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => cur.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\') => cur.push(c),
                            c => {
                                cur.push('\\');
                                cur.push(c);
                            }
                        },
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.push(chars.next()?);
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
}

/// botocore's `_parse_section`: the second word of a `prefix NAME` header, when the header
/// splits into exactly two words.
fn section_name_after_prefix(header: &str) -> Option<String> {
    match shlex_split(header)?.as_mut_slice() {
        [_, name] => Some(std::mem::take(name)),
        _ => None,
    }
}

/// A config file split into its kinds of sections (botocore's `build_profile_map`, spec §7.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    /// `[default]`, `[profile default]` (→ `default`) and `[profile NAME]` sections. When two
    /// sections give the same profile, the later one replaces the earlier one entirely.
    pub profiles: BTreeMap<String, Profile>,
    /// `[sso-session NAME]` sections.
    pub sso_sessions: BTreeMap<String, Profile>,
    /// `[services NAME]` sections (service-specific endpoint settings).
    pub services: BTreeMap<String, Profile>,
    /// Every other section, under its raw name (`[NAME]` without `profile ` is not a profile).
    pub other: BTreeMap<String, Profile>,
}

/// Parses a config file (`~/.aws/config`) and sorts its sections as botocore does: a header
/// starting with `profile`, `sso-session` or `services` must split (shell-like, so
/// `[profile "my name"]` works) into exactly two words, else the section is ignored.
///
/// ```
/// let c = iam_parser::cli_config::parse_config(
///     "[profile dev]\nservices = local\n[services local]\ndynamodb =\n  endpoint_url = http://localhost:8000\n[dev]\nx = 1\n",
/// ).unwrap();
/// assert_eq!(c.profiles["dev"].get_str("services"), Some("local"));
/// assert_eq!(c.services["local"].get_nested("dynamodb", "endpoint_url"), Some("http://localhost:8000"));
/// assert!(c.other.contains_key("dev"));
/// ```
pub fn parse_config(text: &str) -> Result<ConfigFile, CliConfigError> {
    let mut out = ConfigFile::default();
    for (name, values) in parse_ini(text)? {
        let target = if name.starts_with("profile") {
            &mut out.profiles
        } else if name.starts_with("sso-session") {
            &mut out.sso_sessions
        } else if name.starts_with("services") {
            &mut out.services
        } else if name == "default" {
            out.profiles.insert(name, values);
            continue;
        } else {
            out.other.insert(name, values);
            continue;
        };
        if let Some(n) = section_name_after_prefix(&name) {
            target.insert(n, values);
        }
    }
    Ok(out)
}

/// Every profile botocore sees (its `Session.full_config["profiles"]`, spec §7.4): the config
/// file's profiles, then each credentials-file section (`[NAME]`, no prefix) merged into the
/// profile of the same name key by key — the credentials file wins. `None` = no such file.
///
/// ```
/// let p = iam_parser::cli_config::read_profiles(
///     Some("[dev]\nregion = us-west-2\n"),
///     Some("[profile dev]\nregion = eu-west-1\noutput = json\n"),
/// ).unwrap();
/// assert_eq!(p["dev"].get_str("region"), Some("us-west-2"));
/// assert_eq!(p["dev"].get_str("output"), Some("json"));
/// ```
pub fn read_profiles(
    credentials_text: Option<&str>,
    config_text: Option<&str>,
) -> Result<BTreeMap<String, Profile>, CliConfigError> {
    let mut profiles = match config_text {
        Some(t) => parse_config(t)?.profiles,
        None => BTreeMap::new(),
    };
    if let Some(t) = credentials_text {
        for (name, values) in parse_ini(t)? {
            let profile = profiles.entry(name).or_default();
            for (k, v) in values.values {
                profile.insert(k, v);
            }
        }
    }
    Ok(profiles)
}

/// Reads both files and merges them with [`read_profiles`]. A path that is not an existing
/// regular file counts as no file, as in botocore.
pub fn read_profiles_from(paths: &CliPaths) -> Result<BTreeMap<String, Profile>, CliConfigError> {
    let credentials = read_optional(&paths.credentials)?;
    let config = read_optional(&paths.config)?;
    let merged = match read_profiles(credentials.as_deref(), None) {
        Err(e) => return Err(e.with_path(&paths.credentials)),
        Ok(_) => read_profiles(credentials.as_deref(), config.as_deref()),
    };
    merged.map_err(|e| e.with_path(&paths.config))
}

fn read_optional(path: &Path) -> Result<Option<String>, CliConfigError> {
    if !path.is_file() {
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|e| {
        CliConfigError::new(CliConfigErrorKind::Io, 0, e.to_string()).with_path(path)
    })?;
    decode_text(bytes).map(Some).map_err(|e| e.with_path(path))
}

/// The text of a file read as UTF-8 (botocore's reading in a UTF-8 locale); invalid bytes are
/// an [`CliConfigErrorKind::Encoding`] error naming their line.
///
/// ```
/// let e = iam_parser::cli_config::decode_text(b"[a]\nx = \xff\n".to_vec()).unwrap_err();
/// assert_eq!(e.line, 2);
/// ```
pub fn decode_text(bytes: Vec<u8>) -> Result<String, CliConfigError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let before = e.as_bytes().get(..valid).unwrap_or_default();
        // Lines as Python counts them: `\r\n`, `\n` or a lone `\r` end a line.
        let text = std::str::from_utf8(before).unwrap_or_default();
        let line =
            split_lines(text).len() + usize::from(text.is_empty() || text.ends_with(['\n', '\r']));
        CliConfigError::new(
            CliConfigErrorKind::Encoding,
            line,
            format!("not UTF-8 text (an invalid byte at offset {valid})"),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Paths (spec §7.1).

/// Where the two shared files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliPaths {
    /// The credentials file.
    pub credentials: PathBuf,
    /// The config file.
    pub config: PathBuf,
}

/// The shared files' locations: `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE` when set (and
/// non-empty), else `~/.aws/credentials` / `~/.aws/config`; then `$VAR` / `${VAR}` expansion
/// and `~` expansion, as botocore does (`os.path.expandvars`, then `os.path.expanduser`).
/// `env` looks up environment variables, so this is a pure function.
///
/// ```
/// use iam_parser::cli_config::resolve_paths;
/// let env = |k: &str| match k {
///     "HOME" => Some("/home/me".to_owned()),
///     "AWS_CONFIG_FILE" => Some("$XDG/aws.ini".to_owned()),
///     "XDG" => Some("/etc/xdg".to_owned()),
///     _ => None,
/// };
/// let p = resolve_paths(env);
/// assert_eq!(p.credentials, std::path::Path::new("/home/me/.aws/credentials"));
/// assert_eq!(p.config, std::path::Path::new("/etc/xdg/aws.ini"));
/// ```
pub fn resolve_paths(env: impl Fn(&str) -> Option<String>) -> CliPaths {
    let pick = |var: &str, default: &str| {
        let raw = env(var)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned());
        PathBuf::from(expand_path(&raw, &env))
    };
    CliPaths {
        credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
        config: pick("AWS_CONFIG_FILE", "~/.aws/config"),
    }
}

/// `os.path.expanduser(os.path.expandvars(path))`: `$NAME` and `${NAME}` (`NAME` of letters,
/// digits and `_`) are replaced when set and left as written otherwise; then a leading `~` (alone
/// or before `/`) becomes `HOME` (or `USERPROFILE` when `HOME` is unset). `~user` is left as is.
///
/// ```
/// let env = |k: &str| (k == "HOME").then(|| "/root".to_owned());
/// assert_eq!(iam_parser::cli_config::expand_path("~/x/$NOPE/${HOME}", &env), "/root/x/$NOPE//root");
/// ```
pub fn expand_path(path: &str, env: &impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(pos) = rest.find('$') {
        out.push_str(rest.get(..pos).unwrap_or_default());
        let after = rest.get(pos + 1..).unwrap_or_default();
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (braced.get(..end).unwrap_or_default(), end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (after.get(..end).unwrap_or_default(), end)
        };
        match (consumed > 0 && !name.is_empty())
            .then(|| env(name))
            .flatten()
        {
            Some(v) => {
                out.push_str(&v);
                rest = after.get(consumed..).unwrap_or_default();
            }
            None => {
                // Not a variable, or not set: `$` stays, scanning goes on after it.
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if out == "~" || out.starts_with("~/") || out.starts_with("~\\") {
        if let Some(home) = env("HOME").or_else(|| env("USERPROFILE")) {
            let home = home.trim_end_matches(['/', '\\']);
            return format!("{home}{}", out.get(1..).unwrap_or_default());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Writing (`aws configure --profile NAME`): awscli's `ConfigFileWriter.update_config`, done
// along the structure configparser reads (spec §7.2), then checked by reading the result back.

/// The values `aws configure --profile NAME` writes. `Debug` redacts the secret and the token.
#[derive(Clone, PartialEq, Eq)]
pub struct ProfileUpdate<'a> {
    /// Profile name (`default` for the default profile).
    pub profile: &'a str,
    /// `aws_access_key_id` (credentials file).
    pub access_key_id: &'a str,
    /// `aws_secret_access_key` (credentials file).
    pub secret_access_key: &'a str,
    /// `aws_session_token` (credentials file), when given.
    pub session_token: Option<&'a str>,
    /// `region` (config file), when given.
    pub region: Option<&'a str>,
    /// `output` (config file), when given.
    pub output: Option<&'a str>,
}

impl fmt::Debug for ProfileUpdate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileUpdate")
            .field("profile", &self.profile)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.map(|_| "<redacted>"))
            .field("region", &self.region)
            .field("output", &self.output)
            .finish()
    }
}

impl ProfileUpdate<'_> {
    /// The keys of the credentials file.
    fn credentials_values(&self) -> Vec<(&str, &str)> {
        let mut v = vec![
            ("aws_access_key_id", self.access_key_id),
            ("aws_secret_access_key", self.secret_access_key),
        ];
        if let Some(t) = self.session_token {
            v.push(("aws_session_token", t));
        }
        v
    }

    /// The keys of the config file.
    fn config_values(&self) -> Vec<(&str, &str)> {
        let mut v = Vec::new();
        if let Some(r) = self.region {
            v.push(("region", r));
        }
        if let Some(o) = self.output {
            v.push(("output", o));
        }
        v
    }

    /// Refuses a name or value that could not be read back exactly: empty names, `[DEFAULT]`
    /// (configparser's defaults section, not a profile), line breaks, NUL, and values with
    /// leading or trailing whitespace (configparser strips it).
    fn check(&self) -> Result<(), CliConfigError> {
        let invalid = |m: String| Err(CliConfigError::new(CliConfigErrorKind::InvalidValue, 0, m));
        let profile = self.profile;
        if profile.is_empty() {
            return invalid("the profile name is empty".into());
        }
        if profile == "DEFAULT" {
            return invalid(
                "Invalid profile name DEFAULT: [DEFAULT] is the INI defaults section, whose keys \
                 every profile inherits, not a profile"
                    .into(),
            );
        }
        if profile.contains(['\n', '\r', '\0']) {
            return invalid(
                "Invalid section name: newline characters and carriage returns are not allowed"
                    .into(),
            );
        }
        for (k, v) in self
            .credentials_values()
            .iter()
            .chain(&self.config_values())
        {
            if v.contains(['\n', '\r', '\0']) {
                return invalid(format!(
                    "Invalid value for key {k}: newline characters and carriage returns are not allowed."
                ));
            }
            if py_strip(v).len() != v.len() {
                return invalid(format!(
                    "Invalid value for key {k}: leading or trailing whitespace would be lost when the file is read."
                ));
            }
        }
        Ok(())
    }
}

/// The new text of the credentials file after `aws configure --profile NAME`:
/// `aws_access_key_id`, `aws_secret_access_key` (and `aws_session_token` when given) under
/// `[NAME]`. `existing` must be a valid credentials file (else the error names its line); see
/// [`write_profile`] for how the text is edited.
pub fn update_credentials(
    existing: &str,
    update: &ProfileUpdate<'_>,
) -> Result<String, CliConfigError> {
    update.check()?;
    let profile = update.profile;
    let old = scan(existing)?;
    let old_sections = old.finish()?;
    let values = update.credentials_values();
    let target = old.sections.iter().position(|s| s.name == profile);
    let text = edit_section(&old, target, &format!("[{profile}]"), &values);
    verify_edit(&old_sections, &text, profile, &values)?;
    Ok(text)
}

/// The new text of the config file after `aws configure --profile NAME`: `region` / `output`
/// when given, under `[default]` or `[profile NAME]` (quoted when the name has whitespace, as
/// the CLI does, or characters botocore's shell-like split would change). With neither given
/// the text is returned unchanged (but still checked: `existing` must be a valid config file).
pub fn update_config(existing: &str, update: &ProfileUpdate<'_>) -> Result<String, CliConfigError> {
    update.check()?;
    let profile = update.profile;
    let old = scan(existing)?;
    let old_sections = old.finish()?;
    let values = update.config_values();
    if values.is_empty() {
        return Ok(existing.to_owned());
    }
    // The section botocore takes the profile from: the last one that maps to it (§7.3,
    // `build_profile_map`: a later section replaces an earlier one).
    let maps_to_profile = |name: &str| {
        if name == "default" {
            profile == "default"
        } else {
            name.starts_with("profile")
                && section_name_after_prefix(name).as_deref() == Some(profile)
        }
    };
    let target = old.sections.iter().rposition(|s| maps_to_profile(&s.name));
    let header = match target.and_then(|t| old.sections.get(t)) {
        Some(s) => s.name.clone(),
        None if profile == "default" => "default".to_owned(),
        None => profile_to_section(profile),
    };
    let text = edit_section(&old, target, &format!("[{header}]"), &values);
    verify_edit(&old_sections, &text, &header, &values)?;
    let mapped = parse_config(&text)?;
    let ok = mapped
        .profiles
        .get(profile)
        .is_some_and(|p| values.iter().all(|(k, v)| p.get_str(k) == Some(*v)));
    if !ok {
        return Err(CliConfigError::new(
            CliConfigErrorKind::InvalidValue,
            0,
            format!("the section [{header}] would not be read as profile {profile:?}"),
        ));
    }
    Ok(text)
}

/// The new texts of the credentials and config files after `aws configure --profile NAME`
/// ([`update_credentials`] and [`update_config`]).
///
/// As awscli's `ConfigFileWriter`: a key that exists is rewritten in place as `key = value`
/// (left untouched when its value is already right); new keys go right after the section's
/// last value; a missing section is appended at the end of the file; every other line —
/// comments, other sections, blank lines — stays as it was. Values given as `None` are not
/// touched (an old `aws_session_token` stays, as with `aws configure`).
/// Differences from awscli, for correctness:
/// - the file is read as botocore reads it first; a file botocore could not read is refused
///   with the error naming its line, and nothing is returned to write;
/// - a value's continuation lines (indented lines below `key = value`) belong to it: a new key
///   goes after them, a replaced value loses them;
/// - keys are matched case-insensitively (the reader lower-cases them);
/// - in the config file the section botocore uses is updated (the last of `[default]` /
///   `[profile default]`, `[profile "x"]`-style headers whatever their quoting);
/// - the result is read back: every other section and key must be unchanged and the new values
///   read exactly as given, else an error (no output).
///
/// ```
/// use iam_parser::cli_config::{write_profile, ProfileUpdate};
/// let update = ProfileUpdate { profile: "dev", access_key_id: "AKIANEW", secret_access_key: "new",
///     session_token: Some("TOKEN"), region: Some("eu-west-1"), output: None };
/// let (creds, config) = write_profile(
///     "# keys\n[dev]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n  continued\nnote = a\n  b\n",
///     "", &update).unwrap();
/// assert_eq!(creds, "# keys\n[dev]\naws_access_key_id = AKIANEW\naws_secret_access_key = new\nnote = a\n  b\naws_session_token = TOKEN\n");
/// assert_eq!(config, "[profile dev]\nregion = eu-west-1\n");
/// let err = write_profile("[dev]\naws_access_key_id\n", "", &update).unwrap_err();
/// assert_eq!(err.line, 2);
/// ```
pub fn write_profile(
    existing_credentials: &str,
    existing_config: &str,
    update: &ProfileUpdate<'_>,
) -> Result<(String, String), CliConfigError> {
    Ok((
        update_credentials(existing_credentials, update)?,
        update_config(existing_config, update)?,
    ))
}

/// awscli's `profile_to_section`: `profile NAME`, with `NAME` quoted as `shlex.quote` does when
/// it contains whitespace — or, beyond awscli, when botocore's `shlex.split` would not give the
/// name back as one word (quotes, backslashes).
fn profile_to_section(profile: &str) -> String {
    let plain = format!("profile {profile}");
    if !profile.contains(py_space) && section_name_after_prefix(&plain).as_deref() == Some(profile)
    {
        plain
    } else {
        format!("profile '{}'", profile.replace('\'', "'\"'\"'"))
    }
}

/// `values` set in the section `target` of the scanned file (or in a new section `new_header`
/// appended at the end).
fn edit_section(
    old: &Scan<'_>,
    target: Option<usize>,
    new_header: &str,
    values: &[(&str, &str)],
) -> String {
    let lines = &old.lines;
    let newline = lines
        .iter()
        .map(|(_, e)| *e)
        .find(|e| !e.is_empty())
        .unwrap_or("\n");
    // Per line: Some(replacement text without line ending) or None to drop it; and what to
    // insert after a line.
    let mut replace: BTreeMap<usize, Option<String>> = BTreeMap::new();
    let mut insert_after: Option<(usize, String)> = None;

    let Some(sec) = target.and_then(|t| old.sections.get(t)) else {
        let mut out: String = lines.iter().map(|(l, e)| format!("{l}{e}")).collect();
        if lines.last().is_some_and(|(_, e)| e.is_empty()) {
            out.push_str(newline);
        }
        out.push_str(new_header);
        out.push_str(newline);
        for (k, v) in values {
            out.push_str(&format!("{k} = {v}{newline}"));
        }
        return out;
    };

    let mut pending: Vec<(&str, &str)> = Vec::new();
    for &(key, value) in values {
        let Some(opt) = sec.options.iter().find(|o| o.name == key) else {
            pending.push((key, value));
            continue;
        };
        let last = opt.last_nonblank();
        let current = opt.parts.first().map(|(_, p)| p.as_str());
        if last == 0 && current == Some(value) {
            continue; // already right: untouched
        }
        let line = lines.get(opt.line).map(|(l, _)| *l).unwrap_or_default();
        replace.insert(
            opt.line,
            Some(format!("{}{} = {value}", indent_of(line), opt.written)),
        );
        for (i, _) in opt.parts.iter().take(last + 1).skip(1) {
            replace.insert(*i, None);
        }
    }
    if !pending.is_empty() {
        // After the last value of the section, indented like its last key so that the lines
        // below keep their meaning (configparser compares indentation with the key line's).
        let (anchor, indent) = match sec.options.last() {
            Some(o) => {
                let anchor = if replace.contains_key(&o.line) {
                    o.line
                } else {
                    o.parts.get(o.last_nonblank()).map_or(o.line, |(i, _)| *i)
                };
                let line = lines.get(o.line).map(|(l, _)| *l).unwrap_or_default();
                (anchor, indent_of(line).to_owned())
            }
            None => {
                let header = sec.line.unwrap_or_default();
                // No keys yet: indent no less than the next header, which must stay a header.
                let next = lines.iter().skip(header + 1).map(|(l, _)| *l).find(|l| {
                    let t = py_strip(l);
                    !t.is_empty() && !t.starts_with(['#', ';'])
                });
                (header, next.map(indent_of).unwrap_or_default().to_owned())
            }
        };
        let block: String = pending
            .iter()
            .map(|(k, v)| format!("{indent}{k} = {v}{newline}"))
            .collect();
        insert_after = Some((anchor, block));
    }

    let mut out = String::new();
    for (i, (line, eol)) in lines.iter().enumerate() {
        match replace.get(&i) {
            Some(None) => {}
            Some(Some(new)) => out.push_str(new),
            None => out.push_str(line),
        }
        let dropped = matches!(replace.get(&i), Some(None));
        if !dropped {
            out.push_str(eol);
        }
        if let Some((anchor, block)) = &insert_after
            && *anchor == i
        {
            if eol.is_empty() {
                out.push_str(newline);
            }
            out.push_str(block);
        }
    }
    out
}

/// Reads the edited text back: the section `target` must have `values` exactly and keep its
/// other keys; every other section must be unchanged.
fn verify_edit(
    old: &[(String, Profile)],
    new_text: &str,
    target: &str,
    values: &[(&str, &str)],
) -> Result<(), CliConfigError> {
    let fail = |what: String| {
        Err(CliConfigError::new(
            CliConfigErrorKind::InvalidValue,
            0,
            format!(
                "the edited file would not read back as intended ({what}); nothing was written"
            ),
        ))
    };
    let new = match parse_ini(new_text) {
        Ok(n) => n,
        Err(e) => return fail(format!("line {}: {}", e.line, e.message)),
    };
    let others = |s: &[(String, Profile)]| -> Vec<(String, Profile)> {
        s.iter().filter(|(n, _)| n != target).cloned().collect()
    };
    if others(old) != others(&new) {
        return fail("another section changed".into());
    }
    let Some((_, section)) = new.iter().find(|(n, _)| n == target) else {
        return fail(format!("no section [{target}]"));
    };
    for (k, v) in values {
        if section.get_str(k) != Some(*v) {
            return fail(format!("key {k}"));
        }
    }
    if let Some((_, before)) = old.iter().find(|(n, _)| n == target) {
        for (k, v) in before.iter() {
            if !values.iter().any(|(key, _)| key == &k) && section.get(k) != Some(v) {
                return fail(format!("key {k}"));
            }
        }
    }
    Ok(())
}
