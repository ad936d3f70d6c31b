//! `bloom`: admit an object on its second miss. Its first miss only records that it was seen.
//!
//! libCacheSim's `bloom-filter` admissioner does the same with an exact set (a hash table of
//! every id it was asked about), not a probabilistic filter, so it has no false positives and
//! never forgets. This does the same, so miss counts match libCacheSim's exactly. The set grows
//! with the distinct objects that missed: 8 to 16 bytes each.

use super::{Admission, AdmissionInfo, BuildCtx, Params};
use crate::model::request::Request;
use crate::policy::Policy;

/// Registry entry.
pub const INFO: AdmissionInfo = AdmissionInfo {
    name: "bloom",
    aliases: &["bloom-filter", "bloomfilter", "second-hit"],
    summary: "Admit an object on its second miss (libCacheSim's bloom-filter: an exact set of ids seen).",
    params: &[],
    build,
};

fn build(_: &Params, _: &BuildCtx) -> Result<Box<dyn Admission>, String> {
    Ok(Box::new(Bloom::default()))
}

/// The ids asked about so far.
#[derive(Default)]
pub struct Bloom {
    seen: rustc_hash::FxHashSet<u64>,
}

impl Admission for Bloom {
    #[inline]
    fn admit(&mut self, req: &Request, _: &dyn Policy) -> bool {
        // `insert` is false when the id was there already: the second sight admits.
        !self.seen.insert(req.key)
    }
}
