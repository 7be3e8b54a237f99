//! The packed action index behind [`super::Catalog::find_action`]: one small open-addressing
//! table per service, whose 8-byte slots carry the action's index, its name's length, a few
//! hash bits and the facts the validator asks about (resource-level support), and the
//! lower-cased names of each service's actions side by side in one word array.
//!
//! A lookup hashes the queried name (its length and its first and last eight bytes,
//! lower-cased a word at a time), probes the service's slots, and compares the queried name
//! lower-cased a word at a time against the stored words: no allocation, no pointer chasing
//! into the `Service`/`Action` records, and the slots and names of one service lie together,
//! so the services a policy names stay in the cache (issue #10, BENCHMARKS.md round 8).

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
/// Slot bits 32..64: where the name's words start in `names`.
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

/// The hash of a name from its length and its lower-cased first and last words.
#[inline]
fn hash(b: &[u8]) -> u64 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let n = b.len();
    let head = lower_word(word_at(b, 0));
    let tail = if n > 8 {
        lower_word(u64::from_le_bytes(
            *b[n - 8..].first_chunk::<8>().unwrap_or(&[0; 8]),
        ))
    } else {
        0
    };
    let h = (head ^ (n as u64).rotate_left(40)).wrapping_mul(K);
    (h.rotate_left(23) ^ tail).wrapping_mul(K)
}

impl ActionIndex {
    /// Indexes every action of every service. Among names equal ignoring case the first
    /// (in catalog order) is kept, as the hash map this replaces did.
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
            // A load factor of 0.4 to 0.8: a small table stays in fewer cache lines and pages.
            let n = s.actions.len();
            let size = (n + n / 4 + 1).next_power_of_two().max(4);
            let base = ix.slots.len();
            ix.tables.push((base as u32, (size - 1) as u32));
            ix.slots.resize(base + size, Slot::default());
            for (ai, a) in s.actions.iter().enumerate() {
                let b = a.name.as_bytes();
                if b.len() as u64 > LEN_MASK || ai >= ACTION_BITS as usize {
                    continue; // never in the bundled data (names ≤ 63 bytes, ≤ 826 actions)
                }
                if ix.probe(base, size - 1, b).is_some() {
                    continue;
                }
                let word = ix.rest.len();
                let mut head = [0u64; INLINE];
                for k in 0..b.len().div_ceil(8) {
                    let w = lower_word(word_at(b, k));
                    match head.get_mut(k) {
                        Some(slot) => *slot = w,
                        None => ix.rest.push(w),
                    }
                }
                let h = hash(b);
                let meta = (ai as u64 + 1)
                    | (b.len() as u64) << LEN_SHIFT
                    | if a.supports_resource_level() {
                        RESOURCE_LEVEL
                    } else {
                        0
                    }
                    | ((h >> 59) & TAG_MASK) << TAG_SHIFT
                    | (word as u64) << WORD_SHIFT;
                let mut i = (h >> 20) as usize & (size - 1);
                while ix.slots[base + i].meta != 0 {
                    i = (i + 1) & (size - 1);
                }
                ix.slots[base + i] = Slot { meta, head };
            }
        }
        ix.starts.push(ix.keys.len() as u32);
        ix.type_starts.push(ix.types.len() as u32);
        ix
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
        let &(base, mask) = self.tables.get(service)?;
        let slot = self
            .probe(base as usize, mask as usize, name.as_bytes())?
            .meta;
        Some(ActionRef {
            service: service as u32,
            action: ((slot & ACTION_BITS) - 1) as u16,
            resource_level: slot & RESOURCE_LEVEL != 0,
        })
    }

    /// [`ActionIndex::find`] for many names at once, in order. First every name is hashed and
    /// its first slot read, then each is looked up: the reads of the first loop do not depend
    /// on one another, so the processor overlaps their cache misses (the tables are cold
    /// after the document itself has streamed through the cache) instead of waiting for each.
    pub(crate) fn find_many(&self, queries: &[(usize, &str)], out: &mut Vec<Option<ActionRef>>) {
        let mut first: Vec<(u64, u64)> = Vec::with_capacity(queries.len());
        first.extend(queries.iter().map(|&(service, name)| {
            let b = name.as_bytes();
            match self.tables.get(service) {
                Some(&(base, mask)) if !b.is_empty() && b.len() as u64 <= LEN_MASK => {
                    let h = hash(b);
                    let i = base as usize + ((h >> 20) as usize & mask as usize);
                    (h, self.slots.get(i).map_or(0, |s| s.meta))
                }
                _ => (0, 0),
            }
        }));
        out.extend(
            queries
                .iter()
                .zip(&first)
                .map(|(&(service, name), &(h, meta))| {
                    if meta == 0 {
                        return None; // an empty first slot, or no such table
                    }
                    let &(base, mask) = self.tables.get(service)?;
                    let slot =
                        self.probe_hashed(base as usize, mask as usize, name.as_bytes(), h)?;
                    Some(ActionRef {
                        service: service as u32,
                        action: ((slot.meta & ACTION_BITS) - 1) as u16,
                        resource_level: slot.meta & RESOURCE_LEVEL != 0,
                    })
                }),
        );
    }

    /// The slot of `b` in the table at `base` with `mask`, if any.
    #[inline]
    fn probe(&self, base: usize, mask: usize, b: &[u8]) -> Option<&Slot> {
        if b.is_empty() || b.len() as u64 > LEN_MASK {
            return None;
        }
        self.probe_hashed(base, mask, b, hash(b))
    }

    /// [`ActionIndex::probe`] with the hash of `b` computed (`b` is 1..=`LEN_MASK` bytes).
    #[inline]
    fn probe_hashed(&self, base: usize, mask: usize, b: &[u8], h: u64) -> Option<&Slot> {
        let want = (b.len() as u64) << LEN_SHIFT | ((h >> 59) & TAG_MASK) << TAG_SHIFT;
        let check = LEN_MASK << LEN_SHIFT | TAG_MASK << TAG_SHIFT;
        let mut i = (h >> 20) as usize & mask;
        loop {
            let slot = self.slots.get(base + i)?;
            if slot.meta == 0 {
                return None;
            }
            if slot.meta & check == want && self.name_is(slot, b) {
                return Some(slot);
            }
            i = (i + 1) & mask;
        }
    }

    /// True when the name stored in `slot` is `b` ignoring ASCII case (lengths are equal).
    #[inline]
    fn name_is(&self, slot: &Slot, b: &[u8]) -> bool {
        let n = b.len().div_ceil(8);
        let inline = slot
            .head
            .iter()
            .take(n)
            .enumerate()
            .all(|(k, &s)| lower_word(word_at(b, k)) == s);
        if !inline {
            return false;
        }
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

    /// `find_many` answers as `find` does, entry by entry, for found and missing names.
    #[test]
    fn batch_lookup_agrees_with_single_lookups() {
        let cat = super::super::Catalog::get();
        let mut queries: Vec<(usize, String)> = Vec::new();
        for (si, s) in cat.services().iter().enumerate().step_by(3) {
            for a in s.actions.iter().step_by(5) {
                queries.push((si, a.name.to_ascii_uppercase()));
                queries.push((si, format!("{}s", a.name)));
                queries.push((si + 1, a.name.to_string()));
            }
        }
        queries.push((usize::MAX, "GetObject".into()));
        queries.push((0, String::new()));
        let q: Vec<(usize, &str)> = queries.iter().map(|(s, n)| (*s, n.as_str())).collect();
        let mut out = vec![None];
        cat.find_actions(&q, &mut out);
        let expected: Vec<_> = q.iter().map(|&(s, n)| cat.find_action(s, n)).collect();
        assert_eq!(out[0], None, "appends");
        assert_eq!(out[1..], expected[..]);
        assert!(expected.iter().filter(|r| r.is_some()).count() > 1000);
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
}
