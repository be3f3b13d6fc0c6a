//! The built-in presets, shipped as JSON files embedded in the crate. Three customer presets
//! and, for comparison only, `workforce`: the pattern the product argues against.

use super::Policy;
use crate::error::{Error, ErrorCode, Result};
use crate::text;

const PRESETS: [(&str, &str); 4] = [
    ("ciam-retail", include_str!("presets/ciam-retail.json")),
    ("ciam-fintech", include_str!("presets/ciam-fintech.json")),
    ("ciam-health", include_str!("presets/ciam-health.json")),
    ("workforce", include_str!("presets/workforce.json")),
];

/// The preset names as written in messages.
const PRESET_LIST: &str = "ciam-retail, ciam-fintech, ciam-health, workforce";

/// Names of the built-in presets, customer presets first.
pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|(name, _)| *name).collect()
}

/// The JSON text of a preset, for editing or display.
pub fn json(name: &str) -> Result<&'static str> {
    PRESETS.iter().find(|(preset, _)| *preset == name).map(|(_, text)| *text).ok_or_else(|| {
        Error::new(ErrorCode::UnknownPreset, "", text!("no preset named `", crate::json::short(name), "`; the presets are ", PRESET_LIST))
    })
}

/// A parsed preset. It is not validated again here: the presets are constants of this build,
/// and `tests/properties.rs` validates every one. Skipping the validator keeps its code out of
/// a cold start's `fromPreset` (`bench/README.md` has the figures).
pub fn load(name: &str) -> Result<Policy> {
    crate::json::from_str(json(name)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_preset_list_in_messages_is_the_presets() {
        assert_eq!(super::PRESET_LIST, super::names().join(", "));
    }
}
