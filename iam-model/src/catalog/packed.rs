//! The packed name tables behind [`super::Catalog::find_action`],
//! [`super::Catalog::service_index`] and the exact condition keys of
//! [`super::Catalog::condition_key`]: one small open-addressing table per service (and one
//! for the service prefixes, one for the condition keys), whose 32-byte slots hold the
//! entry's index, its name's length, five hash bits, the facts the validator asks about
//! (resource-level support) and the first 24 bytes of the lower-cased name — so a lookup
//! reads one cache line, not the hash map bucket, the key strings and the `Service`/`Action`
//! records it used to (issue #10; BENCHMARKS.md, round 8).
//!
//! A lookup computes the queried name's [`Key`] once (its length, a hash of its first and
//! last eight bytes, and its first three words, lower-cased a word at a time), probes the
//! table, and compares the three words at once; longer names compare their remaining words
//! in `rest`. No allocation; ASCII case-insensitive exactly as `eq_ignore_ascii_case`.
//! Beside the tables: per action an 8-byte sort key (binary searches for `Head*` runs) and
//! its resource types as `u16` indices.

use super::{Service, lower_word};

/// Slot bits: the action's index + 1 (0 = empty slot).
const ACTION_BITS: u64 = 0xffff;
/// Slot bits 16..26: the name's length in bytes.
const LEN_SHIFT: u32 = 16;
const LEN_MASK: u64 = 0x3ff;
/// Slot bit 26: the action supports resource-level permissions.
const RESOURCE_LEVEL: u64 = 1 << 26;
/// Slot bits 27..32: five bits of the hash, compared before the name.
const TAG_SHIFT: u32 = 27;
const TAG_MASK: u64 = 0x1f;
/// Slot bits 32..64: where the name's words after the inline ones start in `rest`.
const WORD_SHIFT: u32 = 32;

/// A catalog action found by [`super::Catalog::find_action`]: its service's and its own index,
/// with the facts the packed index stores beside the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionRef {
    service: u32,
    action: u16,
    resource_level: bool,
}

impl ActionRef {
    /// Index of the action's service in [`super::Catalog::services`].
    pub fn service_index(self) -> usize {
        self.service as usize
    }

    /// Index of the action in its service's [`Service::actions`].
    pub fn action_index(self) -> usize {
        usize::from(self.action)
    }

    /// True when the action supports resource-level permissions (it has resource types), as
    /// [`super::Action::supports_resource_level`], without reading the `Action` record.
    pub fn supports_resource_level(self) -> bool {
        self.resource_level
    }
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct ActionIndex {
    /// Every service's slots, one power-of-two table after the other.
    slots: Vec<Slot>,
    /// The words of lower-cased names beyond a slot's first [`INLINE`] words.
    rest: Vec<u64>,
    /// Per service: the first slot of its table and the table's mask.
    tables: Vec<(u32, u32)>,
    /// Per action, service after service in catalog order: the first eight bytes of its name
    /// lower-cased, zero-padded, read big-endian — ordered as the names are (they are sorted
    /// by lower-cased name and hold no NUL), so a binary search over these 8-byte keys finds
    /// a run of names without reading the `Action` records.
    keys: Vec<u64>,
    /// Per service: where its actions start in `keys` (one more entry at the end).
    starts: Vec<u32>,
    /// Per action (numbered as in `keys`), where its resource types start in `types`.
    type_starts: Vec<u32>,
    /// The resource types of every action, as indices into its service's resource types.
    types: Vec<u16>,
    /// The table of exact condition keys (after the services' table), if built.
    key_table: Option<(u32, u32)>,
    /// What the condition-key table's slots stand for: `(service index or usize::MAX for the
    /// global keys, key index)`.
    key_refs: Vec<(usize, usize)>,
}

/// Name words kept in the slot itself: names of up to 24 bytes (most of them) are compared
/// without touching another cache line.
const INLINE: usize = 3;

/// One slot: the packed facts (see the bit constants; bits 32..64 = where the name's words
/// after the first [`INLINE`] start in `rest`) and the first words of the lower-cased name,
/// zero-padded. 32 bytes, aligned so that a slot never straddles two cache lines.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    meta: u64,
    head: [u64; INLINE],
}

/// The query's bytes `b[8 * k..]` as one zero-padded little-endian word (`b` has more than
/// `8 * k` bytes).
#[inline]
fn word_at(b: &[u8], k: usize) -> u64 {
    let rest = &b[8 * k..];
    if let Some(c) = rest.first_chunk::<8>() {
        return u64::from_le_bytes(*c);
    }
    let n = rest.len(); // 1..=7
    if let Some(c) = b
        .len()
        .checked_sub(8)
        .and_then(|s| b[s..].first_chunk::<8>())
    {
        // The last eight bytes end where `rest` ends: shift out the bytes before `rest`.
        return u64::from_le_bytes(*c) >> (8 * (8 - n));
    }
    short_word(rest)
}

/// The first eight bytes of `b` lower-cased, zero-padded, as a big-endian number: ordered as
/// the lower-cased texts are (for texts without NUL bytes), up to their eighth byte.
fn sort_key(b: &[u8]) -> u64 {
    if b.is_empty() {
        return 0;
    }
    lower_word(word_at(b, 0)).swap_bytes()
}

/// `a == b` for short texts (service prefixes) without a `memcmp` call: the first and last
/// eight bytes (overlapping) when both are eight bytes or more.
#[inline]
fn same_text(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    if !(8..=16).contains(&n) {
        return a == b;
    }
    let (Some(ha), Some(hb), Some(ta), Some(tb)) = (
        a.first_chunk::<8>(),
        b.first_chunk::<8>(),
        a.last_chunk::<8>(),
        b.last_chunk::<8>(),
    ) else {
        return a == b;
    };
    ha == hb && ta == tb
}

/// A zero-padded little-endian word of 1..=7 bytes, with at most three loads.
#[inline]
fn short_word(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 4 {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]);
        // The two loads overlap on equal bytes: OR-ing them is exact.
        return u64::from(lo) | (u64::from(hi) << (8 * (n - 4)));
    }
    match n {
        0 => 0,
        _ => {
            u64::from(b[0])
                | u64::from(b[n / 2]) << (8 * (n / 2))
                | u64::from(b[n - 1]) << (8 * (n - 1))
        }
    }
}

/// A name as the tables compare it: its length, its hash, and its first [`INLINE`] words
/// lower-cased and zero-padded — computed once per lookup, compared with a slot's words in
/// three word comparisons.
#[derive(Debug, Clone, Copy)]
struct Key {
    len: usize,
    hash: u64,
    words: [u64; INLINE],
}

impl Key {
    #[inline(always)]
    fn new(b: &[u8]) -> Key {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let n = b.len();
        let w0 = lower_word(word_at(b, 0));
        // The last eight bytes (n > 8), lower-cased: the hash's second word, and the last
        // inline word once shifted to drop the bytes an earlier word holds.
        let last = match b
            .len()
            .checked_sub(8)
            .and_then(|s| b[s..].first_chunk::<8>())
        {
            Some(c) if n > 8 => lower_word(u64::from_le_bytes(*c)),
            _ => 0,
        };
        let words = match n {
            0..=8 => [w0, 0, 0],
            9..=16 => [w0, last >> (8 * (16 - n)), 0],
            17..=24 => [w0, lower_word(word_at(b, 1)), last >> (8 * (24 - n))],
            _ => [w0, lower_word(word_at(b, 1)), lower_word(word_at(b, 2))],
        };
        let h = (w0 ^ (n as u64).rotate_left(40)).wrapping_mul(K);
        Key {
            len: n,
            hash: (h.rotate_left(23) ^ last).wrapping_mul(K),
            words,
        }
    }

    /// The slot bits a matching slot has in its length and tag fields.
    #[inline]
    fn want(&self) -> u64 {
        (self.len as u64) << LEN_SHIFT | ((self.hash >> 59) & TAG_MASK) << TAG_SHIFT
    }

    /// The slot this key starts probing at in the table `(base, mask)`.
    #[inline]
    fn home(&self, (base, mask): (u32, u32)) -> usize {
        base as usize + ((self.hash >> 20) as usize & mask as usize)
    }
}

impl ActionIndex {
    /// Indexes every action of every service, and the services themselves (the table after
    /// the last service's). Among names equal ignoring case the first (in catalog order) is
    /// kept, as the hash maps this replaces did.
    pub(crate) fn new(services: &[Service]) -> ActionIndex {
        let mut ix = ActionIndex::default();
        for s in services {
            ix.starts.push(ix.keys.len() as u32);
            ix.keys
                .extend(s.actions.iter().map(|a| sort_key(a.name.as_bytes())));
            for a in &s.actions {
                ix.type_starts.push(ix.types.len() as u32);
                ix.types
                    .extend(a.resource_types.iter().map(|t| t.index as u16));
            }
            let table = ix.add_table(s.actions.len());
            for (ai, a) in s.actions.iter().enumerate() {
                let flags = if a.supports_resource_level() {
                    RESOURCE_LEVEL
                } else {
                    0
                };
                ix.insert(table, ai, a.name.as_bytes(), flags);
            }
        }
        ix.starts.push(ix.keys.len() as u32);
        ix.type_starts.push(ix.types.len() as u32);
        let table = ix.add_table(services.len());
        for (si, s) in services.iter().enumerate() {
            ix.insert(table, si, s.prefix.as_bytes(), 0);
        }
        ix
    }

    /// Adds the table of exact condition keys: `(service or usize::MAX, key index, name)` in
    /// declaration order (the first of names equal ignoring case is kept).
    pub(crate) fn add_condition_keys(&mut self, keys: &[(usize, usize, &str)]) {
        let table = self.add_table(keys.len());
        self.tables.pop(); // not a service's table: kept apart
        for (i, &(_, _, name)) in keys.iter().enumerate() {
            self.insert(table, i, name.as_bytes(), 0);
        }
        self.key_refs = keys.iter().map(|&(s, k, _)| (s, k)).collect();
        self.key_table = Some(table);
    }

    /// The condition key named `key` (any case, no template matching): `(service or
    /// usize::MAX, key index)`.
    #[inline]
    pub(crate) fn find_condition_key(&self, key: &str) -> Option<(usize, usize)> {
        let b = key.as_bytes();
        let slot = self.probe(self.key_table?, &Key::new(b), b)?.meta;
        self.key_refs
            .get(((slot & ACTION_BITS) - 1) as usize)
            .copied()
    }

    /// Appends an empty table for `n` names; a load factor of 0.4 to 0.8 keeps it small (fewer
    /// cache lines and pages) with short probe runs.
    fn add_table(&mut self, n: usize) -> (u32, u32) {
        let size = (n + n / 4 + 1).next_power_of_two().max(4);
        let base = self.slots.len();
        self.tables.push((base as u32, (size - 1) as u32));
        self.slots.resize(base + size, Slot::default());
        (base as u32, (size - 1) as u32)
    }

    /// Adds the name `b` with the value `index` to `table`, unless a name equal to it
    /// ignoring case is there already.
    fn insert(&mut self, table: (u32, u32), index: usize, b: &[u8], flags: u64) {
        if b.is_empty() || b.len() as u64 > LEN_MASK || index >= ACTION_BITS as usize {
            return; // never in the bundled data (names ≤ 63 bytes, ≤ 826 actions a service)
        }
        let key = Key::new(b);
        if self.probe(table, &key, b).is_some() {
            return;
        }
        let word = self.rest.len();
        self.rest
            .extend((INLINE..b.len().div_ceil(8)).map(|k| lower_word(word_at(b, k))));
        let meta = (index as u64 + 1) | key.want() | flags | (word as u64) << WORD_SHIFT;
        let mask = table.1 as usize;
        let mut i = key.home(table);
        while self.slots[i].meta != 0 {
            i = table.0 as usize + ((i - table.0 as usize + 1) & mask);
        }
        self.slots[i] = Slot {
            meta,
            head: key.words,
        };
    }

    /// The resource types of an action, as indices into its service's resource types.
    pub(crate) fn types_of(&self, r: ActionRef) -> &[u16] {
        let Some(&start) = self.starts.get(r.service as usize) else {
            return &[];
        };
        let a = start as usize + usize::from(r.action);
        match self.type_starts.get(a..a + 2) {
            Some(&[from, to]) => self
                .types
                .get(from as usize..to as usize)
                .unwrap_or_default(),
            _ => &[],
        }
    }

    /// The indices of the actions of service `service` whose names start with `head`,
    /// ignoring ASCII case (a contiguous run: actions are sorted by lower-cased name), with
    /// the names themselves compared only when `head` is longer than eight bytes.
    pub(crate) fn with_prefix(
        &self,
        services: &[Service],
        service: usize,
        head: &str,
    ) -> std::ops::Range<usize> {
        let (Some(&[from, to]), Some(svc)) = (
            self.starts.get(service..service.saturating_add(2)),
            services.get(service),
        ) else {
            return 0..0;
        };
        let Some(keys) = self.keys.get(from as usize..to as usize) else {
            return 0..0;
        };
        let k = sort_key(head.as_bytes());
        // Names starting with the first (up to) eight bytes of `head`: keys from `k` to `k`
        // with its padding bytes all ones.
        let pad = 8usize.saturating_sub(head.len());
        let hi = if pad == 8 {
            u64::MAX
        } else {
            k | ((1u64 << (8 * pad)) - 1)
        };
        let lo_i = keys.partition_point(|&x| x < k);
        let hi_i = lo_i + keys[lo_i..].partition_point(|&x| x <= hi);
        if head.len() <= 8 {
            return lo_i..hi_i;
        }
        // Longer heads: among the names with equal keys, the run that starts with `head`.
        let names = &svc.actions[lo_i..hi_i];
        let a = names.partition_point(|a| super::cmp_ci(a.name, head) == std::cmp::Ordering::Less);
        let n = names[a..].partition_point(|x| {
            x.name
                .as_bytes()
                .get(..head.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(head.as_bytes()))
        });
        lo_i + a..lo_i + a + n
    }

    /// The action `name` (any case) of the service with index `service`.
    #[inline]
    pub(crate) fn find(&self, service: usize, name: &str) -> Option<ActionRef> {
        let b = name.as_bytes();
        let &table = self.tables.get(service)?;
        let slot = self.probe(table, &Key::new(b), b)?.meta;
        Some(ActionRef {
            service: service as u32,
            action: ((slot & ACTION_BITS) - 1) as u16,
            resource_level: slot & RESOURCE_LEVEL != 0,
        })
    }

    /// The index of the service with prefix `prefix` (any case).
    #[inline]
    pub(crate) fn find_service(&self, prefix: &str) -> Option<usize> {
        let b = prefix.as_bytes();
        let &table = self.tables.last()?;
        let slot = self.probe(table, &Key::new(b), b)?.meta;
        Some(((slot & ACTION_BITS) - 1) as usize)
    }

    /// `service:name` lookups for many pairs at once, in order: first every service is found
    /// (its table is small and stays cached) and every name hashed; then every name's first
    /// slot is read, in a tight loop of its own; then each name is looked up. The slot reads
    /// do not depend on one another, so the processor overlaps their cache misses (the action tables are cold after the
    /// document itself has streamed through the cache) instead of waiting for each in turn.
    pub(crate) fn find_many<'q>(
        &self,
        queries: impl IntoIterator<Item = (&'q str, &'q str)>,
        out: &mut Vec<Option<ActionRef>>,
    ) {
        let queries = queries.into_iter();
        let mut first: Vec<(u32, Key, u64, &str)> = Vec::with_capacity(queries.size_hint().0);
        let mut last: Option<(&str, usize)> = None;
        first.extend(queries.map(|(svc, name)| {
            const NONE: Key = Key {
                len: 0,
                hash: 0,
                words: [0; INLINE],
            };
            let b = name.as_bytes();
            if b.is_empty() || b.len() as u64 > LEN_MASK || svc.is_empty() {
                return (u32::MAX, NONE, 0, name);
            }
            // A policy's actions come in runs of one service: its spelling repeats.
            let service = match last {
                Some((text, i)) if same_text(text.as_bytes(), svc.as_bytes()) => Some(i),
                _ => self.find_service(svc),
            };
            let Some((i, table)) = service.and_then(|i| Some((i, *self.tables.get(i)?))) else {
                return (u32::MAX, NONE, 0, name);
            };
            last = Some((svc, i));
            let key = Key::new(b);
            // The home slot's index for now; its meta word in the loop below.
            (i as u32, key, key.home(table) as u64, name)
        }));
        // The home slots' reads alone, a few instructions each: the processor's reorder
        // window holds many of them at once, so their cache misses overlap (interleaved with
        // the hashing above, only three or four did).
        for (service, _, home, _) in &mut first {
            if *service != u32::MAX {
                *home = self.slots.get(*home as usize).map_or(0, |s| s.meta);
            }
        }
        out.extend(first.iter().map(|&(service, key, meta, name)| {
            if meta == 0 {
                return None; // an empty first slot, or no such service
            }
            let &table = self.tables.get(service as usize)?;
            let slot = self.probe(table, &key, name.as_bytes())?;
            Some(ActionRef {
                service,
                action: ((slot.meta & ACTION_BITS) - 1) as u16,
                resource_level: slot.meta & RESOURCE_LEVEL != 0,
            })
        }));
    }

    /// The slot of the name `b` (whose key is `key`) in `table`, if any.
    #[inline(always)]
    fn probe(&self, table: (u32, u32), key: &Key, b: &[u8]) -> Option<&Slot> {
        if key.len == 0 || key.len as u64 > LEN_MASK {
            return None;
        }
        let want = key.want();
        let check = LEN_MASK << LEN_SHIFT | TAG_MASK << TAG_SHIFT;
        let (base, mask) = (table.0 as usize, table.1 as usize);
        let mut i = key.home(table) - base;
        loop {
            let slot = self.slots.get(base + i)?;
            if slot.meta == 0 {
                return None;
            }
            if slot.meta & check == want && slot.head == key.words && self.rest_is(slot, b) {
                return Some(slot);
            }
            i = (i + 1) & mask;
        }
    }

    /// True when the stored words of a name longer than the inline words are those of `b`.
    #[inline]
    fn rest_is(&self, slot: &Slot, b: &[u8]) -> bool {
        let n = b.len().div_ceil(8);
        if n <= INLINE {
            return true;
        }
        let w = (slot.meta >> WORD_SHIFT) as usize;
        let Some(rest) = self.rest.get(w..w + n - INLINE) else {
            return false;
        };
        rest.iter()
            .enumerate()
            .all(|(k, &s)| lower_word(word_at(b, k + INLINE)) == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_zero_padded_little_endian() {
        for len in 0..40usize {
            let b: Vec<u8> = (0..len).map(|i| b'A' + (i % 26) as u8).collect();
            for k in 0..len.div_ceil(8) {
                let mut w = [0u8; 8];
                let part = &b[8 * k..(8 * k + 8).min(len)];
                w[..part.len()].copy_from_slice(part);
                assert_eq!(word_at(&b, k), u64::from_le_bytes(w), "{len} {k}");
            }
        }
    }

    /// Every action is found under any spelling, as the first action of its service with that
    /// name ignoring case; near misses (one byte changed, cut or added) are found only when
    /// the service has an action of that name.
    #[test]
    fn finds_every_action_and_nothing_else() {
        let cat = super::super::Catalog::get();
        let mut n = 0;
        for (si, s) in cat.services().iter().enumerate() {
            let first = |name: &str| {
                s.actions
                    .iter()
                    .position(|a| a.name.eq_ignore_ascii_case(name))
            };
            for a in &s.actions {
                for spelling in [
                    a.name.to_string(),
                    a.name.to_ascii_lowercase(),
                    a.name.to_ascii_uppercase(),
                ] {
                    let r = cat.find_action(si, &spelling).expect(a.name);
                    assert_eq!(
                        (r.service_index(), Some(r.action_index())),
                        (si, first(a.name))
                    );
                    assert_eq!(r.supports_resource_level(), a.supports_resource_level());
                    n += 1;
                }
                let b = a.name.as_bytes();
                let mut misses = vec![
                    format!("{}x", a.name),
                    a.name[..a.name.len() - 1].to_string(),
                    format!("{}\u{e9}", a.name),
                ];
                for k in [0, b.len() / 2, b.len() - 1] {
                    let mut m = b.to_vec();
                    m[k] = if m[k] == b'q' { b'z' } else { b'q' };
                    misses.push(String::from_utf8(m).unwrap_or_default());
                }
                for m in misses {
                    let found = cat.find_action(si, &m).map(|r| r.action_index());
                    assert_eq!(found, first(&m), "{} {m}", s.prefix);
                }
            }
        }
        assert_eq!(n, 3 * cat.action_count());
        assert!(cat.find_action(0, "").is_none());
        assert!(cat.find_action(usize::MAX, "GetObject").is_none());
    }

    /// `find_many` answers as `service_index` + `find` do, pair by pair, for found and
    /// missing services and names.
    #[test]
    fn batch_lookup_agrees_with_single_lookups() {
        let cat = super::super::Catalog::get();
        let mut queries: Vec<(String, String)> = Vec::new();
        let services = cat.services();
        for (si, s) in services.iter().enumerate().step_by(3) {
            let other = services[(si + 1) % services.len()].prefix;
            for a in s.actions.iter().step_by(5) {
                queries.push((s.prefix.to_ascii_uppercase(), a.name.to_ascii_uppercase()));
                queries.push((s.prefix.into(), format!("{}s", a.name)));
                queries.push((other.into(), a.name.into()));
                queries.push((format!("{}x", s.prefix), a.name.into()));
            }
        }
        queries.push((String::new(), "GetObject".into()));
        queries.push(("s3".into(), String::new()));
        let q: Vec<(&str, &str)> = queries
            .iter()
            .map(|(s, n)| (s.as_str(), n.as_str()))
            .collect();
        let mut out = vec![None];
        cat.find_actions(q.iter().copied(), &mut out);
        let expected: Vec<_> = q
            .iter()
            .map(|&(s, n)| cat.find_action(cat.service_index(s)?, n))
            .collect();
        assert_eq!(out[0], None, "appends");
        assert_eq!(out[1..], expected[..]);
        assert!(expected.iter().filter(|r| r.is_some()).count() > 1000);
    }

    /// Every service is found under any spelling; near misses are not.
    #[test]
    fn finds_every_service() {
        let cat = super::super::Catalog::get();
        for (si, s) in cat.services().iter().enumerate() {
            assert_eq!(cat.service_index(s.prefix), Some(si));
            assert_eq!(cat.service_index(&s.prefix.to_ascii_uppercase()), Some(si));
            for miss in [format!("{}x", s.prefix), s.prefix[1..].to_string()] {
                let expected = cat
                    .services()
                    .iter()
                    .position(|t| t.prefix.eq_ignore_ascii_case(&miss));
                assert_eq!(cat.service_index(&miss), expected, "{miss}");
            }
        }
        assert_eq!(cat.service_index(""), None);
    }

    /// `with_prefix` is the run of names starting with the head, ignoring case.
    #[test]
    fn prefix_runs_match_a_linear_filter() {
        let cat = super::super::Catalog::get();
        for (si, s) in cat.services().iter().enumerate() {
            let mut heads = vec![String::new(), "zzzz".into(), "A".into()];
            for a in s.actions.iter().step_by(7) {
                for n in [1, 3, 7, 8, 9, 12, a.name.len()] {
                    if let Some(h) = a.name.get(..n) {
                        heads.push(h.to_ascii_uppercase());
                        heads.push(format!("{h}~"));
                    }
                }
            }
            for h in heads {
                let expected: Vec<usize> = (0..s.actions.len())
                    .filter(|&i| {
                        let n = s.actions[i].name.as_bytes();
                        n.len() >= h.len() && n[..h.len()].eq_ignore_ascii_case(h.as_bytes())
                    })
                    .collect();
                let run = cat.actions_with_prefix(si, &h);
                assert_eq!(
                    run.clone().collect::<Vec<_>>(),
                    expected,
                    "{} {h}",
                    s.prefix
                );
            }
        }
        assert!(cat.actions_with_prefix(usize::MAX, "a").is_empty());
    }

    /// The packed resource types of every action are its `resource_types_of`.
    #[test]
    fn resource_type_indices_are_the_actions_types() {
        let cat = super::super::Catalog::get();
        let mut with_types = 0;
        for (si, s) in cat.services().iter().enumerate() {
            for a in &s.actions {
                let r = cat.find_action(si, a.name).expect(a.name);
                let (_, first) = cat.action_at(r).expect(a.name);
                let packed: Vec<&str> = cat
                    .resource_type_indices(r)
                    .iter()
                    .map(|&t| s.resource_types[usize::from(t)].name)
                    .collect();
                let expected: Vec<&str> = s.resource_types_of(first).map(|t| t.name).collect();
                assert_eq!(packed, expected, "{}:{}", s.prefix, a.name);
                with_types += usize::from(!packed.is_empty());
            }
        }
        assert!(with_types > 10_000, "{with_types}");
    }

    /// Every declared condition key is found under any spelling, as its first declaration
    /// (global keys first, then service by service).
    #[test]
    fn finds_every_condition_key_as_declared_first() {
        let cat = super::super::Catalog::get();
        let all: Vec<&super::super::ConditionKey> = cat
            .global_condition_keys()
            .iter()
            .chain(cat.services().iter().flat_map(|s| s.condition_keys.iter()))
            .collect();
        assert!(all.len() > 1000);
        for k in &all {
            let first = all
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(k.name))
                .unwrap();
            for spelling in [k.name.to_string(), k.name.to_ascii_uppercase()] {
                let found = cat.condition_key(&spelling).expect(k.name);
                assert!(std::ptr::eq(found, *first), "{spelling}");
            }
        }
    }
}
