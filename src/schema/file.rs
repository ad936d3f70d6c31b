//! The workload file as written: TOML (or JSON with the same structure). Unknown keys are errors,
//! so a typo never silently falls back to a default.

use super::values::{BelowOne, ByteSize, CacheSizeValue, Count, Dur, NonNegative, Positive, Ratio};
use crate::trace::{TimeUnit, TraceFormat};
use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::path::PathBuf;

/// Field deserializers that put the field's name in front of a bad value's message. Inside an
/// inline table tagged by `dist` or `process`, the parser buffers the table and can only point at
/// all of it, so without the name `{ dist = "pareto", min = 0, alpha = 0 }` would not say which
/// value is wrong.
mod field {
    use super::*;

    macro_rules! named {
        ($($name:ident: $ty:ty => $field:literal),* $(,)?) => {$(
            pub fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                <$ty>::deserialize(d).map_err(|e| de::Error::custom(format!("{}: {e}", $field)))
            }
        )*};
    }

    named! {
        alpha: Positive => "alpha",
        alpha_opt: Option<Positive> => "alpha",
        length: Option<Count> => "length",
        shift: Option<Count> => "shift",
        hot_keys: Ratio => "hot_keys",
        hot_traffic: Ratio => "hot_traffic",
        rate: Positive => "rate",
        rate_between: NonNegative => "rate_between",
        mean_burst: Dur => "mean_burst",
        mean_gap: Dur => "mean_gap",
        amplitude: Ratio => "amplitude",
        period: Dur => "period",
        value: ByteSize => "value",
        min: ByteSize => "min",
        max: ByteSize => "max",
        median: ByteSize => "median",
        sigma: NonNegative => "sigma",
        share: Ratio => "share",
        ttl: Dur => "ttl",
    }

    /// A [`BelowOne`] field, with why 1 itself is refused.
    fn below_one<'de, D: Deserializer<'de>>(d: D, field: &str, why: &str) -> Result<Option<BelowOne>, D::Error> {
        BelowOne::deserialize(d)
            .map(Some)
            .map_err(|e| de::Error::custom(format!("{field}: {} ({why})", e.to_string().trim_end())))
    }

    pub fn absent_ratio<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BelowOne>, D::Error> {
        below_one(d, "absent_ratio", "1 would make every read absent")
    }

    pub fn ttl_jitter<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BelowOne>, D::Error> {
        below_one(d, "ttl_jitter", "1 would allow a TTL of 0, which means never expires")
    }
}

fn default_seed() -> u64 {
    42
}

/// A whole workload file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadFile {
    /// A short name, used in reports.
    pub name: Option<String>,
    /// What the workload models and which question it answers.
    pub description: Option<String>,
    /// Fixes every random choice.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The request stream.
    pub workload: WorkloadSection,
    /// Policies and sizes to run.
    #[serde(default)]
    pub cache: CacheSection,
    /// Read/write patterns and stampede protection (runs the discrete-event engine).
    pub pattern: Option<crate::schema::engine::PatternSection>,
    /// The backing store: latencies, servers, timeout (runs the discrete-event engine).
    pub backend: Option<crate::schema::engine::BackendSection>,
    /// Cache operation latencies (runs the discrete-event engine).
    pub cache_latency: Option<crate::schema::engine::CacheLatencySection>,
    /// Injected failures (runs the discrete-event engine).
    pub faults: Option<crate::schema::engine::FaultsSection>,
    /// Application instances, routing and inclusion of a multi-level cache.
    pub topology: Option<crate::schema::topology::TopologySection>,
    /// The cache tiers, from the application down to the backend (`[[tier]]`).
    pub tier: Option<Vec<crate::schema::topology::TierSection>>,
    /// How writes reach other instances' copies.
    pub coherence: Option<crate::schema::topology::CoherenceSection>,
    /// Keys loaded before traffic starts and after restarts.
    pub warming: Option<crate::schema::topology::WarmingSection>,
    /// The shared tier (or the single cache) as a cluster of nodes.
    pub cluster: Option<crate::schema::topology::ClusterSection>,
    /// Hot keys of a cluster and their mitigation.
    pub hot_keys: Option<crate::schema::topology::HotKeysSection>,
    /// How the application talks to the cache: timeout, errors, circuit breaker (the engine).
    pub client: Option<crate::schema::engine::ClientSection>,
    /// Variants of the file run side by side (`[[variant]]`).
    pub variant: Option<Vec<VariantSection>>,
    /// Keys to run with each of several values, as a cross product (`[vary]`, dotted paths:
    /// `"pattern.stampede" = ["none", "lock"]`).
    pub vary: Option<serde_json::Map<String, serde_json::Value>>,
    /// Width of one point of the engine's time series (default 1s).
    pub timeline_interval: Option<Dur>,
    /// Assertions, baseline and tolerances for `cachesim check` (`run` ignores them).
    #[serde(default)]
    pub check: CheckSection,
    /// Thresholds of the alerts each result is checked against (`[alerts]`).
    pub alerts: Option<AlertsSection>,
}

/// `[alerts]`: a result raises an alert when a metric crosses its threshold; 0 turns one off.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsSection {
    /// Hit ratio below this (default 0.70).
    pub hit_ratio_below: Option<Ratio>,
    /// p95 latency above this: the cache operation's where the engine models it, else the read's
    /// end to end (default 10ms).
    pub p95_above: Option<super::values::Delay>,
    /// Evictions above this share of requests (default 0.10).
    pub evictions_above: Option<Ratio>,
    /// The most memory a cache held above this share of its capacity (default 0.80).
    pub memory_above: Option<Ratio>,
    /// Failed requests above this share of requests (default 0.01).
    pub error_ratio_above: Option<Ratio>,
    /// Stale reads above this share of reads (default: off).
    pub stale_ratio_above: Option<Ratio>,
}

/// `[[variant]]`: the file with some keys set otherwise, run beside the other variants.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSection {
    /// Its name, shown after each result's policy: `lru (local)`.
    pub name: String,
    /// Keys set on top of the file, as tables of the file's own sections
    /// (`set = { hot_keys = { mitigation = "local" } }`); empty: the file as it is.
    #[serde(default)]
    pub set: serde_json::Map<String, serde_json::Value>,
}

/// `[check]`: what `cachesim check` verifies for this workload.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSection {
    /// Assertions such as `"hit_ratio >= 0.8"`.
    #[serde(default)]
    pub assert: Vec<String>,
    /// A summary.json to compare with (relative to the working directory or this file).
    pub baseline: Option<PathBuf>,
    /// Per-metric tolerances, e.g. `{ miss_ratio = "0.5pt", "read_latency_ms.p99" = "10%" }`.
    #[serde(default)]
    pub tolerance: std::collections::BTreeMap<String, ToleranceValue>,
}

/// A tolerance as written: `"0.5pt"`, `"10%"`, or a plain number (an absolute amount).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum ToleranceValue {
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
}

impl std::fmt::Display for ToleranceValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ToleranceValue::Number(n) => write!(f, "{n}"),
            ToleranceValue::Text(t) => f.write_str(t),
        }
    }
}

/// `[cache]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSection {
    /// Policy specs, e.g. `["lru", "clock:bits=2"]`.
    pub policies: Option<Vec<String>>,
    /// Cache sizes, e.g. `["64MiB", "5%"]`.
    pub sizes: Option<Vec<CacheSizeValue>>,
    /// Count objects instead of bytes.
    #[serde(default)]
    pub ignore_obj_size: bool,
    /// An admission policy in front of every policy, e.g. `"bloom"`, `"size:size=16384"`.
    pub admission: Option<String>,
}

/// A CSV column in a workload file: a 1-based number or a header name.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum ColumnValue {
    /// 1-based.
    Index(usize),
    /// Header name.
    Name(String),
}

/// `[workload]`: a recorded trace, or a synthetic stream.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSection {
    /// A recorded trace to replay instead of a synthetic stream.
    pub trace: Option<PathBuf>,
    /// Its format (default auto).
    pub format: Option<TraceFormat>,
    /// CSV key column.
    pub key_col: Option<ColumnValue>,
    /// CSV time column.
    pub time_col: Option<ColumnValue>,
    /// CSV size column.
    pub size_col: Option<ColumnValue>,
    /// CSV operation column.
    pub op_col: Option<ColumnValue>,
    /// CSV TTL column.
    pub ttl_col: Option<ColumnValue>,
    /// CSV delimiter.
    pub delimiter: Option<String>,
    /// Whether the CSV has a header row.
    pub header: Option<bool>,
    /// Unit of the CSV time column.
    pub time_unit: Option<TimeUnit>,
    /// Unit of the CSV TTL column.
    pub ttl_unit: Option<TimeUnit>,
    /// Bytes per block of a block trace (msr, arc, lirs): each block is one request of this size
    /// (default 4096).
    pub block_size: Option<Count>,

    /// Number of requests (or give `duration`).
    pub requests: Option<Count>,
    /// Simulated time to generate, with an arrival rate.
    pub duration: Option<Dur>,
    /// Number of distinct keys.
    pub keys: Option<Count>,
    /// Share of reads; the rest are writes and deletes.
    pub read_ratio: Option<Ratio>,
    /// Share of deletes.
    pub delete_ratio: Option<Ratio>,
    /// Which keys are requested.
    pub popularity: Option<PopularitySpec>,
    /// When requests arrive.
    pub arrival: Option<ArrivalSpec>,
    /// Object sizes.
    pub size: Option<SizeSpec>,
    /// Time to live of cached objects.
    pub ttl: Option<TtlSpec>,
    /// Phases run one after another; each overrides popularity, arrival, rate and ratios.
    pub phases: Option<Vec<PhaseSpec>>,
    /// A write gives its key a new size drawn from `size`.
    #[serde(default)]
    pub resize_on_write: bool,
    /// Share of reads that ask for keys the backend does not have (negative lookups), in [0, 1).
    /// Synthetic workloads only; the whole workload (a phase cannot change it).
    #[serde(default, deserialize_with = "field::absent_ratio")]
    pub absent_ratio: Option<BelowOne>,
    /// Each TTL is multiplied by a uniform factor in [1 - j, 1 + j]; j in [0, 1). Synthetic and
    /// trace workloads.
    #[serde(default, deserialize_with = "field::ttl_jitter")]
    pub ttl_jitter: Option<BelowOne>,
}

/// One phase.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseSpec {
    /// Name shown in reports.
    pub name: Option<String>,
    /// Requests in this phase.
    pub requests: Option<Count>,
    /// Simulated time this phase lasts.
    pub duration: Option<Dur>,
    /// Popularity during the phase.
    pub popularity: Option<PopularitySpec>,
    /// Arrival process during the phase.
    pub arrival: Option<ArrivalSpec>,
    /// Shorthand: the inherited arrival process at this rate.
    pub rate: Option<Positive>,
    /// Share of reads.
    pub read_ratio: Option<Ratio>,
    /// Share of deletes.
    pub delete_ratio: Option<Ratio>,
}

/// When the hot set of `shifting` moves: every N requests (a number) or every T (a duration).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Every {
    /// Every N requests.
    Requests(u64),
    /// Every T nanoseconds of simulated time.
    Time(u64),
}

impl<'de> Deserialize<'de> for Every {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(i64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) if n > 0 => Ok(Every::Requests(n as u64)),
            Raw::N(n) => Err(de::Error::custom(format!(
                "every = {n}: expected a number of requests > 0 or a duration"
            ))),
            Raw::S(s) => match crate::model::units::parse_duration(&s) {
                Ok(0) | Err(_) => Err(de::Error::custom(format!(
                    "every = \"{s}\": expected a number of requests or a duration such as \"30s\""
                ))),
                Ok(ns) => Ok(Every::Time(ns)),
            },
        }
    }
}

/// Which keys are requested.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum PopularitySpec {
    /// Every key equally likely.
    Uniform,
    /// Zipf: the key of rank r has probability proportional to r^-alpha.
    Zipf {
        /// Exponent, any value > 0.
        #[serde(deserialize_with = "field::alpha")]
        alpha: Positive,
    },
    /// A sequential loop over `length` keys starting at rank `start`.
    Scan {
        /// First rank of the loop (ranks beyond `keys` are allowed: a loop over keys the rest of the workload never uses).
        #[serde(default)]
        start: u64,
        /// Keys in the loop (default: `keys`).
        #[serde(default, deserialize_with = "field::length")]
        length: Option<Count>,
    },
    /// A fraction of keys gets a fraction of the traffic, uniformly within each group.
    Hotspot {
        /// Share of keys that are hot.
        #[serde(deserialize_with = "field::hot_keys")]
        hot_keys: Ratio,
        /// Share of requests that go to hot keys.
        #[serde(deserialize_with = "field::hot_traffic")]
        hot_traffic: Ratio,
    },
    /// Zipf whose ranking moves `shift` ranks every `every` requests or duration.
    Shifting {
        /// Zipf exponent (default 1.0).
        #[serde(default, deserialize_with = "field::alpha_opt")]
        alpha: Option<Positive>,
        /// How often the hot set moves.
        every: Every,
        /// Ranks moved each time (default: a tenth of the keys).
        #[serde(default, deserialize_with = "field::shift")]
        shift: Option<Count>,
    },
    /// A weighted mixture: `components = [{ weight = 0.9, dist = "zipf", alpha = 0.9 }, ...]`.
    Mix {
        /// The parts, each with a `weight`.
        components: Vec<MixComponent>,
    },
}

/// One part of a mixture: a weight and a popularity (written inline).
#[derive(Clone, Debug)]
pub struct MixComponent {
    /// Relative weight (> 0).
    pub weight: f64,
    /// The popularity.
    pub popularity: PopularitySpec,
}

impl<'de> Deserialize<'de> for MixComponent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut v = serde_json::Value::deserialize(d)?;
        let obj = v.as_object_mut().ok_or_else(|| {
            de::Error::custom("a mix component is a table: { weight = 0.9, dist = \"zipf\", alpha = 0.9 }")
        })?;
        let weight = obj
            .remove("weight")
            .ok_or_else(|| de::Error::custom("a mix component needs a `weight`"))?
            .as_f64()
            .filter(|w| *w > 0.0 && w.is_finite())
            .ok_or_else(|| de::Error::custom("a mix component's `weight` must be a number greater than 0"))?;
        let popularity =
            PopularitySpec::deserialize(v).map_err(|e| de::Error::custom(format!("in a mix component: {e}")))?;
        Ok(MixComponent { weight, popularity })
    }
}

/// When requests arrive.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "process", rename_all = "lowercase", deny_unknown_fields)]
pub enum ArrivalSpec {
    /// Evenly spaced, `rate` per second.
    Constant {
        /// Requests per second.
        #[serde(deserialize_with = "field::rate")]
        rate: Positive,
    },
    /// Poisson: exponential gaps with mean 1/rate.
    Poisson {
        /// Requests per second.
        #[serde(deserialize_with = "field::rate")]
        rate: Positive,
    },
    /// On/off Markov-modulated Poisson: bursts at `rate`, gaps at `rate_between`.
    Bursty {
        /// Rate during bursts (per second).
        #[serde(deserialize_with = "field::rate")]
        rate: Positive,
        /// Rate between bursts (may be 0).
        #[serde(deserialize_with = "field::rate_between")]
        rate_between: NonNegative,
        /// Mean burst length (exponentially distributed).
        #[serde(deserialize_with = "field::mean_burst")]
        mean_burst: Dur,
        /// Mean gap length (exponentially distributed).
        #[serde(deserialize_with = "field::mean_gap")]
        mean_gap: Dur,
    },
    /// Poisson with a sinusoidal rate: rate * (1 + amplitude * sin(2 pi t / period)).
    Diurnal {
        /// Mean rate (per second).
        #[serde(deserialize_with = "field::rate")]
        rate: Positive,
        /// Relative swing, 0 to 1.
        #[serde(deserialize_with = "field::amplitude")]
        amplitude: Ratio,
        /// Period of the cycle.
        #[serde(deserialize_with = "field::period")]
        period: Dur,
    },
    /// Timestamps taken from a recorded trace (its keys are not used).
    Trace {
        /// The trace file.
        path: PathBuf,
        /// Its format (default auto).
        format: Option<TraceFormat>,
    },
}

impl ArrivalSpec {
    /// The (mean) rate, when the process has one.
    pub fn rate(&self) -> Option<f64> {
        match self {
            ArrivalSpec::Constant { rate } | ArrivalSpec::Poisson { rate } | ArrivalSpec::Diurnal { rate, .. } => {
                Some(rate.0)
            }
            ArrivalSpec::Bursty {
                rate,
                rate_between,
                mean_burst,
                mean_gap,
            } => {
                let (b, g) = (mean_burst.0 as f64, mean_gap.0 as f64);
                Some((rate.0 * b + rate_between.0 * g) / (b + g))
            }
            ArrivalSpec::Trace { .. } => None,
        }
    }

    /// The same process at another (mean) rate, for a phase's `rate`.
    pub fn with_rate(&self, r: f64) -> ArrivalSpec {
        let mut a = self.clone();
        match &mut a {
            ArrivalSpec::Constant { rate } | ArrivalSpec::Poisson { rate } | ArrivalSpec::Diurnal { rate, .. } => {
                rate.0 = r
            }
            ArrivalSpec::Bursty { rate, rate_between, .. } => {
                let scale = r / self.rate().unwrap_or(r);
                rate.0 *= scale;
                rate_between.0 *= scale;
            }
            ArrivalSpec::Trace { .. } => {}
        }
        a
    }
}

/// Object sizes; each key keeps its size for the whole run unless a write changes it (`resize_on_write`).
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum SizeSpec {
    /// Every object the same size.
    Fixed {
        /// The size.
        #[serde(deserialize_with = "field::value")]
        value: ByteSize,
    },
    /// Uniform between min and max inclusive.
    Uniform {
        /// Smallest.
        #[serde(deserialize_with = "field::min")]
        min: ByteSize,
        /// Largest.
        #[serde(deserialize_with = "field::max")]
        max: ByteSize,
    },
    /// Log-normal with the given median and sigma (of the underlying normal).
    Lognormal {
        /// Median size.
        #[serde(deserialize_with = "field::median")]
        median: ByteSize,
        /// Spread, >= 0.
        #[serde(deserialize_with = "field::sigma")]
        sigma: NonNegative,
    },
    /// Pareto with scale `min` and shape `alpha` (heavy tail).
    Pareto {
        /// Smallest size.
        #[serde(deserialize_with = "field::min")]
        min: ByteSize,
        /// Shape > 0 (smaller is heavier).
        #[serde(deserialize_with = "field::alpha")]
        alpha: Positive,
    },
}

/// One TTL class: a share of keys with a TTL.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TtlClass {
    /// Name, e.g. "prices".
    pub name: Option<String>,
    /// Share of keys in this class.
    #[serde(deserialize_with = "field::share")]
    pub share: Ratio,
    /// Their TTL.
    #[serde(deserialize_with = "field::ttl")]
    pub ttl: Dur,
}

/// TTLs: none, one for every key (`"5m"`), or per key class (`{ classes = [...] }`).
#[derive(Clone, Debug)]
pub enum TtlSpec {
    /// No expiry.
    None,
    /// The same TTL for every key.
    Fixed(u64),
    /// Keys split into classes by share; keys in no class never expire.
    Classes(Vec<TtlClass>),
}

impl<'de> Deserialize<'de> for TtlSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ClassesOnly {
            classes: Vec<TtlClass>,
        }
        const EXPECTED: &str = "ttl must be a duration (\"5m\"), \"none\", or { classes = [{ name = \"prices\", share = 0.2, ttl = \"1m\" }, ...] }";
        // Not an untagged enum: that would hide why a class is wrong behind EXPECTED.
        let v = serde_json::Value::deserialize(d)?;
        let s = match v {
            serde_json::Value::String(s) => s,
            v @ serde_json::Value::Object(_) => {
                let c = ClassesOnly::deserialize(v).map_err(de::Error::custom)?;
                let total: f64 = c.classes.iter().map(|k| k.share.0).sum();
                if total > 1.0 + 1e-9 {
                    return Err(de::Error::custom(format!(
                        "ttl class shares add up to {total}, more than 1"
                    )));
                }
                return Ok(TtlSpec::Classes(c.classes));
            }
            _ => return Err(de::Error::custom(EXPECTED)),
        };
        if s == "none" {
            return Ok(TtlSpec::None);
        }
        match crate::model::units::parse_duration(&s) {
            Ok(0) => Err(de::Error::custom("ttl must be greater than zero (or \"none\")")),
            Ok(ns) => Ok(TtlSpec::Fixed(ns)),
            Err(e) => Err(de::Error::custom(format!("ttl: {e}"))),
        }
    }
}
