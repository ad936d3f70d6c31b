//! `size`: admit objects smaller than a threshold. libCacheSim's size admissioner admits
//! `obj_size < size` (strictly), and so does this (its reference miss counts depend on it).

use super::{Admission, AdmissionInfo, BuildCtx, Params};
use crate::model::request::Request;
use crate::policy::{ParamInfo, Policy};

/// Registry entry.
pub const INFO: AdmissionInfo = AdmissionInfo {
    name: "size",
    aliases: &["max-size"],
    summary: "Admit objects smaller than `size` bytes (libCacheSim's size admissioner).",
    params: &[ParamInfo {
        name: "size",
        default: "",
        help: "objects of this many bytes or more are not admitted: bytes with an optional unit (16384, 64KiB), at least 1",
    }],
    build,
};

fn build(p: &Params, _: &BuildCtx) -> Result<Box<dyn Admission>, String> {
    let raw = p.raw("size");
    if raw.is_empty() {
        return Err("admission size: needs its threshold, e.g. size:size=16384 (objects of 16384 bytes or more are not admitted)".into());
    }
    let limit = crate::model::units::parse_bytes(raw)
        .ok()
        .filter(|&b| b >= 1)
        .ok_or_else(|| {
            format!(
                "admission size: parameter size={raw} is invalid; it must be bytes of at least 1, e.g. 16384 or 64KiB"
            )
        })?;
    Ok(Box::new(Size { limit }))
}

/// The threshold.
pub struct Size {
    limit: u64,
}

impl Admission for Size {
    #[inline]
    fn admit(&mut self, req: &Request, _: &dyn Policy) -> bool {
        req.size < self.limit
    }
}
