//! What a result's workload ran with beyond the file itself: the name of its `[[variant]]` and
//! the value of each key varied by `--vary` or `[vary]`, in order. Serialized as one JSON object
//! (`{"pattern.stampede": "coalesce"}`; a named variant is `{"variant": "local"}`).

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The key a `[[variant]]`'s name is kept under.
pub const NAME_KEY: &str = "variant";

/// Varied keys and their values, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Variant(pub Vec<(String, Value)>);

impl Variant {
    /// The value of `key`, if this variant sets it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of `key` as text (empty when not set).
    pub fn text(&self, key: &str) -> String {
        self.get(key).map(display).unwrap_or_default()
    }

    /// What a result's label shows after its policy: a variant's name, then `key=value` for each
    /// varied key, the key shortened to its last part where no other key ends alike.
    pub fn label(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| {
                if k == NAME_KEY {
                    return display(v);
                }
                let last = k.rsplit('.').next().unwrap_or(k);
                let clash = self
                    .0
                    .iter()
                    .filter(|(o, _)| o.rsplit('.').next().unwrap_or(o) == last)
                    .count()
                    > 1;
                format!("{}={}", if clash { k.as_str() } else { last }, display(v))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A value as a user would write it: strings without quotes, tables and arrays as compact JSON.
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Serialize for Variant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Variant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Variant;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of varied keys, or a variant's name")
            }
            // Summaries written before variants were objects hold the name alone.
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Variant, E> {
                Ok(Variant(vec![(NAME_KEY.to_string(), Value::String(s.to_string()))]))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Variant, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Variant(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_shorten_keys_unless_they_clash() {
        let v = Variant(vec![
            ("variant".into(), json!("local")),
            ("pattern.stampede".into(), json!("lock")),
            ("backend.concurrency".into(), json!(8)),
        ]);
        assert_eq!(v.label(), "local, stampede=lock, concurrency=8");
        let w = Variant(vec![
            ("tier.l1.size".into(), json!("1MiB")),
            ("tier.l2.size".into(), json!("1GiB")),
        ]);
        assert_eq!(w.label(), "tier.l1.size=1MiB, tier.l2.size=1GiB");
    }

    #[test]
    fn round_trips_in_order_and_reads_the_old_string_form() {
        let v = Variant(vec![("z.b".into(), json!("x")), ("a.c".into(), json!(1.5))]);
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(text, r#"{"z.b":"x","a.c":1.5}"#);
        assert_eq!(serde_json::from_str::<Variant>(&text).unwrap(), v);
        let old: Variant = serde_json::from_str(r#""modulo""#).unwrap();
        assert_eq!(old.label(), "modulo");
        assert_eq!(old.get("variant"), Some(&json!("modulo")));
    }
}
