//! The `json` format: pretty JSON, one object (a run's or sweep's summary with key `results`, or
//! the plan), ending in a newline.

use super::{Exporter, Summary};
use crate::model::plan::Plan;
use anyhow::Result;

/// Pretty JSON.
pub struct Json;

impl Exporter for Json {
    fn summary(&self, s: &Summary) -> Result<Vec<u8>> {
        Ok((serde_json::to_string_pretty(s)? + "\n").into_bytes())
    }

    fn plan(&self, p: &Plan) -> Result<Vec<u8>> {
        Ok((serde_json::to_string_pretty(p)? + "\n").into_bytes())
    }
}
