//! A capacity plan's answer as data (`cachesim plan`'s JSON contract): the targets, the cost model,
//! and per policy the smallest size meeting the targets, the cost-optimal size and every size
//! evaluated. The search that fills it is `crate::plan`; the exporters of `crate::report` print it.

use crate::model::result::{RunResult, SizeUnit};
use serde::Serialize;

/// What a plan must meet.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Targets {
    /// Minimum hit ratio, as `run` reports `hit_ratio` (hits / requests: every read and write of a
    /// plain replay, reads only on the engine).
    pub hit_ratio: Option<f64>,
    /// Maximum backend reads per second (read misses in a plain replay, `backend.reads` on the
    /// engine); writes are not counted.
    pub max_backend_read_rps: Option<f64>,
    /// Maximum p99 read latency in milliseconds (needs the engine).
    pub p99_ms: Option<f64>,
}

impl Targets {
    /// Whether any target (beyond a cost model) was given.
    pub fn any(&self) -> bool {
        self.hit_ratio.is_some() || self.max_backend_read_rps.is_some() || self.p99_ms.is_some()
    }
}

/// Prices of the cost model.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CostModel {
    /// Memory price per GiB per month.
    pub memory_per_gib_month: f64,
    /// Backend price per million backend reads.
    pub backend_per_million_reads: f64,
}

/// The cost-optimal size of one policy.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CostOptimal {
    /// Cache size with the lowest monthly cost among the sizes evaluated (that meet the targets).
    pub size: u64,
    /// Its monthly cost: memory_per_gib_month x GiB + backend_per_million_reads x backend reads per
    /// 30-day month / 1e6.
    pub cost_per_month: f64,
}

/// One size the planner evaluated.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Evaluated {
    /// Cache size.
    pub size: u64,
    /// `hit_ratio` there.
    pub hit_ratio: f64,
    /// Backend reads per second there (null without request times).
    pub backend_read_rps: Option<f64>,
    /// Whether it meets every target.
    pub meets_targets: bool,
    /// Monthly cost, with a cost model.
    pub cost_per_month: Option<f64>,
}

/// The answer for one policy.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyPlan {
    /// Policy label.
    pub policy: String,
    /// Smallest size meeting every target (None: not reachable within the working set, or no
    /// target but a cost model).
    pub size: Option<u64>,
    /// The result at that size (at the cost-optimal size with only a cost model; at the whole
    /// working set when unreachable).
    pub at: RunResult,
    /// Backend reads per second at that size: read misses in a plain replay, backend reads on the
    /// engine (None without request times).
    pub backend_read_rps: Option<f64>,
    /// Backend writes per second at that size, where the engine's write pattern writes the
    /// backend (None in a plain replay, which has no backend).
    pub backend_write_rps: Option<f64>,
    /// With a cost model: the cheapest size among those evaluated that meet the targets.
    pub cost_optimal: Option<CostOptimal>,
    /// Every size evaluated, in size order.
    pub evaluated: Vec<Evaluated>,
    /// Every result simulated, for the chart.
    #[serde(skip)]
    pub curve: Vec<RunResult>,
}

/// The whole plan.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Targets.
    pub targets: Targets,
    /// The cost model, when given.
    pub cost_model: Option<CostModel>,
    /// Size unit.
    pub size_unit: SizeUnit,
    /// Seconds of traffic in the stream (for rates).
    pub span_secs: f64,
    /// One entry per policy.
    pub policies: Vec<PolicyPlan>,
}
