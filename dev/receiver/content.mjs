// What a span says about the model's conversation when content capture is on: the content
// attributes on the span (JSON strings) or, when only events were captured, the structured values
// of its `gen_ai.client.inference.operation.details` log record; a tool span's call id, arguments
// and result; and the `gen_ai.evaluation.result` records that point at the span. Everything here
// is untrusted text from the app: the page shows it as text, never as HTML.

export const DETAILS_EVENT = "gen_ai.client.inference.operation.details";
export const EVALUATION_EVENT = "gen_ai.evaluation.result";

const CONTENT_KEYS = {
  systemInstructions: "gen_ai.system_instructions",
  inputMessages: "gen_ai.input.messages",
  outputMessages: "gen_ai.output.messages",
  toolDefinitions: "gen_ai.tool.definitions",
};

/** A JSON string parsed (the span form), a structured value as is (the event form). */
function structured(value) {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value; // not JSON: shown as the text it is
  }
}

/**
 * `{ systemInstructions?, inputMessages?, outputMessages?, toolDefinitions?, from }` for a span,
 * or undefined when it carries no content (`from`: "span" or "event").
 */
export function spanContent(attributes, records = []) {
  const read = (source) => {
    const out = {};
    for (const [field, key] of Object.entries(CONTENT_KEYS)) if (source?.[key] !== undefined && source[key] !== null) out[field] = structured(source[key]);
    return Object.keys(out).length ? out : undefined;
  };
  const onSpan = read(attributes);
  if (onSpan) return { ...onSpan, from: "span" };
  const event = records.find((r) => r.eventName === DETAILS_EVENT);
  const onEvent = event && read(event.attributes);
  return onEvent ? { ...onEvent, from: "event" } : undefined;
}

/** An execute_tool span's call: `{ callId?, arguments?, result? }`, or undefined when it has none of them. */
export function toolCall(attributes) {
  const out = {};
  if (attributes["gen_ai.tool.call.id"] !== undefined) out.callId = String(attributes["gen_ai.tool.call.id"]);
  if (attributes["gen_ai.tool.call.arguments"] !== undefined) out.arguments = structured(attributes["gen_ai.tool.call.arguments"]);
  if (attributes["gen_ai.tool.call.result"] !== undefined) out.result = structured(attributes["gen_ai.tool.call.result"]);
  return Object.keys(out).length ? out : undefined;
}

/** The evaluation results among a span's log records, in arrival order. */
export function evaluations(records = []) {
  return records
    .filter((r) => r.eventName === EVALUATION_EVENT)
    .map(({ attributes: a }) => ({
      name: a["gen_ai.evaluation.name"] === undefined ? undefined : String(a["gen_ai.evaluation.name"]),
      scoreValue: typeof a["gen_ai.evaluation.score.value"] === "number" ? a["gen_ai.evaluation.score.value"] : undefined,
      scoreLabel: a["gen_ai.evaluation.score.label"] === undefined ? undefined : String(a["gen_ai.evaluation.score.label"]),
      explanation: a["gen_ai.evaluation.explanation"] === undefined ? undefined : String(a["gen_ai.evaluation.explanation"]),
      responseId: a["gen_ai.response.id"] === undefined ? undefined : String(a["gen_ai.response.id"]),
    }));
}

/** One line for the terminal: `relevance 1 (pass): explanation`. */
export function evaluationText(e) {
  const score = [e.scoreValue, e.scoreLabel && `(${e.scoreLabel})`].filter((x) => x !== undefined && x !== "").join(" ");
  return `${e.name ?? "(unnamed)"}${score ? ` ${score}` : ""}${e.explanation ? `: ${e.explanation}` : ""}`;
}
