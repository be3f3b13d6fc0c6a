// The benchmark's request as a Cedar authorization call (principal, action, resource,
// context) for bench/step-up.cedar, and the plain-JS floor: the same rule as a function.

/** A ciam-policy request as a Cedar call without policies (the caller adds them). */
export function cedarCall(request) {
  return {
    principal: { type: "User", id: "alice" },
    action: { type: "Action", id: request.action },
    resource: { type: "Account", id: "alice" },
    context: {
      now: request.now,
      session: { aal: request.session?.aal ?? 0, authTime: request.session?.authTime ?? 0 },
      transaction: { amount: Math.round(request.transaction?.amount ?? 0) },
      device: { botScore: Math.round(request.device?.botScore ?? 0) },
    },
    entities: [],
  };
}

/** The floor: the step-up rule of step-up.cedar as plain JavaScript on the same request. */
export function floorDecision(request) {
  if ((request.device?.botScore ?? 0) >= 95) return { outcome: "deny" };
  const amount = request.transaction?.amount ?? 0;
  const maxAge = amount > 2000 ? 300 : amount > 500 ? 900 : 3600;
  const session = request.session;
  if (session && session.aal >= 2 && request.now - session.authTime <= maxAge) return { outcome: "allow" };
  return { outcome: "step_up", stepUp: { aal: 2, maxAge } };
}
