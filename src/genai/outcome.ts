/**
 * How a call's end reads on the span: the provider's error code when it has one, and the finish
 * reasons as the profile lists them. Pure helpers of `call.ts`.
 */
import type { RequestFacts, ResponseFacts } from "./types.js";

/** A provider's error code (`invalid_api_key`, `rate_limit_exceeded`), never free text. */
export function errorCode(value: unknown): string | undefined {
  return typeof value === "string" && /^[A-Za-z][\w.:-]{0,63}$/.test(value) ? value : undefined;
}

/**
 * Provider finish reasons in choice order. The latest conventions put "error" where a choice
 * never got one (a cut stream); the v1.41 profile lists only the reasons received.
 */
export function finishReasons(
  facts: ResponseFacts,
  request: RequestFacts,
  pad: boolean,
  failed: boolean,
): string[] | undefined {
  const got = facts.finishReasons;
  if (!pad) {
    const present = got.filter((r): r is string => typeof r === "string");
    return present.length > 0 ? present : undefined;
  }
  // Inference never started: leave the attribute unset.
  if (got.length === 0 && !(facts.chunks && failed)) return undefined;
  const length = Math.max(got.length, failed ? (request.choiceCount ?? 1) : 0);
  const out: string[] = [];
  for (let i = 0; i < length; i++) out.push(got[i] ?? "error");
  return out;
}
