//! What-if grids: a workload run once per value of any of its keys. `--vary KEY=V1,V2,...` (and
//! the file's `[vary]` table) name a key by its dotted path in the workload file
//! (`pattern.stampede`, `workload.popularity.alpha`, `tier.l1.size`: an array of tables is
//! indexed by its elements' `name`, or by position); several keys form a cross product, after the
//! file's `[[variant]]`s. Each combination is the file with those keys set, checked like the file
//! itself before anything runs.

use crate::error::input_error;
use crate::model::variant::{Variant, NAME_KEY};
use anyhow::Result;
use serde_json::{Map, Value};

/// One varied key and its values, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The dotted path.
    pub key: String,
    /// The values, each as the file would hold it.
    pub values: Vec<Value>,
}

/// Parses `--vary KEY=V1,V2,...`. Each value is read as a TOML value (`0.9`, `true`,
/// `{ dist = "fixed", value = 1 }`, `"a,b"`), or else taken as text (`coalesce`, `5ms`); commas
/// inside quotes, braces and brackets do not split.
pub fn parse_flag(arg: &str) -> Result<Axis> {
    let usage =
        "give --vary KEY=V1,V2,... with KEY a dotted path of the workload file, e.g. --vary pattern.stampede=none,lock";
    let Some((key, values)) = arg.split_once('=') else {
        return Err(input_error(format!("--vary {arg}: no '='; {usage}")));
    };
    let key = key.trim();
    check_key(key).map_err(|e| input_error(format!("--vary {arg}: {e}; {usage}")))?;
    let parts = split_top(values);
    if parts.iter().all(|p| p.trim().is_empty()) {
        return Err(input_error(format!("--vary {arg}: no values after '='; {usage}")));
    }
    let mut out = Vec::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            return Err(input_error(format!(
                "--vary {arg}: an empty value (two commas in a row, or a trailing comma)"
            )));
        }
        out.push(parse_value(p));
    }
    let axis = Axis {
        key: key.to_string(),
        values: out,
    };
    check_repeats(&axis, &format!("--vary {key}"))?;
    Ok(axis)
}

/// The axes of a `[vary]` table: each key (dotted, or nested tables) holds an array of values.
pub fn file_axes(table: &Map<String, Value>, file: &str) -> Result<Vec<Axis>> {
    let mut out = Vec::new();
    flatten(table, String::new(), &mut out, file)?;
    if out.is_empty() {
        return Err(input_error(format!(
            "{file}: [vary] is empty; give each key an array of values (\"pattern.stampede\" = [\"none\", \"lock\"]), or remove it"
        )));
    }
    Ok(out)
}

fn flatten(table: &Map<String, Value>, prefix: String, out: &mut Vec<Axis>, file: &str) -> Result<()> {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(m) => flatten(m, key, out, file)?,
            Value::Array(values) if !values.is_empty() => {
                check_key(&key).map_err(|e| input_error(format!("{file}: [vary] {key}: {e}")))?;
                let axis = Axis {
                    key,
                    values: values.clone(),
                };
                check_repeats(&axis, &format!("{file}: [vary] {}", axis.key))?;
                out.push(axis);
            }
            _ => {
                return Err(input_error(format!(
                    "{file}: [vary] {key}: give an array of the values to run, e.g. {key} = [{}]",
                    match v {
                        Value::Array(_) => "...".to_string(),
                        other => other.to_string(),
                    }
                )))
            }
        }
    }
    Ok(())
}

fn check_key(key: &str) -> std::result::Result<(), String> {
    if key.is_empty() {
        return Err("the key is empty".into());
    }
    if key.split('.').any(|s| s.trim().is_empty()) {
        return Err(format!("\"{key}\" has an empty part"));
    }
    if key == NAME_KEY || key.starts_with("variant.") || key == "vary" || key.starts_with("vary.") {
        return Err(format!(
            "\"{key}\" cannot be varied (variants are named with [[variant]])"
        ));
    }
    Ok(())
}

fn check_repeats(axis: &Axis, what: &str) -> Result<()> {
    for (i, v) in axis.values.iter().enumerate() {
        if axis.values[..i].contains(v) {
            return Err(input_error(format!(
                "{what}: the value {} is given twice",
                crate::model::variant::display(v)
            )));
        }
    }
    Ok(())
}

/// Splits at commas outside quotes, braces and brackets.
fn split_top(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quote) = (Vec::new(), String::new(), 0i32, None::<char>);
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// A TOML value, or the text itself.
fn parse_value(s: &str) -> Value {
    toml::from_str::<toml::Table>(&format!("v = {s}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or_else(|| Value::String(s.to_string()))
}

/// Sets the value at `key` (a dotted path) in a workload document, creating tables on the way.
/// In an array of tables, a part selects the element with that `name` (or that position).
pub fn set_path(doc: &mut Value, key: &str, value: Value) -> std::result::Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let mut cur = doc;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let here = parts[..i].join(".");
        match cur {
            Value::Object(m) => {
                if last {
                    m.insert(part.to_string(), value);
                    return Ok(());
                }
                cur = m.entry(part.to_string()).or_insert_with(|| Value::Object(Map::new()));
            }
            Value::Array(items) => {
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|x| x.get("name").and_then(Value::as_str).map(str::to_string))
                    .collect();
                let at = match items
                    .iter()
                    .position(|x| x.get("name").and_then(Value::as_str) == Some(part))
                {
                    Some(j) => j,
                    None => match part.parse::<usize>() {
                        Ok(j) if j < items.len() => j,
                        _ => {
                            return Err(format!(
                                "{here} has no element named \"{part}\" ({})",
                                if names.is_empty() {
                                    format!("it has {} elements; index them from 0", items.len())
                                } else {
                                    format!("its names: {}", names.join(", "))
                                }
                            ))
                        }
                    },
                };
                if last {
                    items[at] = value;
                    return Ok(());
                }
                cur = &mut items[at];
            }
            other => {
                return Err(format!(
                    "{here} is {}, not a table: it has no key \"{part}\"",
                    crate::model::variant::display(other)
                ))
            }
        }
    }
    Ok(())
}

/// One combination: its variant (the `[[variant]]` name first, then each axis's value) and the
/// document with everything set.
pub struct Combination {
    /// What the results of this combination carry.
    pub variant: Variant,
    /// The workload document, as JSON.
    pub doc: Value,
}

/// Every combination of `named` (each `[[variant]]`: name and the document it makes; empty: the
/// base document alone) and `axes`, the first varying slowest. Errors name the key and the value.
pub fn combinations(base: &Value, named: &[(String, Value)], axes: &[Axis]) -> Result<Vec<Combination>> {
    let mut out: Vec<Combination> = if named.is_empty() {
        vec![Combination {
            variant: Variant::default(),
            doc: base.clone(),
        }]
    } else {
        named
            .iter()
            .map(|(n, d)| Combination {
                variant: Variant(vec![(NAME_KEY.to_string(), Value::String(n.clone()))]),
                doc: d.clone(),
            })
            .collect()
    };
    for axis in axes {
        let mut next = Vec::with_capacity(out.len() * axis.values.len());
        for c in &out {
            for v in &axis.values {
                let mut doc = c.doc.clone();
                set_path(&mut doc, &axis.key, v.clone()).map_err(|e| {
                    input_error(format!(
                        "--vary {}={}: {e}",
                        axis.key,
                        crate::model::variant::display(v)
                    ))
                })?;
                let mut variant = c.variant.clone();
                variant.0.push((axis.key.clone(), v.clone()));
                next.push(Combination { variant, doc });
            }
        }
        out = next;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_parse_values_as_toml_or_text() {
        let a = parse_flag("pattern.stampede=none,lock, coalesce").unwrap();
        assert_eq!(a.key, "pattern.stampede");
        assert_eq!(a.values, vec![json!("none"), json!("lock"), json!("coalesce")]);
        let b = parse_flag("workload.popularity={ dist = \"zipf\", alpha = 0.8 },{dist=\"zipf\",alpha=1.2}").unwrap();
        assert_eq!(b.values[1], json!({"dist": "zipf", "alpha": 1.2}));
        let c = parse_flag("backend.concurrency=1,8,true,5ms,\"a,b\"").unwrap();
        assert_eq!(
            c.values,
            vec![json!(1), json!(8), json!(true), json!("5ms"), json!("a,b")]
        );
        for bad in [
            "pattern.stampede",
            "=a",
            "a..b=1",
            "a=",
            "a=1,,2",
            "a=1,1",
            "variant=x",
            "vary.a=1",
        ] {
            let e = parse_flag(bad).unwrap_err().to_string();
            assert!(e.contains("--vary"), "{bad}: {e}");
        }
    }

    #[test]
    fn paths_set_nested_keys_and_named_array_elements() {
        let mut d = json!({"tier": [{"name": "l1", "size": 1}, {"name": "l2", "size": 2}], "workload": {}});
        set_path(&mut d, "tier.l2.size", json!("1GiB")).unwrap();
        set_path(&mut d, "tier.0.policy", json!("fifo")).unwrap();
        set_path(&mut d, "pattern.stampede", json!("lock")).unwrap();
        assert_eq!(d["tier"][1]["size"], json!("1GiB"));
        assert_eq!(d["tier"][0]["policy"], json!("fifo"));
        assert_eq!(d["pattern"]["stampede"], json!("lock"));
        let e = set_path(&mut d, "tier.l3.size", json!(1)).unwrap_err();
        assert!(e.contains("no element named \"l3\"") && e.contains("l1, l2"), "{e}");
        let e = set_path(&mut d, "tier.l1.size.x", json!(1)).unwrap_err();
        assert!(e.contains("not a table"), "{e}");
    }

    #[test]
    fn combinations_are_a_cross_product_in_order() {
        let base = json!({"a": {"x": 0}});
        let axes = [
            Axis {
                key: "a.x".into(),
                values: vec![json!(1), json!(2)],
            },
            Axis {
                key: "b".into(),
                values: vec![json!("p"), json!("q"), json!("r")],
            },
        ];
        let named = vec![
            ("one".to_string(), base.clone()),
            ("two".to_string(), json!({"a": {"x": 9}, "c": 1})),
        ];
        let cs = combinations(&base, &named, &axes).unwrap();
        assert_eq!(cs.len(), 12);
        assert_eq!(cs[0].variant.label(), "one, x=1, b=p");
        assert_eq!(cs[11].variant.label(), "two, x=2, b=r");
        assert_eq!(cs[11].doc, json!({"a": {"x": 2}, "c": 1, "b": "r"}));
        assert_eq!(combinations(&base, &[], &[]).unwrap().len(), 1);
    }

    #[test]
    fn file_tables_flatten_to_dotted_keys() {
        let t: Map<String, Value> =
            serde_json::from_value(json!({"pattern": {"stampede": ["none", "lock"]}, "backend.concurrency": [1, 2]}))
                .unwrap();
        let axes = file_axes(&t, "w.toml").unwrap();
        let keys: Vec<&str> = axes.iter().map(|a| a.key.as_str()).collect();
        assert!(keys.contains(&"pattern.stampede") && keys.contains(&"backend.concurrency"));
        let bad: Map<String, Value> = serde_json::from_value(json!({"pattern": {"stampede": "lock"}})).unwrap();
        assert!(file_axes(&bad, "w.toml").unwrap_err().to_string().contains("array"));
        assert!(file_axes(&Map::new(), "w.toml").is_err());
    }
}
