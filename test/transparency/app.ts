/**
 * The one application every transparency entry serves, bare and wrapped: the wrapper must be
 * invisible to it and to its client. The case is named by the `x-case` header (the path is
 * left free, so `fetch(request)` can aim the incoming request itself at the upstream); the
 * upstream base by `x-upstream`, an address nobody listens on by `x-refused`.
 *
 * A probe case answers with a JSON document of what the app observed (a thrown error becomes
 * `{ threw }`); an out case answers with the Response it made, for the client to read raw.
 */
import { type CaseContext, describeError, type Json } from "./observe.js";
import { OUTS } from "./outs.js";
import { LLM_PROBES } from "./probes-llm.js";
import { REQUEST_PROBES } from "./probes-request.js";
import { RESPONSE_PROBES } from "./probes-response.js";

export const PROBES: Record<string, (c: CaseContext) => Promise<Json>> = { ...REQUEST_PROBES, ...RESPONSE_PROBES, ...LLM_PROBES };
export { OUTS };

export async function app(request: Request, platform?: unknown): Promise<Response> {
  const name = request.headers.get("x-case") ?? "";
  const c: CaseContext = {
    request,
    up: request.headers.get("x-upstream") ?? "",
    refused: request.headers.get("x-refused") ?? "",
    platform,
  };
  const probe = PROBES[name];
  if (probe) {
    let doc: Json;
    try {
      doc = { ok: await probe(c) };
    } catch (error) {
      doc = { threw: describeError(error) };
    }
    return new Response(JSON.stringify(doc), { headers: { "content-type": "application/json" } });
  }
  const out = OUTS[name];
  if (out) return out(c);
  return new Response(`unknown case ${JSON.stringify(name)}`, { status: 404 });
}
