/**
 * A Worker for misconfiguration tests: its config object comes from the CONFIG binding (JSON),
 * so each test can pass a bad one. Built with `define: { __USER_LOGGER__: "true" }` it registers
 * its own diag logger first, as an app with an OTel setup would.
 */
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { type Config, instrument, telemetryStats } from "../../src/index.js";

declare const __USER_LOGGER__: boolean;

if (typeof __USER_LOGGER__ !== "undefined") {
  const to = (level: string) => (message: string) => console.log(`user-logger ${level} ${message}`);
  diag.setLogger({ error: to("error"), warn: to("warn"), info: to("info"), debug: to("debug"), verbose: to("verbose") }, DiagLogLevel.DEBUG);
}

interface Env {
  UPSTREAM: string;
  CONFIG?: Config;
}

export default instrument(
  {
    async fetch(request: Request, env: Env): Promise<Response> {
      if (new URL(request.url).pathname === "/stats") return Response.json(telemetryStats());
      const upstream = await fetch(`${env.UPSTREAM}/v1/thing`);
      return new Response(await upstream.text(), { headers: { "x-app": "misconfig" } });
    },
  },
  (env) => env.CONFIG ?? {},
);
