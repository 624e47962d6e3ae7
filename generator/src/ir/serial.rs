//! The graph as JSON (`net.json` in a design directory), so a design can be
//! verified without its source YAML and weights.

use super::Graph;
use crate::error::{Error, Result};

pub fn to_json(graph: &Graph) -> Result<String> {
    serde_json::to_string(graph)
        .map(|s| s + "\n")
        .map_err(|e| Error::Internal(format!("serializing net.json: {e}")))
}

pub fn from_json(text: &str) -> Result<Graph, serde_json::Error> {
    serde_json::from_str(text)
}
