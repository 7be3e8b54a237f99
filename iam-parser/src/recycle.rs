//! Buffers of an AST that [`crate::validate`] is done with, kept for the next document read on
//! the same thread (issue #10, "validate, fourth session" in `BENCHMARKS.md`).
//!
//! `validate` reads a document into a [`Policy`], checks it and throws it away; without this
//! module every string value (each action, resource, condition key and value) and every
//! `Action`/`Resource` list costs a `malloc` when read and a `free` when dropped — about 15 % of
//! the instructions of a full validation. Here the dropped AST's strings and lists go into
//! per-thread pools sorted by capacity class, and the fast reader (`fast.rs`) takes its
//! buffers from them. Nothing observable changes: a pooled `String`/`Vec` only has more
//! capacity than its length, which no equality, `Debug`, serialization or finding sees.
//!
//! The pools are bounded (at most [`STRING_LIMITS`] strings and [`LIST_LIMITS`] lists per
//! class, a few hundred lists of each condition-block type; under 2 MiB per thread when full,
//! checked by a test): a thread that stops validating keeps at most that.

use iam_model::{Condition, ConditionEntry, ConditionValue, Policy, Principal, Spanned, Statement};

/// Capacity of string class `k` is `16 << k` bytes (16 … 256); longer strings are not pooled.
const STRING_CLASSES: usize = 5;
/// The smallest pooled string capacity.
const MIN_STRING: usize = 16;
/// Most strings kept per class (the large documents of the managed-policy corpus have up to a
/// few thousand values, most of them action names ≤ 32 bytes).
const STRING_LIMITS: [usize; STRING_CLASSES] = [2048, 2048, 1024, 256, 128];

/// Capacity of list class `k` is `1 << k` items (1 … 128); longer lists are not pooled.
const LIST_CLASSES: usize = 8;
/// Most lists kept per class.
const LIST_LIMITS: [usize; LIST_CLASSES] = [512, 256, 128, 64, 32, 16, 8, 4];

/// A list of string values of the AST (`Action`, `Resource`, a principal's values).
type List = Vec<Spanned<String>>;

/// The largest capacity (in items) of a buffer kept in an unsorted stack (statement lists and
/// the condition block's lists, whose lengths are small and grow in place as they are read).
const STACK_MAX_CAPACITY: usize = 16;

/// Empty `Vec`s of any capacity up to [`STACK_MAX_CAPACITY`], taken last in first out, at
/// most `LIMIT` of them.
pub(crate) struct Stack<T, const LIMIT: usize>(Vec<Vec<T>>);

impl<T, const LIMIT: usize> Default for Stack<T, LIMIT> {
    fn default() -> Self {
        Stack(Vec::new())
    }
}

impl<T, const LIMIT: usize> Stack<T, LIMIT> {
    /// An empty `Vec` (kept capacity, or none).
    #[inline]
    pub(crate) fn take(&mut self) -> Vec<T> {
        self.0.pop().unwrap_or_default()
    }

    /// Keeps `v`'s buffer (emptied) if it has one, is not too large and the stack has room.
    #[inline]
    fn keep(&mut self, mut v: Vec<T>) {
        let cap = v.capacity();
        if cap > 0 && cap <= STACK_MAX_CAPACITY && self.0.len() < LIMIT {
            v.clear();
            self.0.push(v);
        }
    }
}

/// The per-thread pools.
#[derive(Default)]
pub(crate) struct Pool {
    /// Empty strings with capacity ≥ `16 << k`, by class `k`.
    strings: [Vec<String>; STRING_CLASSES],
    /// Empty lists with capacity ≥ `1 << k`, by class `k`.
    lists: [Vec<List>; LIST_CLASSES],
    /// A policy's statement lists (one per document).
    pub(crate) statements: Stack<Statement, 4>,
    /// A statement's `Condition` blocks.
    pub(crate) conditions: Stack<Condition, 128>,
    /// An operator's keys.
    pub(crate) entries: Stack<ConditionEntry, 128>,
    /// A key's values.
    pub(crate) values: Stack<ConditionValue, 256>,
}

thread_local! {
    static POOL: std::cell::Cell<Option<Box<Pool>>> = const { std::cell::Cell::new(None) };
}

/// Takes this thread's pool (an empty one the first time, or while another reader holds it).
pub(crate) fn take() -> Box<Pool> {
    POOL.take().unwrap_or_default()
}

/// Gives the pool back to this thread.
pub(crate) fn put(pool: Box<Pool>) {
    POOL.set(Some(pool));
}

/// The class of a buffer that must hold `n` items (`n ≥ 1`), with `2^(shift)` the smallest
/// class: ⌈log2 n⌉ − shift, at least 0.
#[inline]
fn class_for_len(n: usize, shift: u32) -> usize {
    ((usize::BITS - (n - 1).leading_zeros()).saturating_sub(shift)) as usize
}

/// The class of a buffer of capacity `cap` (`cap ≥ 2^shift`): ⌊log2 cap⌋ − shift.
#[inline]
fn class_for_capacity(cap: usize, shift: u32) -> usize {
    (usize::BITS - 1 - cap.leading_zeros() - shift) as usize
}

impl Pool {
    /// A `String` holding `s`, from the pool when one of a fitting class is there.
    #[inline]
    pub(crate) fn string(&mut self, s: &str) -> String {
        let n = s.len();
        if n == 0 || n > MIN_STRING << (STRING_CLASSES - 1) {
            return s.to_owned();
        }
        let k = class_for_len(n, MIN_STRING.trailing_zeros());
        let mut out = match self.strings[k].pop() {
            Some(buf) => buf,
            None => String::with_capacity(MIN_STRING << k),
        };
        out.push_str(s);
        out
    }

    /// An empty list with room for `n` items, from the pool when one of a fitting class is there.
    #[inline]
    pub(crate) fn list(&mut self, n: usize) -> List {
        if n == 0 {
            return Vec::new();
        }
        if n > 1 << (LIST_CLASSES - 1) {
            return Vec::with_capacity(n);
        }
        let k = class_for_len(n, 0);
        match self.lists[k].pop() {
            Some(buf) => buf,
            None => Vec::with_capacity(1 << k),
        }
    }

    /// Keeps `s`'s buffer (if its class has room), else frees it.
    #[inline]
    fn keep_string(&mut self, mut s: String) {
        let cap = s.capacity();
        if !(MIN_STRING..MIN_STRING << STRING_CLASSES).contains(&cap) {
            return;
        }
        let k = class_for_capacity(cap, MIN_STRING.trailing_zeros());
        let class = &mut self.strings[k];
        if class.len() < STRING_LIMITS[k] {
            s.clear();
            class.push(s);
        }
    }

    /// Keeps the strings of `list` and the list itself (each if its class has room).
    fn keep_list(&mut self, mut list: List) {
        for v in list.drain(..) {
            self.keep_string(v.value);
        }
        let cap = list.capacity();
        if !(1..1 << LIST_CLASSES).contains(&cap) {
            return;
        }
        let k = class_for_capacity(cap, 0);
        let class = &mut self.lists[k];
        if class.len() < LIST_LIMITS[k] {
            class.push(list);
        }
    }

    /// Takes `policy` apart, keeping its strings and value lists for the next documents.
    pub(crate) fn recycle(&mut self, policy: Policy) {
        if let Some(id) = policy.id {
            self.keep_string(id.value);
        }
        let mut statements = policy.statements;
        for st in statements.drain(..) {
            if let Some(sid) = st.sid {
                self.keep_string(sid.value);
            }
            if let Some(p) = st.principal
                && let Principal::Map(entries) = p.value
            {
                for (_, values) in entries {
                    self.keep_list(values);
                }
            }
            self.keep_list(st.action.values);
            if let Some(r) = st.resource {
                self.keep_list(r.values);
            }
            let mut conditions = st.conditions;
            for c in conditions.drain(..) {
                let mut entries = c.entries;
                for e in entries.drain(..) {
                    self.keep_string(e.key.value);
                    let mut values = e.values;
                    for v in values.drain(..) {
                        self.keep_string(v.text);
                    }
                    self.values.keep(values);
                }
                self.entries.keep(entries);
            }
            self.conditions.keep(conditions);
        }
        self.statements.keep(statements);
    }
}

/// Takes `policy` apart into this thread's pools (see the module docs).
pub(crate) fn recycle(policy: Policy) {
    let mut pool = take();
    pool.recycle(policy);
    put(pool);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code
    use super::*;

    #[test]
    fn classes_fit_their_contents() {
        for n in 1..=MIN_STRING << (STRING_CLASSES - 1) {
            let k = class_for_len(n, 4);
            assert!(MIN_STRING << k >= n, "{n}");
            assert!(
                k == 0 || MIN_STRING << (k - 1) < n,
                "{n}: class {k} is not the smallest"
            );
        }
        for cap in MIN_STRING..4096 {
            let k = class_for_capacity(cap, 4);
            assert!(
                MIN_STRING << k <= cap && cap < MIN_STRING << (k + 1),
                "{cap}"
            );
        }
        for n in 1..=128usize {
            let k = class_for_len(n, 0);
            assert!(1 << k >= n && (k == 0 || 1 << (k - 1) < n), "{n}");
        }
    }

    #[test]
    fn pooled_buffers_hold_exactly_what_was_asked() {
        let mut pool = Pool::default();
        let texts = ["", "s3:GetObject", &"x".repeat(200), &"y".repeat(600), "é"];
        for round in 0..3 {
            let strings: Vec<String> = texts.iter().map(|t| pool.string(t)).collect();
            for (s, t) in strings.iter().zip(texts) {
                assert_eq!(s, t, "round {round}");
            }
            for s in strings {
                pool.keep_string(s);
            }
        }
        // Strings longer than the largest class and empty ones are not kept.
        assert_eq!(pool.strings.iter().map(Vec::len).sum::<usize>(), 3);
        let mut list = pool.list(3);
        assert!(list.is_empty() && list.capacity() >= 3);
        list.push(Spanned::new(pool.string("a"), iam_model::Span::default()));
        pool.keep_list(list);
        let again = pool.list(4);
        assert!(again.is_empty() && again.capacity() >= 4);
        assert!(pool.list(200).capacity() >= 200);
    }

    /// The most memory a full pool holds (buffers only), the figure the module docs give.
    fn full_size() -> usize {
        let strings: usize = (0..STRING_CLASSES)
            .map(|k| STRING_LIMITS[k] * ((MIN_STRING << (k + 1)) + size_of::<String>()))
            .sum();
        let lists: usize = (0..LIST_CLASSES)
            .map(|k| LIST_LIMITS[k] * ((2 << k) * size_of::<Spanned<String>>() + size_of::<List>()))
            .sum();
        let stack =
            |limit: usize, item: usize| limit * (STACK_MAX_CAPACITY * item + size_of::<List>());
        strings
            + lists
            + stack(4, size_of::<Statement>())
            + stack(128, size_of::<Condition>())
            + stack(128, size_of::<ConditionEntry>())
            + stack(256, size_of::<ConditionValue>())
    }

    #[test]
    fn a_full_pool_stays_under_its_documented_bound() {
        let bytes = full_size();
        assert!(bytes < 2 << 20, "{bytes} bytes");
    }

    #[test]
    fn the_pools_are_bounded() {
        let mut pool = Pool::default();
        for _ in 0..STRING_LIMITS[0] + 10 {
            pool.keep_string(String::with_capacity(16));
        }
        assert_eq!(pool.strings[0].len(), STRING_LIMITS[0]);
        for _ in 0..LIST_LIMITS[7] + 10 {
            pool.keep_list(Vec::with_capacity(200));
        }
        assert_eq!(pool.lists[7].len(), LIST_LIMITS[7]);
        // Buffers far larger than the largest class are freed, not kept.
        pool.keep_string(String::with_capacity(100_000));
        pool.keep_list(Vec::with_capacity(100_000));
        pool.conditions.keep(Vec::with_capacity(100_000));
        assert_eq!(pool.strings[STRING_CLASSES - 1].len(), 0);
        assert_eq!(pool.lists[7].len(), LIST_LIMITS[7]);
        assert!(pool.conditions.0.is_empty());
    }
}
