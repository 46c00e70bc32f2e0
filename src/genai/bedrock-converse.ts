/**
 * Amazon Bedrock Runtime Converse API: `POST /model/{modelId}/converse` and `/converse-stream`.
 *
 * The model is only in the path (URL-encoded; an inference profile ARN or a plain id), never in
 * the body. A stream is the AWS event-stream (`eventstream.ts`): one event per frame, named by
 * its `:event-type` (`messageStart`, `contentBlockDelta`, `messageStop`, `metadata`...) or, for an
 * exception frame, its `:exception-type` as sent (`throttlingException`...), which becomes
 * `error.type`. `messageStop` carries the stop reason and `metadata` the usage, last: the stream
 * is complete when `metadata` arrives after a stop reason.
 *
 * Usage: Bedrock counts `inputTokens` apart from `cacheReadInputTokens` and
 * `cacheWriteInputTokens` (the prompt-caching user guide reports the three separately, and
 * `totalTokens` adds them all to the output), so input = inputTokens + cache reads + writes.
 * An HTTP error body is `{"message": ...}`, its type only in the `x-amzn-ErrorType` header the
 * format does not see: nothing is taken from it.
 */
import { AWS_BEDROCK_GUARDRAIL_ID } from "../attributes.js";
import { count, dropUndefined, eventJson, fact, hasText, int, matchPath, num, type Obj, obj, parseJson, put, setError, setInputWithCache, str, strings } from "./json.js";
import type { RequestFacts, ResponseFacts, Usage, WireFormat } from "./types.js";

/** The model id in a `/model/{id}/<action>` path, decoded (an ARN arrives as `arn%3Aaws%3A...`). */
export function modelInPath(url: URL): string | undefined {
  return str(matchPath(url, /\/model\/(.+)\/[^/]+$/)?.[1]);
}

/** `aws.bedrock.guardrail.id` when a guardrail is named. */
export function guardrailAttributes(id: unknown): RequestFacts["attributes"] {
  const guardrail = str(id);
  return guardrail === undefined ? undefined : { [AWS_BEDROCK_GUARDRAIL_ID]: guardrail };
}

/** A Bedrock usage object (Converse `usage`, Nova's `...TokenCount` spelling too); counts present replace earlier ones. */
export function foldBedrockUsage(u: Obj, usage: Usage): void {
  put(usage, "cacheRead", count(u.cacheReadInputTokens) ?? count(u.cacheReadInputTokenCount));
  put(usage, "cacheWrite", count(u.cacheWriteInputTokens) ?? count(u.cacheWriteInputTokenCount));
  const input = count(u.inputTokens);
  if (input !== undefined) setInputWithCache(usage, input);
  put(usage, "output", count(u.outputTokens));
}

/** The finish reason of a response a guardrail altered. */
export const INTERVENED = "guardrail_intervened";

/**
 * A choice's stop reason, unless a guardrail intervened (see bedrock-invoke.ts): its
 * `guardrail_intervened` stands, whatever the model said after.
 */
export function setStop(facts: ResponseFacts, index: number, reason: unknown): void {
  const stop = fact(reason);
  if (stop !== undefined && !(index === 0 && facts.finishReasons[0] === INTERVENED)) facts.finishReasons[index] = stop;
}

const EXCEPTION = /exception$/i;

/** An exception frame (`throttlingException`...) or an `:error` frame: the failure it names. */
export function foldStreamError(name: string | undefined, data: string, facts: ResponseFacts): boolean {
  if (name === ":error") setError(facts, fact(obj(parseJson(data))?.code) ?? "_OTHER");
  else if (name !== undefined && EXCEPTION.test(name)) setError(facts, fact(name) ?? "_OTHER");
  else return false;
  return true;
}

function isOutputDelta(delta: Obj): boolean {
  return hasText(delta.text) || hasText(obj(delta.toolUse)?.input) || hasText(obj(delta.reasoningContent)?.text);
}

/** One Converse stream event (also the shape of Nova's invoke chunks); true when it is output. */
export function foldConverseEvent(name: string, e: Obj, facts: ResponseFacts): boolean {
  switch (name) {
    case "contentBlockDelta": {
      const delta = obj(e.delta);
      return delta !== undefined && isOutputDelta(delta);
    }
    case "messageStop":
      setStop(facts, 0, e.stopReason);
      return false;
    case "metadata": {
      const usage = obj(e.usage);
      if (usage) foldBedrockUsage(usage, facts.usage);
      if (facts.finishReasons[0] !== undefined) facts.complete = true;
      return false;
    }
    default:
      // messageStart, contentBlockStart/Stop.
      return false;
  }
}

/** Content block keys of a Converse message (Bedrock's blocks have no `type`, unlike Anthropic's). */
const BLOCK_KEYS = ["text", "image", "document", "video", "toolUse", "toolResult", "reasoningContent", "cachePoint", "guardContent"];
function isConverseMessage(m: unknown): boolean {
  const content = obj(m)?.content;
  return Array.isArray(content) && content.some((b) => {
    const block = obj(b);
    return block !== undefined && !("type" in block) && BLOCK_KEYS.some((k) => k in block);
  });
}

function readRequest(body: Obj | undefined, url: URL): RequestFacts {
  const facts: RequestFacts = { operation: "chat", model: modelInPath(url), stream: /-stream\/*$/.test(url.pathname) };
  if (!body) return dropUndefined(facts);
  const config = obj(body.inferenceConfig) ?? {};
  facts.maxTokens = int(config.maxTokens);
  facts.temperature = num(config.temperature);
  facts.topP = num(config.topP);
  facts.stopSequences = strings(config.stopSequences);
  const extra = obj(body.additionalModelRequestFields);
  facts.topK = int(extra?.top_k) ?? int(extra?.topK);
  facts.attributes = guardrailAttributes(obj(body.guardrailConfig)?.guardrailIdentifier);
  return dropUndefined(facts);
}

/**
 * An HTTP error's code: AWS sends it in `x-amzn-ErrorType` (`ValidationException:http://internal.amazon.com/...`),
 * the body holding only a message.
 */
export function awsErrorType(headers: Headers): string | undefined {
  return headers.get("x-amzn-errortype")?.split(":")[0] || undefined;
}

export const bedrockConverse: WireFormat = {
  id: "aws.bedrock.converse",
  framing: "eventstream",
  path: /\/model\/.+\/converse(?:-stream)?$/,
  home: "aws.bedrock",
  errorOfHeaders: awsErrorType,
  // No model field: a `messages` array of Bedrock content blocks, and no `model` (an OpenAI-style body).
  fits: (body) => !("model" in body) && Array.isArray(body.messages) && body.messages.some(isConverseMessage),

  request: readRequest,

  json(body, facts) {
    const b = obj(body);
    if (!b) return;
    put(facts.finishReasons, 0, fact(b.stopReason));
    const usage = obj(b.usage);
    if (usage) foldBedrockUsage(usage, facts.usage);
  },

  event(event, facts) {
    if (event.event === undefined || foldStreamError(event.event, event.data, facts)) return false;
    const e = obj(eventJson(event));
    return e !== undefined && foldConverseEvent(event.event, e, facts);
  },
};
