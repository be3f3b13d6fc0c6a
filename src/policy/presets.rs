//! The built-in presets, shipped as JSON files embedded in the crate. Three customer presets
//! and, for comparison only, `workforce`: the pattern the product argues against.

use crate::text;
use super::Policy;
use crate::error::{Error, ErrorCode, Result};

const PRESETS: [(&str, &str); 4] = [
    ("ciam-retail", include_str!("presets/ciam-retail.json")),
    ("ciam-fintech", include_str!("presets/ciam-fintech.json")),
    ("ciam-health", include_str!("presets/ciam-health.json")),
    ("workforce", include_str!("presets/workforce.json")),
];

/// Names of the built-in presets, customer presets first.
pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|(name, _)| *name).collect()
}

/// The JSON text of a preset, for editing or display.
pub fn json(name: &str) -> Result<&'static str> {
    PRESETS.iter().find(|(preset, _)| *preset == name).map(|(_, text)| *text).ok_or_else(|| {
        Error::new(
            ErrorCode::UnknownPreset,
            "",
            text!("no preset named `", name.chars().take(64).collect::<String>(), "`; the presets are ", names().join(", ")),
        )
    })
}

/// A parsed, validated preset.
pub fn load(name: &str) -> Result<Policy> {
    Policy::from_json(json(name)?)
}
