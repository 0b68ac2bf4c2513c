//! Maven versions, parsed and ordered as `org.apache.maven.artifact.versioning.ComparableVersion`
//! of maven-artifact 3.8.7 (Debian's, the oracle of the differential tests) does, made a total
//! order where `compareTo` is not one (see below).
//!
//! ref: apache/maven maven-artifact/src/main/java/org/apache/maven/artifact/versioning/ComparableVersion.java
//! (3.8.x; checked against the bytecode of /usr/share/java/maven-artifact-3.x.jar with `javap -c`).
//!
//! **Every string is a valid Maven version.** `ComparableVersion(String)` never throws for a
//! non-null string: the parser only splits, and every numeric token it hands to
//! `Integer.parseInt`, `Long.parseLong` or `new BigInteger` consists of `Character.isDigit`
//! characters (which all three accept) and is short enough for the type chosen by its length.
//! So `Version::parse` never fails, and nonsense like `foo` or the empty string (which equals
//! `0`) are versions, ordered like any other.
//!
//! The algorithm, in short:
//! - lower-case the text (`toLowerCase(Locale.ENGLISH)`);
//! - split it into items at `.`, at `-` and at every digit/non-digit transition; an empty item
//!   (`1..2`, `-1`) is the number 0; `-` and a transition open a nested sub-list, `.` does not
//!   (so `1-1` is `[1, [1]]`);
//! - a number is an `IntItem` (up to 9 digits after stripping leading zeros), `LongItem` (up to
//!   18) or `BigIntegerItem`: numbers of different kinds compare by kind alone, which is right
//!   because the kind follows from the length, except for zero: an all-zero number keeps its
//!   length, so `0000000000` is a `LongItem`, greater than any `IntItem`;
//! - a string is a qualifier: `alpha` < `beta` < `milestone` < `rc` = `cr` < `snapshot` < `` =
//!   `ga` = `final` = `release` < `sp` < any other string (those in lexical order); `a`, `b`, `m`
//!   directly followed by a digit mean `alpha`, `beta`, `milestone`;
//! - each list drops its trailing "null" items (0, the release qualifier, empty lists), innermost
//!   first;
//! - lists compare item by item, a missing item comparing like `null`: numbers > lists >
//!   qualifiers, and against `null` a number is greater unless 0, a qualifier is compared with
//!   the release qualifier, a list by its first item that differs from `null`.
//!
//! **`ComparableVersion` is not a total order**, and a Rust [`Ord`] must be one (sorting may
//! panic otherwise). The missing item (`null`) that pads the shorter version acts as 0 against
//! a number, as the release qualifier against a qualifier and as an empty list against a list,
//! while items of different kinds compare by kind alone (numbers > lists > qualifiers). So
//! maven-artifact 3.8.7 itself says `1 < 1-1 < 1.0.alpha.1 < 1`, `1.foo.1 < 1-alpha < 1 <
//! 1.foo.1` and `1.ga.1 < 1.0.alpha.1 < 1 < 1.ga.1`. tollgate orders like `compareTo` except
//! at the first element where two versions differ, if what follows from there in each lies on
//! opposite sides of their common prefix (one tail compares below nothing, the other above):
//! then that decides, as it does when one version simply ends there. This is a total order (it
//! is lexicographic on `(tail sign, element)` pairs), and it differs from `compareTo` only on
//! pairs that `compareTo` itself orders inconsistently: with `z` their common prefix,
//! `compareTo` then says `a < z < b` yet `b < a`. Above, tollgate says `1.0.alpha.1 < 1 < 1-1`,
//! `1-alpha < 1 < 1.foo.1` and `1.0.alpha.1 < 1 < 1.ga.1`. [`Version::compare_as_maven`] is
//! `compareTo` exactly; the differential tests check both against the jar.
//!
//! Maven 3.9.x (checked against the source of a 3.9.9 copy) orders like 3.8.7; only its `equals`
//! changed (it compares the item lists, not the canonical strings), which tollgate does not
//! use: `Eq` here follows `compareTo`, which in Java can disagree with `equals`
//! (`1.0000000000.1` has the canonical form of `1.0.1` but compares greater: a 10-digit zero is
//! a `LongItem`). Later Maven test suites expect `1.0.final-redhat` < `1.0-sp1-redhat`
//! (MNG-7714); 3.8.7 says greater, and so does tollgate. Maven 4's `ComparableVersion` is not
//! modelled.
//!
//! Known limit: Java lower-cases with its own Unicode tables (Unicode 13 in Java 17); tollgate
//! uses Rust's, so a handful of exotic non-ASCII letters may lower-case differently. Digits are
//! exact: Java's `Character.isDigit` is reproduced with its table of decimal-digit runs.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Write as _;

/// A Maven version: the item tree of `ComparableVersion`, kept flat.
///
/// A `ComparableVersion` is a tree of lists in which every list holds plain items followed by at
/// most one sub-list, always its last element (the parser only ever appends a new list and then
/// continues inside it). So the tree is a chain, stored here as `levels`: `levels[0]` holds the
/// plain items of the top list, `levels[1]` those of its sub-list, and so on. A flat chain keeps
/// comparison and dropping iterative, so a version like `a1a1a1…` of any length cannot overflow
/// the stack.
#[derive(Clone, Debug)]
pub struct Version {
    levels: Vec<Vec<Item>>,
    /// For each level in turn, how the tail starting at each of its elements compares with
    /// nothing: one entry per item (items `i..` and the sub-lists after them) and one more for
    /// the sub-list (`Equal` without one). See [`Ord`].
    signs: Vec<Ordering>,
}

/// A plain (non-list) item.
#[derive(Clone, Debug)]
enum Item {
    /// `IntItem`, `LongItem` or `BigIntegerItem`.
    Number(Number),
    /// `StringItem`.
    Qualifier(Qualifier),
}

/// A numeric item: its Java type (chosen by the length of its digits) and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Number {
    /// Compared first: every `IntItem` < every `LongItem` < every `BigIntegerItem`.
    kind: NumberKind,
    value: Value,
}

/// A non-negative integer of any size.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    /// Up to 19 significant digits (below 10^19, which fits).
    Small(u64),
    /// More: ASCII digits without leading zeros, so longer is greater.
    Big(Box<str>),
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Small(a), Self::Small(b)) => a.cmp(b),
            (Self::Small(_), Self::Big(_)) => Ordering::Less,
            (Self::Big(_), Self::Small(_)) => Ordering::Greater,
            (Self::Big(a), Self::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        // ref: IntItem.compareTo: case LONG_ITEM / BIGINTEGER_ITEM: return -1 (by kind), and
        // values of one kind numerically.
        self.kind
            .cmp(&other.kind)
            .then_with(|| self.value.cmp(&other.value))
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Item {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Number(a), Self::Number(b)) => a.cmp(b),
            // ref: IntItem.compareTo: case STRING_ITEM: return 1; // 1.1 > 1-sp
            (Self::Number(_), Self::Qualifier(_)) => Ordering::Greater,
            // ref: StringItem.compareTo: case INT_ITEM ...: return -1; // 1.any < 1.1 ?
            (Self::Qualifier(_), Self::Number(_)) => Ordering::Less,
            (Self::Qualifier(a), Self::Qualifier(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Item {}

/// `IntItem`, `LongItem`, `BigIntegerItem`, in the order their `compareTo` ranks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum NumberKind {
    Int,
    Long,
    BigInteger,
}

/// A `StringItem`, ordered as `comparableQualifier` orders them: the known qualifiers by their
/// index in `QUALIFIERS`, then every other string lexically.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Qualifier {
    Known(Known),
    /// Not one of `QUALIFIERS` (after aliasing): `"7-" + value`, so after every known one.
    Other(Box<str>),
}

/// ref: StringItem.QUALIFIERS = { "alpha", "beta", "milestone", "rc", "snapshot", "", "sp" }
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Known {
    Alpha,
    Beta,
    Milestone,
    Rc,
    Snapshot,
    /// The empty string: a plain release (`ga`, `final`, `release` are aliases of it).
    Release,
    Sp,
}

impl Ord for Qualifier {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Known(a), Self::Known(b)) => a.cmp(b),
            (Self::Known(_), Self::Other(_)) => Ordering::Less,
            (Self::Other(_), Self::Known(_)) => Ordering::Greater,
            (Self::Other(a), Self::Other(b)) => java_string_cmp(a, b),
        }
    }
}

impl PartialOrd for Qualifier {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Qualifier {
    /// ref: StringItem(String value, boolean followedByDigit)
    fn new(value: &str, followed_by_digit: bool) -> Self {
        // a1 = alpha-1, b1 = beta-1, m1 = milestone-1
        let value = match value {
            "a" if followed_by_digit => "alpha",
            "b" if followed_by_digit => "beta",
            "m" if followed_by_digit => "milestone",
            other => other,
        };
        // ref: ALIASES: ga -> "", final -> "", release -> "", cr -> rc
        let known = match value {
            "alpha" => Known::Alpha,
            "beta" => Known::Beta,
            "milestone" => Known::Milestone,
            "rc" | "cr" => Known::Rc,
            "snapshot" => Known::Snapshot,
            "" | "ga" | "final" | "release" => Known::Release,
            "sp" => Known::Sp,
            other => return Self::Other(other.into()),
        };
        Self::Known(known)
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Known(Known::Alpha) => "alpha",
            Self::Known(Known::Beta) => "beta",
            Self::Known(Known::Milestone) => "milestone",
            Self::Known(Known::Rc) => "rc",
            Self::Known(Known::Snapshot) => "snapshot",
            Self::Known(Known::Release) => "",
            Self::Known(Known::Sp) => "sp",
            Self::Other(value) => value,
        }
    }
}

/// Java's `String.compareTo`: UTF-16 code units, not code points, so a character above U+FFFF
/// (a surrogate pair, D800–DBFF first) sorts before U+E000–U+FFFF.
fn java_string_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The zero digit of every run of `Character.isDigit` characters in the Basic Multilingual Plane
/// (Java 17, Unicode 13; generated by iterating `Character.isDigit((char) c)` over U+0000–U+FFFF:
/// 37 runs, each the ten digits 0–9 in order, `Character.digit` giving 0 at the listed code
/// point). Java's parser looks at UTF-16 code units, so a digit outside the BMP (a surrogate
/// pair) is not a digit to it.
const JAVA_DIGIT_ZEROS: [u32; 37] = [
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

/// `Character.digit(c, 10)` for the characters `Character.isDigit` accepts, else `None`.
fn java_digit(c: char) -> Option<u8> {
    if c.is_ascii() {
        return c.is_ascii_digit().then(|| c as u8 - b'0');
    }
    let code = u32::from(c);
    // The last run whose zero is at or below `code`.
    let index = JAVA_DIGIT_ZEROS.partition_point(|&zero| zero <= code);
    let zero = *JAVA_DIGIT_ZEROS.get(index.checked_sub(1)?)?;
    u8::try_from(code - zero).ok().filter(|&digit| digit < 10)
}

/// ref: ComparableVersion.parseItem (3.8: leading zeros stripped first, MNG-6572/MNG-6964)
fn parse_item(is_digit: bool, token: &str) -> Item {
    if !is_digit {
        return Item::Qualifier(Qualifier::new(token, false));
    }
    // ref: stripLeadingZeroes: only ASCII '0' is stripped, and an all-zero string is kept whole
    // (so `0000000000`, ten zeros, is a `LongItem` of value 0).
    let stripped = match token.trim_start_matches('0') {
        "" => token,
        rest => rest,
    };
    // `length()` counts UTF-16 code units; every Java digit is in the BMP, one unit each.
    let kind = match stripped.chars().count() {
        0..=9 => NumberKind::Int,
        10..=18 => NumberKind::Long,
        _ => NumberKind::BigInteger,
    };
    // `parseInt` and friends read any `Character.isDigit` digit by its `Character.digit` value.
    let significant = || {
        token
            .chars()
            .filter_map(java_digit)
            .skip_while(|&digit| digit == 0)
    };
    let value = if significant().count() <= 19 {
        // At most 19 digits: below 10^19 < 2^64, no overflow.
        Value::Small(significant().fold(0, |value, digit| value * 10 + u64::from(digit)))
    } else {
        Value::Big(
            significant()
                .map(|digit| char::from(b'0' + digit))
                .collect(),
        )
    };
    Item::Number(Number { kind, value })
}

impl Item {
    /// `IntItem.ZERO`, what an empty token (`1..1`, `-1`) becomes.
    fn zero() -> Self {
        Self::Number(Number {
            kind: NumberKind::Int,
            value: Value::Small(0),
        })
    }

    /// ref: Item.isNull: 0 of any kind, or the release qualifier.
    fn is_null(&self) -> bool {
        match self {
            Self::Number(number) => number.value == Value::Small(0),
            Self::Qualifier(qualifier) => *qualifier == Qualifier::Known(Known::Release),
        }
    }

    /// `item.compareTo(null)`: how the item compares with a missing one.
    fn cmp_null(&self) -> Ordering {
        match self {
            // ref: IntItem.compareTo: return ( value == 0 ) ? 0 : 1; // 1.0 == 1, 1.1 > 1
            Self::Number(number) => {
                if number.value == Value::Small(0) {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            // ref: StringItem.compareTo: comparableQualifier( value ).compareTo( RELEASE_VERSION_INDEX )
            Self::Qualifier(qualifier) => qualifier.cmp(&Qualifier::Known(Known::Release)),
        }
    }

    /// `item.compareTo(list)` for a plain item.
    fn cmp_list(&self) -> Ordering {
        match self {
            // ref: IntItem.compareTo: case LIST_ITEM: return 1; // 1.1 > 1-1
            Self::Number(_) => Ordering::Greater,
            // ref: StringItem.compareTo: case LIST_ITEM: return -1; // 1.any < 1-1
            Self::Qualifier(_) => Ordering::Less,
        }
    }

    fn text(&self) -> Cow<'_, str> {
        match self {
            Self::Number(Number {
                value: Value::Small(value),
                ..
            }) => Cow::Owned(value.to_string()),
            Self::Number(Number {
                value: Value::Big(digits),
                ..
            }) => Cow::Borrowed(digits),
            Self::Qualifier(qualifier) => Cow::Borrowed(qualifier.as_str()),
        }
    }
}

/// An element of a list in the chain: a plain item, or the sub-list (always the last element).
enum Element<'a> {
    Item(&'a Item),
    SubList,
}

/// The `index`-th element of the list whose plain items are `items` and which has a sub-list
/// when `has_sub_list`.
fn element(items: &[Item], has_sub_list: bool, index: usize) -> Option<Element<'_>> {
    match items.get(index) {
        Some(item) => Some(Element::Item(item)),
        None if has_sub_list && index == items.len() => Some(Element::SubList),
        None => None,
    }
}

/// `list.compareTo(null)` for the list at the head of `levels`.
///
/// ref: ListItem.compareTo (3.8): if ( item == null ) { ... for ( Item i : this ) { int result =
/// i.compareTo( null ); if ( result != 0 ) return result; } return 0; }
/// The sub-list is the last element, so its items simply follow: the chain is walked in order.
fn cmp_list_null(levels: &[Vec<Item>]) -> Ordering {
    levels
        .iter()
        .flatten()
        .map(Item::cmp_null)
        .find(|ordering| ordering.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// ref: ListItem.compareTo(ListItem): pairwise, a missing element comparing as `null`
/// (`l == null ? ( r == null ? 0 : -1 * r.compareTo( l ) ) : l.compareTo( r )`).
fn cmp_lists(mut left: &[Vec<Item>], mut right: &[Vec<Item>]) -> Ordering {
    'lists: loop {
        // Both chains are non-empty here: the top list always exists and a sub-list is only
        // entered when both sides have one. An empty chain is read as an empty list.
        let (left_items, left_rest) = left
            .split_first()
            .map_or((&[][..], &[][..]), |(items, rest)| (items.as_slice(), rest));
        let (right_items, right_rest) = right
            .split_first()
            .map_or((&[][..], &[][..]), |(items, rest)| (items.as_slice(), rest));
        let left_sub = !left_rest.is_empty();
        let right_sub = !right_rest.is_empty();
        let len = (left_items.len() + usize::from(left_sub))
            .max(right_items.len() + usize::from(right_sub));
        for index in 0..len {
            let ordering = match (
                element(left_items, left_sub, index),
                element(right_items, right_sub, index),
            ) {
                (Some(Element::Item(l)), Some(Element::Item(r))) => l.cmp(r),
                (Some(Element::Item(l)), Some(Element::SubList)) => l.cmp_list(),
                (Some(Element::SubList), Some(Element::Item(r))) => r.cmp_list().reverse(),
                (Some(Element::SubList), Some(Element::SubList)) => {
                    // The last element of both: the lists compare as their sub-lists do.
                    left = left_rest;
                    right = right_rest;
                    continue 'lists;
                }
                (Some(Element::Item(l)), None) => l.cmp_null(),
                (None, Some(Element::Item(r))) => r.cmp_null().reverse(),
                (Some(Element::SubList), None) => cmp_list_null(left_rest),
                (None, Some(Element::SubList)) => cmp_list_null(right_rest).reverse(),
                (None, None) => Ordering::Equal,
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        return Ordering::Equal;
    }
}

impl Version {
    /// Parse as `new ComparableVersion(text)`; never fails (see the module documentation).
    ///
    /// ref: ComparableVersion.parseVersion (3.8.7)
    #[must_use]
    pub fn new(text: &str) -> Self {
        // ref: version = version.toLowerCase( Locale.ENGLISH );
        let lower: Cow<'_, str> = if !text.is_ascii() {
            Cow::Owned(text.to_lowercase())
        } else if text.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(text)
        };
        let lower = lower.as_ref();

        // `done` holds the finished lists of the chain, `list` the one being filled
        // (`list.add( list = new ListItem() )` is `done.push(take(list))`).
        let mut done: Vec<Vec<Item>> = Vec::new();
        let mut list: Vec<Item> = Vec::new();
        let mut is_digit = false;
        let mut start = 0;
        for (i, c) in lower.char_indices() {
            if c == '.' {
                list.push(if i == start {
                    Item::zero()
                } else {
                    parse_item(is_digit, lower.get(start..i).unwrap_or_default())
                });
                start = i + 1;
            } else if c == '-' {
                list.push(if i == start {
                    Item::zero()
                } else {
                    parse_item(is_digit, lower.get(start..i).unwrap_or_default())
                });
                start = i + 1;
                done.push(std::mem::take(&mut list));
            } else if java_digit(c).is_some() {
                if !is_digit && i > start {
                    // 1.0.0.X1 < 1.0.0-X2: a qualifier opens a sub-list unless it starts one
                    // (MNG-7644, already in 3.8.7)
                    if !list.is_empty() {
                        done.push(std::mem::take(&mut list));
                    }
                    list.push(Item::Qualifier(Qualifier::new(
                        lower.get(start..i).unwrap_or_default(),
                        true,
                    )));
                    start = i;
                    done.push(std::mem::take(&mut list));
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    list.push(parse_item(true, lower.get(start..i).unwrap_or_default()));
                    start = i;
                    done.push(std::mem::take(&mut list));
                }
                is_digit = false;
            }
        }
        if lower.len() > start {
            if !is_digit && !list.is_empty() {
                done.push(std::mem::take(&mut list));
            }
            list.push(parse_item(is_digit, lower.get(start..).unwrap_or_default()));
        }
        done.push(list);
        normalize(&mut done);
        let signs = tail_signs(&done);
        Self {
            levels: done,
            signs,
        }
    }

    /// `ComparableVersion.compareTo` exactly, which is not transitive (see the module
    /// documentation); [`Ord`] is the total order tollgate uses.
    #[must_use]
    pub fn compare_as_maven(&self, other: &Self) -> Ordering {
        cmp_lists(&self.levels, &other.levels)
    }

    /// `getCanonical()`: the items joined by `.`, a sub-list by `-`.
    ///
    /// ref: ListItem.toString: a separator only when the list's buffer is non-empty, so a
    /// leading empty qualifier swallows the next separator (`ga.1` → `1`).
    #[must_use]
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        let mut parent_non_empty = false;
        for (depth, items) in self.levels.iter().enumerate() {
            if depth > 0 && parent_non_empty {
                out.push('-');
            }
            let mut own = String::new();
            for item in items {
                if !own.is_empty() {
                    own.push('.');
                }
                own.push_str(&item.text());
            }
            parent_non_empty = !own.is_empty();
            out.push_str(&own);
        }
        out
    }

    /// The item tree as maven-artifact's `main` prints it (`tokens: [1, [alpha, [1]]]`).
    ///
    /// ref: ListItem.toListString: `", "` only once the list's buffer holds more than `[`.
    #[must_use]
    pub fn tokens(&self) -> String {
        let mut out = String::new();
        for (depth, items) in self.levels.iter().enumerate() {
            // The length of this list's own buffer, which starts as `[`.
            let mut own_len = 1;
            out.push('[');
            for item in items {
                if own_len > 1 {
                    out.push_str(", ");
                    own_len += 2;
                }
                let text = item.text();
                own_len += text.len();
                out.push_str(&text);
            }
            if depth + 1 < self.levels.len() && own_len > 1 {
                out.push_str(", ");
            }
        }
        for _ in &self.levels {
            out.push(']');
        }
        out
    }
}

/// ref: ListItem.normalize, applied innermost list first (the stack is popped): drop trailing
/// null items (0, the release qualifier, and sub-lists that became empty), stepping over a
/// non-null sub-list to the items before it.
fn normalize(levels: &mut Vec<Vec<Item>>) {
    let mut depth = levels.len();
    while depth > 0 {
        depth -= 1;
        let has_sub_list = levels.len() > depth + 1;
        let Some(items) = levels.get_mut(depth) else {
            continue;
        };
        while items.last().is_some_and(Item::is_null) {
            items.pop();
        }
        // An empty sub-list is null in its parent, which removes it (it is the parent's last
        // element). The top list stays, empty or not.
        if depth > 0 && items.is_empty() && !has_sub_list {
            levels.truncate(depth);
        }
    }
}

/// How each tail of each level compares with nothing: the first element that is not null
/// decides (`Item::cmp_null`; a sub-list by its own first such element), as
/// `ListItem.compareTo(null)` does.
fn tail_signs(levels: &[Vec<Item>]) -> Vec<Ordering> {
    // Built backwards (deepest level, last item first), then reversed.
    let mut signs = Vec::with_capacity(levels.iter().map(|items| items.len() + 1).sum());
    // The sign of the sub-list of the level being computed (none below the deepest).
    let mut tail = Ordering::Equal;
    for items in levels.iter().rev() {
        signs.push(tail);
        for item in items.iter().rev() {
            let own = item.cmp_null();
            if own.is_ne() {
                tail = own;
            }
            signs.push(tail);
        }
    }
    signs.reverse();
    signs
}

/// The total order: `ComparableVersion.compareTo`, except that where the two versions' tails
/// (from the first element where they differ) lie on opposite sides of their common prefix,
/// that decides. See the module documentation.
fn cmp_total<'a>(
    mut left: &'a [Vec<Item>],
    mut left_signs: &'a [Ordering],
    mut right: &'a [Vec<Item>],
    mut right_signs: &'a [Ordering],
) -> Ordering {
    'lists: loop {
        let (left_items, left_rest) = left
            .split_first()
            .map_or((&[][..], &[][..]), |(items, rest)| (items.as_slice(), rest));
        let (right_items, right_rest) = right
            .split_first()
            .map_or((&[][..], &[][..]), |(items, rest)| (items.as_slice(), rest));
        let split = |signs: &'a [Ordering], len: usize| {
            signs.split_at_checked(len + 1).unwrap_or((signs, &[]))
        };
        let (left_level, left_signs_rest) = split(left_signs, left_items.len());
        let (right_level, right_signs_rest) = split(right_signs, right_items.len());
        let left_sub = !left_rest.is_empty();
        let right_sub = !right_rest.is_empty();
        let len = (left_items.len() + usize::from(left_sub))
            .max(right_items.len() + usize::from(right_sub));
        for index in 0..=len {
            let left_tail = left_level.get(index).copied().unwrap_or(Ordering::Equal);
            let right_tail = right_level.get(index).copied().unwrap_or(Ordering::Equal);
            if left_tail != right_tail {
                // The tails are on opposite sides of the common prefix (or one is empty).
                return left_tail.cmp(&right_tail);
            }
            if left_tail.is_eq() {
                // Both tails empty: a normalised list never ends in null items.
                return Ordering::Equal;
            }
            let ordering = match (
                element(left_items, left_sub, index),
                element(right_items, right_sub, index),
            ) {
                (Some(Element::Item(l)), Some(Element::Item(r))) => l.cmp(r),
                (Some(Element::Item(l)), Some(Element::SubList)) => l.cmp_list(),
                (Some(Element::SubList), Some(Element::Item(r))) => r.cmp_list().reverse(),
                (Some(Element::SubList), Some(Element::SubList)) => {
                    left = left_rest;
                    left_signs = left_signs_rest;
                    right = right_rest;
                    right_signs = right_signs_rest;
                    continue 'lists;
                }
                // A non-empty tail has an element: unreachable, and harmless.
                _ => Ordering::Equal,
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        return Ordering::Equal;
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_total(&self.levels, &self.signs, &other.levels, &other.signs)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl crate::EcosystemVersion for Version {
    /// Never fails: `ComparableVersion` accepts every string.
    fn parse(text: &str) -> Result<Self, String> {
        Ok(Self::new(text))
    }

    fn explain(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "canonical `{}`; tokens: {}",
            self.canonical(),
            self.tokens()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EcosystemVersion;

    fn v(text: &str) -> Version {
        Version::new(text)
    }

    /// In order both for tollgate's total order and for `compareTo`.
    fn assert_order(versions: &[&str]) {
        for (i, low) in versions.iter().enumerate() {
            for high in &versions[i + 1..] {
                assert_eq!(v(low).cmp(&v(high)), Ordering::Less, "{low} < {high}");
                assert_eq!(v(high).cmp(&v(low)), Ordering::Greater, "{high} > {low}");
                let maven = v(low).compare_as_maven(&v(high));
                assert_eq!(maven, Ordering::Less, "compareTo: {low} < {high}");
            }
        }
    }

    fn assert_equal(a: &str, b: &str) {
        assert_eq!(v(a).cmp(&v(b)), Ordering::Equal, "{a} == {b}");
        assert_eq!(v(b).cmp(&v(a)), Ordering::Equal, "{b} == {a}");
        assert_eq!(
            v(a).compare_as_maven(&v(b)),
            Ordering::Equal,
            "compareTo: {a} == {b}"
        );
    }

    // maven-artifact 3.8.7 prints each of these cycles; tollgate breaks each at the pair whose
    // tails lie on opposite sides of the common prefix `1`.
    #[test]
    fn maven_cycles_become_a_total_order() {
        for (cycle, total) in [
            (["1", "1-1", "1.0.alpha.1"], ["1.0.alpha.1", "1", "1-1"]),
            (["1.foo.1", "1-alpha", "1"], ["1-alpha", "1", "1.foo.1"]),
            (
                ["1.ga.1", "1.0.alpha.1", "1"],
                ["1.0.alpha.1", "1", "1.ga.1"],
            ),
            (
                ["000000000", "e0000800000e", "00000000a0"],
                ["00000000a0", "000000000", "e0000800000e"],
            ),
        ] {
            for i in 0..3 {
                let (a, b) = (v(cycle[i]), v(cycle[(i + 1) % 3]));
                assert_eq!(a.compare_as_maven(&b), Ordering::Less, "{cycle:?}");
            }
            let [x, y, z] = total;
            assert_eq!(v(x).cmp(&v(y)), Ordering::Less, "{total:?}");
            assert_eq!(v(y).cmp(&v(z)), Ordering::Less, "{total:?}");
            assert_eq!(v(x).cmp(&v(z)), Ordering::Less, "{total:?}");
        }
    }

    // ref: ComparableVersionTest.VERSIONS_QUALIFIER
    #[test]
    fn qualifier_order() {
        assert_order(&[
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ]);
    }

    // ref: ComparableVersionTest.VERSIONS_NUMBER as of 3.8 (the older array had `2-1` before
    // `2.0.a` and also `2.0.0.a`, which now equals `2.0.a`: MNG-7644)
    #[test]
    fn number_order() {
        assert_order(&[
            "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1",
            "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11",
            "11", "11.a", "11b", "11c", "11m",
        ]);
        assert_equal("2.0.a", "2.0.0.a");
    }

    // ref: ComparableVersionTest.testVersionsEqual and friends
    #[test]
    fn equalities() {
        for (a, b) in [
            ("1", "1.0.0"),
            ("1", "1-0"),
            ("1.0", "1.0-0"),
            ("1a", "1-a"),
            ("1a", "1.0.0-a"),
            ("1.0a", "1-a"),
            ("1x", "1.0-x"),
            ("1ga", "1"),
            ("1release", "1"),
            ("1final", "1"),
            ("1cr", "1rc"),
            ("1a1", "1-alpha-1"),
            ("1b2", "1-beta-2"),
            ("1m3", "1-milestone-3"),
            ("1X", "1x"),
            ("1FINAL", "1"),
            ("1MILESTONE3", "1m3"),
            (
                "1-abcdefghijklmnopqrstuvwxyz",
                "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            ),
            ("0000000000000000001", "1"),
            ("0000000000000000000", "0"),
            ("", "0"),
            ("2-abc", "2.0.0.abc"),
        ] {
            assert_equal(a, b);
        }
    }

    // ref: ComparableVersionTest.testVersionComparing, testMng5568, testMng6572, testMng6964,
    // testMng7644. (testMng7714 of later test suites, `1.0.final-redhat` < `1.0-sp1-redhat`,
    // does not hold for 3.8.7, which says greater: see `not_mng_7714`.)
    #[test]
    fn orderings() {
        for (low, high) in [
            ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"),
            ("1.0", "1.0-1"),
            ("1.0.0", "1.0-1"),
            ("2.0-1", "2.0.1"),
            ("2.0.1-klm", "2.0.1-lmn"),
            ("2.0.1-xyz", "2.0.1-123"),
            ("6.1.0rc3", "6.1.0"),
            ("6.1.0rc3", "6.1H.5-beta"),
            ("6.1.0", "6.1H.5-beta"),
            ("20190126.230843", "1234567890.12345"),
            ("1234567890.12345", "123456789012345.1H.5-beta"),
            (
                "123456789012345.1H.5-beta",
                "12345678901234567890.1H.5-beta",
            ),
            ("1-0.alpha", "1"),
            ("1-0.alpha", "1-0.beta"),
            ("1.0.0.RC1", "1.0.0-RC2"),
            // a 10-digit zero is a LongItem: greater than any IntItem
            ("1.0.1", "1.0000000000.1"),
            ("1.999999999.1", "1.0000000000.1"),
        ] {
            assert_order(&[low, high]);
        }
    }

    #[test]
    fn not_mng_7714() {
        // 3.8.7: `1.0.final-redhat` is [1, [redhat]], an unknown qualifier after `sp`.
        assert_order(&["1.0-sp1-redhat", "1.0.final-redhat"]);
    }

    // Compared with `java -cp maven-artifact-3.x.jar ...ComparableVersion <versions>` (3.8.7).
    #[test]
    fn canonical_and_tokens_as_maven_prints_them() {
        for (text, canonical, tokens) in [
            ("1.0", "1", "[1]"),
            ("1-SNAPSHOT", "1-snapshot", "[1, [snapshot]]"),
            ("1.a", "1-a", "[1, [a]]"),
            ("1.a.2", "1.a.2", "[1, a, 2]"),
            ("a1", "alpha-1", "[alpha, [1]]"),
            ("1a1", "1-alpha-1", "[1, [alpha, [1]]]"),
            ("1.0000000000.1", "1.0.1", "[1, 0, 1]"),
            ("", "", "[]"),
            ("1.ga.1", "1..1", "[1, , 1]"),
            ("1-ga-1", "1-1", "[1, [[1]]]"),
            ("x.y-z1a", "x.y-z-1-a", "[x, y, [z, [1, [a]]]]"),
        ] {
            assert_eq!(v(text).canonical(), canonical, "{text}");
            assert_eq!(v(text).tokens(), tokens, "{text}");
        }
    }

    #[test]
    fn java_digits_and_strings() {
        // Arabic-Indic and fullwidth digits are digits to Java.
        assert_equal("\u{0661}.\u{0662}", "1.2");
        assert_equal("\u{FF11}\u{FF10}", "10");
        // A mathematical bold digit (outside the BMP) is two surrogates, not a digit.
        assert_order(&["1-x", "1-\u{1D7CF}"]);
        // UTF-16 order: U+FFFD sorts after a surrogate pair.
        assert_order(&["1-\u{1F600}", "1-\u{FFFD}"]);
        assert_eq!(java_digit('\u{0669}'), Some(9));
        assert_eq!(java_digit('\u{19DA}'), None);
        assert_eq!(java_digit('x'), None);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = "a1".repeat(200_000);
        let other = format!("{deep}b");
        assert_eq!(v(&deep).cmp(&v(&other)), v(&deep).cmp(&v(&other)));
        let _ = v(&deep).explain();
    }
}
