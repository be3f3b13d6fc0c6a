// The CommonJS view of the package (`require`), type-checked against ciam-policy.d.cts.
import ciam = require("ciam-policy");

const engine: ciam.PolicyEngine = ciam.PolicyEngine.fromPreset("workforce");
const decision: ciam.Decision = engine.evaluate({ now: 1800000000, action: "login" });
const outcome: ciam.Outcome = decision.outcome;
void outcome;
