//! Small collections for the handful of items a policy or a decision holds: a sorted map that
//! rejects duplicate keys, a bit set of an enumeration, and a stable insertion sort.
//!
//! Why not `BTreeMap`, `BTreeSet` and `slice::sort`: each key and value type instantiates
//! their machinery again — 325 B-tree functions and a dozen copies of the stable sort were a
//! fifth of the wasm (measured). The lists here hold at most a few dozen items, where a
//! sorted vector, a bit mask and an insertion sort are as fast and a fraction of the code.

use core::marker::PhantomData;

/// An enumeration with a fixed list of values (every `wire_enum!`).
pub trait Enumeration: Copy + 'static {
    /// Every value, in declaration order.
    const VALUES: &'static [Self];
    /// The position in [`Enumeration::VALUES`].
    fn position(self) -> u32;
}

/// A set of values of an enumeration, iterated in declaration order (which is also their
/// `Ord` order).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct EnumSet<T> {
    bits: u64,
    kind: PhantomData<T>,
}

impl<T: Enumeration> EnumSet<T> {
    /// The empty set.
    pub fn new() -> Self {
        EnumSet { bits: 0, kind: PhantomData }
    }

    fn bit(value: T) -> u64 {
        1u64.checked_shl(value.position()).unwrap_or(0)
    }

    /// Add `value`.
    pub fn insert(&mut self, value: T) {
        self.bits |= Self::bit(value);
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: T) -> bool {
        self.bits & Self::bit(value) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// The values, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        T::VALUES.iter().copied().filter(|value| self.contains(*value))
    }
}

impl<T: Enumeration> FromIterator<T> for EnumSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut set = EnumSet::new();
        for item in items {
            set.insert(item);
        }
        set
    }
}

impl<T: Enumeration> Extend<T> for EnumSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.insert(item);
        }
    }
}

impl<T: Enumeration + core::fmt::Debug> core::fmt::Debug for EnumSet<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Sort `items` by `key`, keeping equal items in their order. Insertion sort: the lists
/// sorted here have at most a few dozen items.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 {
            let (Some(before), Some(current)) = (items.get(j - 1), items.get(j)) else { break };
            if key(before) <= key(current) {
                break;
            }
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Sort and remove duplicates.
pub fn sort_dedup<T: Ord>(items: &mut Vec<T>) {
    sort(items);
    items.dedup();
}

/// Sort `items` (stable insertion sort, see [`sort_by_key`]).
pub fn sort<T: Ord>(items: &mut [T]) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && items.get(j - 1) > items.get(j) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}
