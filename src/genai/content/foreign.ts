/**
 * Content on the spans other instrumentations (and the app itself) make through our tracer
 * provider leaves under the same rule as ours. The AI SDK's `@ai-sdk/otel` integration, for one,
 * puts the prompt and the answer on its spans by default; with `captureMessageContent` off (the
 * default) none of it is exported. With content on spans:
 *
 * - the message lists (`gen_ai.input.messages`, `.output.messages`, `gen_ai.system_instructions`,
 *   `gen_ai.tool.definitions`) are read back, go through the `redactContent` hook once, as one
 *   call's content, and are bounded by `maxContentLength` like ours; tool definitions keep only
 *   their type and name unless `toolDefinitions: "full"`; a list that is not JSON is removed;
 * - content the hook cannot be shown as messages (tool call arguments and results, the older
 *   `gen_ai.prompt`/`gen_ai.completion`, the AI SDK's older `ai.*` content attributes, content
 *   attributes on events) is kept as it was set, under the span's limits, only when no hook is set;
 * - so are the error texts of a GenAI span (its exception events' message and stack, its status
 *   message): the AI SDK's errors quote the model's output (a JSON parse error holds the text).
 *
 * Error texts that are kept pass the secret scrubber whatever the mode, as ours do.
 */
import type { Attributes, SpanStatus } from "@opentelemetry/api";
import * as A from "../../attributes.js";
import { scrubText } from "../../fetch/redact.js";
import type { Content } from "../content.js";
import { bounded, type ContentPolicy, MESSAGE_ATTRIBUTES, onSpan, redact, toolDefinitionsFor } from "./capture.js";


/** What the policy reads and changes of a span. */
export interface ForeignSpan {
  attributes: Attributes;
  events: { name: string; attributes?: Attributes }[];
  status: SpanStatus;
}

/** Content the hook never sees: kept only when capturing on spans without a hook. */
const OPAQUE: readonly string[] = [A.GEN_AI_TOOL_CALL_ARGUMENTS, A.GEN_AI_TOOL_CALL_RESULT, ...A.OLDER_GENAI_CONTENT_ATTRIBUTES, ...A.AI_SDK_CONTENT_ATTRIBUTES];

const ANY_CONTENT = new Set([...A.CONTENT_ATTRIBUTES, ...OPAQUE]);

const ERROR_TEXTS = [A.EXCEPTION_MESSAGE, A.EXCEPTION_STACKTRACE];

/** Applies the policy to a span in place, as it ends. */
export function gateForeignSpan(span: ForeignSpan, policy: ContentPolicy, maxContentLength: number): void {
  const { attributes } = span;
  const opaqueKept = onSpan(policy.mode) && !policy.redact;
  // A GenAI span's error texts may quote content; any span's may hold a credential.
  const genai = A.GEN_AI_OPERATION_NAME in attributes || A.AI_OPERATION_ID in attributes;
  const errorText = (text: unknown) => (typeof text === "string" && (opaqueKept || !genai) ? scrubText(text, undefined, 4096) : undefined);
  for (const event of span.events) {
    if (!event.attributes) continue;
    // Content on an event (the older conventions put prompts and completions there) is kept only
    // as opaque content is: the hook sees no event.
    if (!opaqueKept) for (const key of ANY_CONTENT) delete event.attributes[key];
    if (event.name !== A.EXCEPTION_EVENT) continue;
    for (const key of ERROR_TEXTS) {
      if (event.attributes[key] === undefined) continue;
      const text = errorText(event.attributes[key]);
      if (text === undefined) delete event.attributes[key];
      else event.attributes[key] = text;
    }
  }
  if (span.status.message !== undefined) {
    const text = errorText(span.status.message);
    span.status = text === undefined ? { code: span.status.code } : { code: span.status.code, message: text.slice(0, 1024) };
  }
  gateAttributes(attributes, policy, opaqueKept, maxContentLength);
}

function gateAttributes(attributes: Attributes, policy: ContentPolicy, opaqueKept: boolean, maxContentLength: number): void {
  let any = false;
  for (const key in attributes) {
    if (ANY_CONTENT.has(key)) {
      any = true;
      break;
    }
  }
  if (!any) return;
  if (!opaqueKept) for (const key of OPAQUE) delete attributes[key];
  const keep = onSpan(policy.mode);
  const content: Content = {};
  for (const [key, name] of MESSAGE_ATTRIBUTES) {
    const value = attributes[name];
    if (value === undefined) continue;
    delete attributes[name];
    const list = keep && typeof value === "string" ? parseList(value) : undefined;
    if (list) content[key] = list as never;
  }
  if (Object.keys(content).length === 0) return;
  toolDefinitionsFor(content, policy);
  const text = (key: string) => (typeof attributes[key] === "string" ? (attributes[key] as string) : undefined);
  const info = { provider: text(A.GEN_AI_PROVIDER_NAME) ?? "", operation: text(A.GEN_AI_OPERATION_NAME) ?? "" };
  const requestModel = text(A.GEN_AI_REQUEST_MODEL);
  const kept = redact(content, requestModel === undefined ? info : { ...info, requestModel }, policy.redact, policy.failed);
  if (!kept) return;
  for (const [key, name] of MESSAGE_ATTRIBUTES) {
    const list = kept[key];
    if (!list) continue;
    const json = bounded(list, maxContentLength);
    if (json === undefined) policy.failed();
    else attributes[name] = json;
  }
}

/** Removes every content attribute and error text: what is left when applying the policy failed. */
export function dropContent(span: ForeignSpan): void {
  for (const key of ANY_CONTENT) delete span.attributes[key];
  for (const event of span.events) {
    if (!event.attributes) continue;
    for (const key of ANY_CONTENT) delete event.attributes[key];
    if (event.name === A.EXCEPTION_EVENT) for (const key of ERROR_TEXTS) delete event.attributes[key];
  }
  span.status = { code: span.status.code };
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
