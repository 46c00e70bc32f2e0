/**
 * The redaction hook of the content e2e (test/workers/providers-content.ts), pure so the test
 * applies the same function to what it expects: every text, reasoning, tool argument, tool
 * result and tool description is replaced by a fixed string; structure, ids and names stay.
 */
export const REDACTED = "[redacted-by-hook-4417]";
/** The `limits.maxContentLength` of the `truncate` setting (characters of JSON per attribute). */
export const SMALL_CONTENT_LIMIT = 300;

type Json = any;

function part(p: Json): Json {
  switch (p?.type) {
    case "text":
    case "reasoning":
      return { ...p, content: REDACTED };
    case "tool_call":
      return { ...p, arguments: { redacted: REDACTED } };
    case "tool_call_response":
      return { ...p, response: REDACTED };
    default:
      return p;
  }
}

const messages = (list: Json[] | undefined) => list?.map((m) => ({ ...m, parts: m.parts.map(part) }));

/** `redactContent(content)`: a new object, the given one untouched. */
export function redactAll(content: Json): Json {
  const out: Json = {};
  if (content.inputMessages) out.inputMessages = messages(content.inputMessages);
  if (content.outputMessages) out.outputMessages = messages(content.outputMessages);
  if (content.systemInstructions) out.systemInstructions = content.systemInstructions.map(part);
  if (content.toolDefinitions) out.toolDefinitions = content.toolDefinitions.map((t: Json) => (t.description === undefined ? t : { ...t, description: REDACTED }));
  return out;
}
