//! What one resolved scenario changes from another (`check --diff`): each difference as a
//! `--set`-style path, with elements of named lists addressed by name, so that a reader sees what
//! a file that `extends` another really does after lists merge.

use toml::{Table, Value};

use super::Scenario;

/// One difference between two resolved scenarios.
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    /// A value both have, with different contents.
    Changed {
        /// The parameter path, as for `--set` (`provider.acute.defensiveness`).
        path: String,
        /// The value in the parent.
        parent: Value,
        /// The value in the child.
        child: Value,
    },
    /// An element of a named list that only the child has.
    Added {
        /// The element's path (`event.<name>`).
        path: String,
        /// The whole element.
        value: Value,
    },
    /// An element of a named list that only the parent has.
    Removed {
        /// The element's path (`event.<name>`).
        path: String,
    },
}

/// Every difference of `child` from `parent`, by path in alphabetical order (as TOML tables hold
/// keys; within a named list, the parent's elements in order, then the child's new ones), named
/// lists compared element by element by name and any other value as a whole.
pub fn differences(parent: &Scenario, child: &Scenario) -> Vec<Difference> {
    let mut out = Vec::new();
    // Plain structs of numbers, strings and tables always serialise.
    let (Ok(Value::Table(a)), Ok(Value::Table(b))) =
        (Value::try_from(parent), Value::try_from(child))
    else {
        return out;
    };
    tables(&a, &b, "", &mut out);
    out
}

fn tables(a: &Table, b: &Table, prefix: &str, out: &mut Vec<Difference>) {
    // Both are the same struct serialised, so they have the same keys in the same order.
    for (key, bv) in b {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let Some(av) = a.get(key) else {
            continue;
        };
        match (av, bv) {
            (Value::Table(at), Value::Table(bt)) => tables(at, bt, &path, out),
            (Value::Array(aa), Value::Array(ba)) if named(aa) && named(ba) => {
                lists(aa, ba, &path, out)
            }
            _ if av != bv => out.push(Difference::Changed {
                path,
                parent: av.clone(),
                child: bv.clone(),
            }),
            _ => {}
        }
    }
}

/// Whether every element of a list is a table with a name (an empty list is named too, so that
/// a list emptied or filled compares element by element).
fn named(items: &[Value]) -> bool {
    items.iter().all(|v| name(v).is_some())
}

fn name(v: &Value) -> Option<&str> {
    v.get("name").and_then(Value::as_str)
}

fn lists(a: &[Value], b: &[Value], path: &str, out: &mut Vec<Difference>) {
    let element = |n: &str| {
        // A name with a dot or space could not be written after `--set` unquoted; show it quoted.
        if n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            format!("{path}.{n}")
        } else {
            format!("{path}.{}", Value::String(n.to_string()))
        }
    };
    for av in a {
        let n = name(av).unwrap_or_default();
        match b.iter().find(|bv| name(bv) == Some(n)) {
            Some(bv) => {
                if let (Value::Table(at), Value::Table(bt)) = (av, bv) {
                    tables(at, bt, &element(n), out);
                }
            }
            None => out.push(Difference::Removed { path: element(n) }),
        }
    }
    for bv in b {
        let n = name(bv).unwrap_or_default();
        if !a.iter().any(|av| name(av) == Some(n)) {
            out.push(Difference::Added {
                path: element(n),
                value: bv.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_key_of_a_named_element_is_addressed_by_name() {
        let a = Scenario::default();
        let mut b = a.clone();
        b.provider[0].defensiveness = 0.95;
        let removed = b.event.remove(1).name;
        b.simulation.months += 1;
        let d = differences(&a, &b);
        assert!(d.contains(&Difference::Changed {
            path: format!("provider.{}.defensiveness", a.provider[0].name),
            parent: Value::Float(a.provider[0].defensiveness),
            child: Value::Float(0.95),
        }));
        assert!(d.iter().any(|x| matches!(x, Difference::Removed { path }
            if path.contains(&removed))));
        assert!(
            d.iter().any(
                |x| matches!(x, Difference::Changed { path, .. } if path == "simulation.months")
            )
        );
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(differences(&a, &a).is_empty());
    }
}
