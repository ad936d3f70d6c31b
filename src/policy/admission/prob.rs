//! `prob`: admit each missed object with probability `p`, seeded (libCacheSim's prob
//! admissioner; its draws come from its own generator, so counts agree within the spread over
//! seeds, not request by request).

use super::{Admission, AdmissionInfo, BuildCtx, Params};
use crate::model::request::Request;
use crate::policy::{ParamInfo, Policy};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Registry entry.
pub const INFO: AdmissionInfo = AdmissionInfo {
    name: "prob",
    aliases: &["probabilistic"],
    summary: "Admit each missed object with probability p (seeded).",
    params: &[ParamInfo {
        name: "p",
        default: "0.5",
        help: "admission probability, greater than 0 and at most 1",
    }],
    build,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Admission>, String> {
    let prob: f64 = p.get("p", ("greater than 0 and at most 1", |p: &f64| *p > 0.0 && *p <= 1.0))?;
    Ok(Box::new(Prob {
        p: prob,
        // Its own stream, apart from the eviction policy's draws.
        rng: SmallRng::seed_from_u64(ctx.seed ^ 0x6164_6d69_7373_696f),
    }))
}

/// The probability and the generator.
pub struct Prob {
    p: f64,
    rng: SmallRng,
}

impl Admission for Prob {
    #[inline]
    fn admit(&mut self, _: &Request, _: &dyn Policy) -> bool {
        self.p >= 1.0 || self.rng.random::<f64>() < self.p
    }
}
