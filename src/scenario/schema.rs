//! The parameter schema: one declaration per section gives the struct, its defaults, and the
//! metadata that validation, `params` and `check` read, so there is never a second list to keep.

/// What kind of value a parameter takes, with its allowed range.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A real number in `[lo, hi]`.
    Float {
        /// Lowest allowed value.
        lo: f64,
        /// Highest allowed value.
        hi: f64,
    },
    /// A whole number in `[lo, hi]`.
    Int {
        /// Lowest allowed value.
        lo: i64,
        /// Highest allowed value.
        hi: i64,
    },
    /// `true` or `false`.
    Bool,
    /// Free text.
    Text,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// A list of whole numbers in `[lo, hi]`.
    IntList {
        /// Lowest allowed value.
        lo: i64,
        /// Highest allowed value.
        hi: i64,
    },
    /// A list of words.
    TextList,
    /// A table mapping parameter paths to numbers or booleans (scheduled events).
    PathMap,
    /// A nested table with its own fields.
    Table(&'static [Field]),
    /// An array of tables, each with these fields.
    TableList(&'static [Field]),
}

/// One parameter of a section: its key, its meaning, and what it accepts.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key as written in the scenario file.
    pub name: &'static str,
    /// One line saying what the parameter means.
    pub doc: &'static str,
    /// What the key accepts.
    pub kind: Kind,
}

/// A scenario section whose fields are described by the schema.
pub trait Section {
    /// The section's fields, in declaration order.
    const FIELDS: &'static [Field];
}

impl Kind {
    /// The allowed range or type, in words, for messages and `params`.
    pub fn describe(&self) -> String {
        match self {
            Kind::Float { lo, hi } if *lo == f64::MIN && *hi == f64::MAX => {
                "a finite number".into()
            }
            Kind::Float { lo, hi } if *hi == f64::MAX => format!("a number >= {lo}"),
            Kind::Float { lo, hi } => format!("a number in [{lo}, {hi}]"),
            Kind::Int { lo, hi } if *hi == i64::MAX => format!("a whole number >= {lo}"),
            Kind::Int { lo, hi } => format!("a whole number in [{lo}, {hi}]"),
            Kind::Bool => "true or false".into(),
            Kind::Text => "a string".into(),
            Kind::Choice(words) => format!("one of {}", quoted_list(words)),
            Kind::IntList { lo, hi } => format!("a list of whole numbers in [{lo}, {hi}]"),
            Kind::TextList => "a list of strings".into(),
            Kind::PathMap => "a table of parameter paths to values".into(),
            Kind::Table(_) => "a table".into(),
            Kind::TableList(_) => "an array of tables".into(),
        }
    }
}

/// `"a", "b" or "c"`, for messages that list the allowed words.
pub fn quoted_list(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// Declares a scenario section: the struct, its `Default`, and its schema fields.
///
/// Each field is `/// doc` then `name: Type = default => Kind,`.
macro_rules! section {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                #[doc = $doc:literal]
                $field:ident : $ty:ty = $default:expr => $kind:expr,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $( #[doc = $doc] pub $field: $ty, )*
        }
        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }
        impl $crate::scenario::schema::Access for $name {
            fn slot(&mut self, path: &str) -> Option<$crate::scenario::schema::Slot<'_>> {
                let (head, rest) = match path.split_once('.') {
                    Some((head, rest)) => (head, Some(rest)),
                    None => (path, None),
                };
                match head {
                    $( stringify!($field) => $crate::scenario::schema::SlotAt::slot_at(&mut self.$field, rest), )*
                    _ => None,
                }
            }
        }
        impl $crate::scenario::schema::SlotAt for $name {
            fn slot_at(&mut self, rest: Option<&str>) -> Option<$crate::scenario::schema::Slot<'_>> {
                rest.and_then(|r| $crate::scenario::schema::Access::slot(self, r))
            }
        }
        impl $crate::scenario::schema::Section for $name {
            const FIELDS: &'static [$crate::scenario::schema::Field] = &[
                $( $crate::scenario::schema::Field {
                    name: stringify!($field),
                    doc: $doc.trim_ascii(),
                    kind: $kind,
                }, )*
            ];
        }
    };
}
pub(crate) use section;

/// A mutable place of one numeric or boolean parameter, found by its path.
pub enum Slot<'a> {
    /// A real-valued parameter.
    Float(&'a mut f64),
    /// A switch.
    Bool(&'a mut bool),
}

/// Finds a parameter by dotted path inside a section, without allocating, so that scheduled
/// events can change parameters in the middle of a run.
pub trait Access {
    /// The numeric or boolean parameter at `path`, if there is one.
    fn slot(&mut self, path: &str) -> Option<Slot<'_>>;
}

/// How a field of a section answers a path lookup.
pub trait SlotAt {
    /// `rest` is the remaining path below this field, `None` when the path ends here.
    fn slot_at(&mut self, rest: Option<&str>) -> Option<Slot<'_>>;
}

impl SlotAt for f64 {
    fn slot_at(&mut self, rest: Option<&str>) -> Option<Slot<'_>> {
        rest.is_none().then_some(Slot::Float(self))
    }
}

impl SlotAt for bool {
    fn slot_at(&mut self, rest: Option<&str>) -> Option<Slot<'_>> {
        rest.is_none().then_some(Slot::Bool(self))
    }
}

/// Fields that events cannot change.
macro_rules! no_slot {
    ($($t:ty),*) => {$(
        impl SlotAt for $t {
            fn slot_at(&mut self, _: Option<&str>) -> Option<Slot<'_>> {
                None
            }
        }
    )*};
}
no_slot!(u32, u64, String);

impl<T> SlotAt for Vec<T> {
    fn slot_at(&mut self, _: Option<&str>) -> Option<Slot<'_>> {
        None
    }
}

impl<K, V> SlotAt for std::collections::BTreeMap<K, V> {
    fn slot_at(&mut self, _: Option<&str>) -> Option<Slot<'_>> {
        None
    }
}

/// Shorthand kinds used in section declarations.
pub mod kinds {
    use super::Kind;
    /// A probability or share in `[0, 1]`.
    pub const UNIT: Kind = Kind::Float { lo: 0.0, hi: 1.0 };
    /// `true` or `false`.
    pub const BOOL: Kind = Kind::Bool;
    /// Free text.
    pub const TEXT: Kind = Kind::Text;
    /// A whole number in `[lo, hi]`.
    pub const fn int(lo: i64, hi: i64) -> Kind {
        Kind::Int { lo, hi }
    }
    /// A real number in `[lo, hi]`.
    pub const fn float(lo: f64, hi: f64) -> Kind {
        Kind::Float { lo, hi }
    }
}

/// Every leaf parameter below `fields`, as (dotted path, field), depth first in declaration order.
pub fn leaves(fields: &'static [Field], prefix: &str, out: &mut Vec<(String, &'static Field)>) {
    for field in fields {
        let path = if prefix.is_empty() {
            field.name.to_string()
        } else {
            format!("{prefix}.{}", field.name)
        };
        match field.kind {
            Kind::Table(inner) => leaves(inner, &path, out),
            Kind::TableList(inner) => leaves(inner, &format!("{path}[]"), out),
            _ => out.push((path, field)),
        }
    }
}

/// The declared range of the real-valued parameter at dotted `path` below `fields`, found
/// without allocating (scheduled events clip what they add to it, docs/ODD.md §3).
pub fn float_range(fields: &'static [Field], path: &str) -> Option<(f64, f64)> {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let field = fields.iter().find(|f| f.name == head)?;
    match (field.kind, rest) {
        (Kind::Float { lo, hi }, None) => Some((lo, hi)),
        (Kind::Table(inner), Some(rest)) => float_range(inner, rest),
        _ => None,
    }
}

/// Longest key, in characters, for which a nearest known key is sought. The edit distance takes
/// time in the product of the two lengths, so a million-character key took many seconds; no
/// key of the schema comes near this length, so nothing that is a typo loses its hint.
const NEAREST_MAX_CHARS: usize = 100;

/// The known key nearest to `key`, if one is close enough to be a likely typo.
pub fn nearest<'a>(key: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let short = |s: &str| s.chars().nth(NEAREST_MAX_CHARS).is_none();
    if !short(key) {
        return None;
    }
    known
        .into_iter()
        // Names the user wrote (providers) may be long too.
        .filter(|k| short(k))
        .map(|k| (strsim::normalized_damerau_levenshtein(key, k), k))
        .filter(|(score, k)| *score >= 0.5 || k.contains(key) || key.contains(k))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// The schema kind of the parameter at `path`; array elements are addressed by index or name.
pub fn kind_at(path: &str) -> Option<Kind> {
    let mut fields: &'static [Field] = crate::scenario::Scenario::fields();
    let mut parts = path.split('.');
    while let Some(part) = parts.next() {
        let field = fields.iter().find(|f| f.name == part)?;
        match field.kind {
            Kind::Table(inner) => fields = inner,
            Kind::TableList(inner) => {
                parts.next()?;
                fields = inner;
            }
            kind => return parts.next().is_none().then_some(kind),
        }
    }
    None
}

/// The field at a dotted `path` of [`leaves`] (list elements written `name[]`).
fn field_at(path: &str) -> Option<&'static Field> {
    let mut fields = crate::scenario::Scenario::fields();
    let mut found = None;
    for part in path.split('.') {
        let field = fields
            .iter()
            .find(|f| f.name == part.trim_end_matches("[]"))?;
        if let Kind::Table(inner) | Kind::TableList(inner) = field.kind {
            fields = inner;
        }
        found = Some(field);
    }
    found
}

/// What the leaf `field` at `path` means. A key of a shared small table (a distribution's
/// `mean` and `sd`, a logic mix's three weights) says only "mean of the attribute across agents"
/// on its own, so the attribute's own line comes first: "Willingness to take up leadership at
/// the start: mean of the attribute across agents."
pub fn meaning(path: &str, field: &Field) -> String {
    let shared = |inner: &[Field]| {
        let names: Vec<&str> = inner.iter().map(|f| f.name).collect();
        names == ["mean", "sd"] || names == crate::scenario::LOGICS
    };
    let parent = path.rsplit_once('.').and_then(|(p, _)| field_at(p));
    match parent {
        Some(p) if matches!(p.kind, Kind::Table(inner) if shared(inner)) => {
            let mut rest = field.doc.chars();
            let first = rest.next().map(|c| c.to_lowercase().to_string());
            format!(
                "{}: {}{}",
                p.doc.trim_end_matches('.'),
                first.unwrap_or_default(),
                rest.as_str()
            )
        }
        _ => field.doc.to_string(),
    }
}

/// A parameter's name for a chart's axis or title, from its meaning in the schema (what
/// `params` prints): the doc line without its parenthetical asides, its third and later
/// clauses or its final full stop, with "this arena" named, e.g. "Strength of the directive
/// route" for `arenas.strategic.directive_strength` and "Whether anyone does leadership work in
/// the strategic arena" for `arenas.strategic.enabled`. A path the schema does not know is
/// returned as it is.
pub fn display_name(path: &str) -> String {
    let Some(field) = field_at(path) else {
        return path.to_string();
    };
    let mut text = String::new();
    let mut depth = 0usize;
    for c in meaning(path, field).chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    // "A: b: c" keeps "A: b", the attribute and which of its figures.
    let clauses: Vec<&str> = text.split(": ").collect();
    let mut name = clauses[..clauses.len().min(2)].join(": ");
    if let Some(arena) = path
        .strip_prefix("arenas.")
        .and_then(|rest| rest.split('.').next())
    {
        name = name.replace("this arena", &format!("the {arena} arena"));
    }
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = name.trim_end_matches(['.', ',', ';', ' ']);
    if name.is_empty() {
        path.to_string()
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_come_from_the_schema_without_asides() {
        assert_eq!(
            display_name("arenas.strategic.directive_strength"),
            "Strength of the directive route"
        );
        assert_eq!(
            display_name("arenas.strategic.enabled"),
            "Whether anyone does leadership work in the strategic arena"
        );
        assert_eq!(
            display_name("gp.willingness.mean"),
            "Willingness to take up leadership at the start: mean of the attribute across agents"
        );
        assert_eq!(
            display_name("gp.logic.market"),
            "Mean logic mix of GPs: weight of the market logic"
        );
        assert_eq!(display_name("no.such.path"), "no.such.path");
    }

    #[test]
    fn nearest_finds_a_typo_and_ignores_strangers() {
        let known = ["reversion_rate", "grassroots_adoption", "enabled"];
        assert_eq!(nearest("reversion_rat", known), Some("reversion_rate"));
        assert_eq!(nearest("enabeld", known), Some("enabled"));
        assert_eq!(nearest("zzzzqqq", known), None);
        // Too long to compare: no hint rather than minutes of edit distance.
        assert_eq!(nearest(&"reversion_rate".repeat(10), known), None);
    }

    #[test]
    fn float_range_finds_a_nested_declared_range() {
        let fields = crate::scenario::Scenario::fields();
        assert_eq!(
            float_range(fields, "arenas.strategic.national_pull"),
            Some((0.0, 100.0))
        );
        assert_eq!(
            float_range(fields, "environment.policy_uncertainty"),
            Some((0.0, 1.0))
        );
        assert_eq!(float_range(fields, "arenas.strategic.enabled"), None);
        assert_eq!(float_range(fields, "arenas.nothing"), None);
    }

    #[test]
    fn quoted_list_reads_as_english() {
        assert_eq!(quoted_list(&["a", "b", "c"]), "\"a\", \"b\" or \"c\"");
        assert_eq!(quoted_list(&["a"]), "\"a\"");
    }
}
