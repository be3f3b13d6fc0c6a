// A Cloudflare Worker using ciam-policy, run in the real workerd binary by
// tests/js/workerd.test.mjs (and the shape of the README's Worker example): per-account
// history lives in a Durable Object as the bytes record() returns.
import { PolicyEngine, CiamError } from "ciam-policy";
import { compareGolden, errorChecks, pathChecks } from "./replay.mjs";
import golden from "./golden.json";
import * as ciam from "ciam-policy";

const engine = PolicyEngine.fromPreset("ciam-retail"); // parsed once per isolate

export class Account {
  constructor(ctx) {
    this.storage = ctx.storage;
  }
  async fetch(request) {
    const { attempt, outcome } = await request.json(); // outcome: what the password check said
    const history = (await this.storage.get("history")) ?? null;
    let decision;
    try {
      decision = engine.evaluate({ ...attempt, history });
    } catch (err) {
      if (!(err instanceof CiamError)) throw err;
      return Response.json({ error: { code: err.code, path: err.path, message: err.message } }, { status: 400 });
    }
    if (decision.outcome !== "throttle" && decision.outcome !== "deny" && outcome) {
      const event = { type: outcome, at: attempt.now, deviceId: attempt.device?.id, ip: attempt.network?.ip };
      await this.storage.put("history", engine.record(history, event));
    }
    return Response.json(decision);
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/golden") return Response.json(compareGolden(ciam, golden));
    if (url.pathname === "/errors") return Response.json(errorChecks(ciam));
    if (url.pathname === "/paths") return Response.json(pathChecks(ciam, golden));
    if (url.pathname === "/login") {
      const account = url.searchParams.get("account") ?? "";
      const stub = env.ACCOUNTS.get(env.ACCOUNTS.idFromName(account));
      return stub.fetch("https://account/", { method: "POST", body: await request.text() });
    }
    return new Response("not found", { status: 404 });
  },
};
