/**
 * Content on the spans other instrumentations make through our tracer provider leaves under the
 * same rule as ours. The AI SDK's `@ai-sdk/otel` integration, for one, puts the prompt and the
 * answer on its invoke_agent spans by default; with `captureMessageContent` off (the default)
 * none of it is exported. With content on spans:
 *
 * - the message lists (`gen_ai.input.messages`, `.output.messages`, `gen_ai.system_instructions`,
 *   `gen_ai.tool.definitions`) are read back, go through the `redactContent` hook once, as one
 *   call's content, and are bounded by `maxContentLength` like ours; tool definitions keep only
 *   their type and name unless `toolDefinitions: "full"`; a list that is not JSON is removed;
 * - content the hook cannot be shown as messages (tool call arguments and results, the AI SDK's
 *   older `ai.*` content attributes) is kept only when no hook is set, cut to `maxContentLength`.
 */
import type { Attributes } from "@opentelemetry/api";
import * as A from "../../attributes.js";
import type { Content } from "../content.js";
import { bounded, type CaptureMode, cut, MESSAGE_ATTRIBUTES, onSpan, type RedactContentHook, redact, TRUNCATED } from "./capture.js";

export interface ContentPolicy {
  mode: CaptureMode;
  redact?: RedactContentHook;
  maxContentLength: number;
  fullToolDefinitions: boolean;
  /** Counts an instrumentation error (a hook that threw, content that cannot be serialized). */
  failed: () => void;
}

/** Content the hook never sees: kept only when capturing on spans without a hook. */
const OPAQUE: readonly string[] = [A.GEN_AI_TOOL_CALL_ARGUMENTS, A.GEN_AI_TOOL_CALL_RESULT, ...A.AI_SDK_CONTENT_ATTRIBUTES];

const ANY_CONTENT = new Set([...A.CONTENT_ATTRIBUTES, ...OPAQUE]);

/** Applies the policy to a span's attributes in place, as the span ends. */
export function gateForeignContent(attributes: Attributes, policy: ContentPolicy): void {
  let any = false;
  for (const key in attributes) {
    if (ANY_CONTENT.has(key)) {
      any = true;
      break;
    }
  }
  if (!any) return;
  const keep = onSpan(policy.mode);
  const max = policy.maxContentLength;
  for (const key of OPAQUE) {
    const value = attributes[key];
    if (value === undefined) continue;
    if (!keep || policy.redact || typeof value !== "string") delete attributes[key];
    else if (value.length > max) attributes[key] = cut(value, Math.max(0, max - TRUNCATED.length)) + TRUNCATED;
  }
  const content: Content = {};
  for (const [key, name] of MESSAGE_ATTRIBUTES) {
    const value = attributes[name];
    if (value === undefined) continue;
    delete attributes[name];
    const list = keep && typeof value === "string" ? parseList(value) : undefined;
    if (list) content[key] = list as never;
  }
  if (Object.keys(content).length === 0) return;
  if (content.toolDefinitions && !policy.fullToolDefinitions) {
    content.toolDefinitions = content.toolDefinitions.map((d) => ({ type: (d as { type?: unknown })?.type, name: (d as { name?: unknown })?.name }) as never);
  }
  const text = (key: string) => (typeof attributes[key] === "string" ? (attributes[key] as string) : undefined);
  const info = { provider: text(A.GEN_AI_PROVIDER_NAME) ?? "", operation: text(A.GEN_AI_OPERATION_NAME) ?? "" };
  const requestModel = text(A.GEN_AI_REQUEST_MODEL);
  const kept = redact(content, requestModel === undefined ? info : { ...info, requestModel }, policy.redact, policy.failed);
  if (!kept) return;
  for (const [key, name] of MESSAGE_ATTRIBUTES) {
    const list = kept[key];
    if (!list) continue;
    const json = bounded(list, max);
    if (json === undefined) policy.failed();
    else attributes[name] = json;
  }
}

/** Removes every content attribute: what is left when applying the policy failed. */
export function dropContent(attributes: Attributes): void {
  for (const key of ANY_CONTENT) delete attributes[key];
}

/** A non-empty JSON array, or undefined. */
function parseList(text: string): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
