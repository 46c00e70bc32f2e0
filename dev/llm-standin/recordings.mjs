// How the stand-in turns a recording into the answer a request gets: SSE events split for
// replay, the usage chunk left out, a JSON answer cut at the request's output limit, and the
// providers' error bodies.

/** SSE events of a recording, each with its trailing blank line, so they concatenate to the file. */
export function sseEvents(bytes) {
  const text = bytes.toString("utf8");
  const events = [];
  const boundary = /\r?\n\r?\n/g;
  let start = 0;
  for (let match = boundary.exec(text); match; match = boundary.exec(text)) {
    events.push(text.slice(start, match.index + match[0].length));
    start = match.index + match[0].length;
  }
  if (start < text.length) events.push(text.slice(start));
  return events;
}

/** The OpenAI usage-only chunk (`choices: []` with usage), sent only when include_usage was asked for. */
export function isUsageChunk(event) {
  const data = event
    .split(/\r?\n/)
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim())
    .join("\n");
  if (!data.startsWith("{")) return false;
  try {
    const json = JSON.parse(data);
    return Array.isArray(json.choices) && json.choices.length === 0 && json.usage != null;
  } catch {
    return false;
  }
}

export function outputTokens(json) {
  return json?.usage?.completion_tokens ?? json?.usage?.output_tokens ?? 0;
}

export function errorBody(api, status, message) {
  if (status === 429) {
    return api === "anthropic"
      ? { type: "error", error: { type: "rate_limit_error", message } }
      : { error: { message, type: "requests", param: null, code: "rate_limit_exceeded" } };
  }
  const type = status === 404 ? "not_found_error" : status >= 500 ? "api_error" : "invalid_request_error";
  return api === "anthropic" ? { type: "error", error: { type, message } } : { error: { message, type: "invalid_request_error", param: null, code: null } };
}

/** The output limit a request sets, if any. */
export function outputLimit(api, body) {
  const limit = api === "openai" ? (body.max_completion_tokens ?? body.max_tokens) : body.max_tokens;
  return Number.isInteger(limit) && limit > 0 ? limit : undefined;
}

/** Text cut to about `fraction` of its length, at a word boundary. */
function cutText(text, fraction) {
  const cut = text.slice(0, Math.max(1, Math.floor(text.length * fraction)));
  const space = cut.lastIndexOf(" ");
  return space > 0 ? cut.slice(0, space) : cut;
}

/** A non-streaming recording cut at `limit` output tokens, as the API answers when the limit is hit. */
export function truncate(api, json, limit) {
  const recorded = outputTokens(json);
  if (!limit || recorded <= limit) return undefined;
  const out = structuredClone(json);
  const fraction = limit / recorded;
  if (api === "openai") {
    const choice = out.choices[0];
    if (typeof choice.message?.content === "string") choice.message.content = cutText(choice.message.content, fraction);
    choice.finish_reason = "length";
    out.usage.completion_tokens = limit;
    out.usage.total_tokens = out.usage.prompt_tokens + limit;
  } else {
    for (const block of out.content) if (block.type === "text") block.text = cutText(block.text, fraction);
    out.stop_reason = "max_tokens";
    out.usage.output_tokens = limit;
  }
  return out;
}
