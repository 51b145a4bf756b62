//! Finding the line and column of a node in the scenario text, for errors found after
//! deserialisation (a pin that does not exist, times out of order, a missing program file).
//!
//! serde_norway exposes no spans to `Deserialize` impls, but it does attach the location of the
//! node being deserialised to any error a visitor returns. So to locate `steps[2].wait-pin`,
//! we parse the text a second time with a [`DeserializeSeed`] that walks down that path,
//! skipping everything else, and deliberately fails at the target node; the location of that
//! error is the node's position. This reuses serde_norway's own parser, so flow style
//! (`{pin: 2}`), quoting and anchors need no extra work, and it costs a parse only when there is
//! an error to report (or when the runner asks where a step is).

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One step of a path into the YAML document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A path into the YAML document, e.g. `stimuli[1].square.duty`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct YamlPath(pub Vec<Segment>);

impl YamlPath {
    /// The document root.
    pub fn root() -> YamlPath {
        YamlPath(Vec::new())
    }

    /// This path extended by a mapping key.
    pub fn key(&self, key: &str) -> YamlPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        YamlPath(segments)
    }

    /// This path extended by a sequence index.
    pub fn index(&self, index: usize) -> YamlPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        YamlPath(segments)
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Whether to point at a mapping entry's key or at its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The node the path names (for a mapping entry: its value).
    Value,
    /// The key of the last path segment (e.g. an unknown name used as a key).
    Key,
}

/// The 1-based `(line, column)` of the node at `path` in `text`, if it exists.
pub fn locate(text: &str, path: &YamlPath, target: Target) -> Option<(usize, usize)> {
    let deserializer = serde_norway::Deserializer::from_str(text);
    let seed = Locator {
        path: &path.0,
        target,
    };
    match seed.deserialize(deserializer) {
        Err(error) if error.to_string().contains(FOUND) => {
            error.location().map(|l| (l.line(), l.column()))
        }
        _ => None,
    }
}

/// The sentinel error message meaning "this is the node".
const FOUND: &str = "irqlab-locate: found";

struct Locator<'a> {
    path: &'a [Segment],
    target: Target,
}

impl<'de> DeserializeSeed<'de> for Locator<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Fails on whatever node it is given, so the error carries that node's location.
struct Found;

impl<'de> DeserializeSeed<'de> for Found {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(Locator {
            path: &[],
            target: Target::Value,
        })
    }
}

/// Deserialises a mapping key; fails (with the key's location) if it equals `wanted`.
struct KeyProbe<'a> {
    wanted: &'a str,
    fail_on_match: bool,
}

impl<'de> DeserializeSeed<'de> for KeyProbe<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for KeyProbe<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a scalar key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        let matched = key == self.wanted;
        if matched && self.fail_on_match {
            return Err(E::custom(FOUND));
        }
        Ok(matched)
    }
    fn visit_u64<E: de::Error>(self, key: u64) -> Result<bool, E> {
        self.visit_str(&key.to_string())
    }
    fn visit_i64<E: de::Error>(self, key: i64) -> Result<bool, E> {
        self.visit_str(&key.to_string())
    }
    fn visit_bool<E: de::Error>(self, key: bool) -> Result<bool, E> {
        self.visit_str(&key.to_string())
    }
}

impl<'de> Visitor<'de> for Locator<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((Segment::Key(wanted), rest)) = self.path.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let fail_on_match = rest.is_empty() && self.target == Target::Key;
        while let Some(matched) = map.next_key_seed(KeyProbe {
            wanted,
            fail_on_match,
        })? {
            if matched {
                map.next_value_seed(Locator {
                    path: rest,
                    target: self.target,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((Segment::Index(wanted), rest)) = self.path.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        for _ in 0..*wanted {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        if rest.is_empty() && self.target == Target::Value {
            seq.next_element_seed(Found)?;
        } else {
            seq.next_element_seed(Locator {
                path: rest,
                target: self.target,
            })?;
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
}

impl Locator<'_> {
    /// A scalar is the target if the path ends here; otherwise the path does not exist.
    fn scalar<E: de::Error>(self) -> Result<(), E> {
        if self.path.is_empty() {
            Err(E::custom(FOUND))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
name: demo
steps:
  - delay: 10ms
  - name: press
    set-pin: {pin: 4, value: 0}
stimuli:
  - pin: 5
    square:
      period: 1ms
expect:
  irq:
    button: {dropped: 0}
";

    fn path(segments: &[Segment]) -> YamlPath {
        YamlPath(segments.to_vec())
    }

    fn key(k: &str) -> Segment {
        Segment::Key(k.to_owned())
    }

    // Block and flow nodes, keys and values, are found at their first character.
    #[test]
    fn finds_nodes_by_path() {
        let cases = [
            (path(&[key("name")]), Target::Value, Some((1, 7))),
            (
                path(&[key("steps"), Segment::Index(1)]),
                Target::Value,
                Some((4, 5)),
            ),
            (
                path(&[
                    key("steps"),
                    Segment::Index(1),
                    key("set-pin"),
                    key("value"),
                ]),
                Target::Value,
                Some((5, 30)),
            ),
            (
                path(&[
                    key("stimuli"),
                    Segment::Index(0),
                    key("square"),
                    key("period"),
                ]),
                Target::Value,
                Some((9, 15)),
            ),
            (
                path(&[key("expect"), key("irq"), key("button")]),
                Target::Key,
                Some((12, 5)),
            ),
            (
                path(&[key("steps"), Segment::Index(5)]),
                Target::Value,
                None,
            ),
            (path(&[key("nothing")]), Target::Value, None),
        ];
        for (path, target, expected) in cases {
            assert_eq!(locate(TEXT, &path, target), expected, "{path}");
        }
    }

    // Paths print the way serde_norway prints them in its own errors.
    #[test]
    fn paths_display_like_serde_norway() {
        let p = YamlPath::root()
            .key("stimuli")
            .index(1)
            .key("square")
            .key("duty");
        assert_eq!(p.to_string(), "stimuli[1].square.duty");
    }
}
