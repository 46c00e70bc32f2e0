/**
 * Pieces the OpenAI and Anthropic content readers share: message parts from untrusted JSON,
 * tool-call arguments, media references, and the per-call text budget of an assembler.
 */
import type { Part, ToolDefinition } from "../content.js";
import { type Obj, obj, parseJson, str } from "../json.js";

/** Tool-call arguments: the object they encode when they are JSON, else the text as sent. */
export function args(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const parsed = parseJson(v);
  return parsed !== undefined && v.trim() !== "" ? parsed : v;
}

/** A URL given for media: a `data:` URL becomes a blob (its base64 and type), anything else a uri. */
export function media(url: string, modality: string, mimeType?: string): Part {
  const data = /^data:([^;,]*)(?:;[^,]*)?,/.exec(url);
  if (data) return dropEmpty({ type: "blob", modality, mime_type: data[1] || mimeType, content: url.slice(data[0].length) });
  return dropEmpty({ type: "uri", modality, mime_type: mimeType, uri: url });
}

/** A MIME type's top-level kind as a modality (`image/png` → image); `document` for the rest. */
export function modalityOf(mimeType: string | undefined, fallback = "document"): string {
  const top = mimeType?.split("/")[0];
  return top === "image" || top === "audio" || top === "video" ? top : fallback;
}

/** The object without its undefined fields (so parts compare and serialize cleanly). */
export function dropEmpty<T extends Obj>(o: T): T {
  for (const key of Object.keys(o)) if (o[key] === undefined) delete o[key];
  return o;
}

export function text(content: string): Part {
  return { type: "text", content };
}

/** `{type: "function", name, description?, parameters?}`; a built-in tool keeps its type, named by it. */
export function toolDefinition(type: string, name: string | undefined, description?: unknown, parameters?: unknown): ToolDefinition | undefined {
  if (name === undefined) return undefined;
  return dropEmpty({ type, name, description: str(description), parameters: obj(parameters) ?? undefined }) as ToolDefinition;
}

/** The defined entries of a mapped array (undefined for a value that is not an array). */
export function each<T>(v: unknown, f: (item: unknown, index: number) => T | undefined): T[] {
  const out: T[] = [];
  if (Array.isArray(v)) v.forEach((item, i) => {
    const mapped = f(item, i);
    if (mapped !== undefined) out.push(mapped);
  });
  return out;
}

/**
 * How much text one assembler may still hold (text, reasoning, arguments together): once spent,
 * deltas are dropped and the structure stays. The core truncates (and marks) on serialization.
 */
export class Budget {
  constructor(private left: number) {}
  take(s: string): string {
    if (s.length <= this.left) {
      this.left -= s.length;
      return s;
    }
    const kept = s.slice(0, Math.max(0, this.left));
    this.left = 0;
    return kept;
  }
}

/** A tool call being assembled from fragments. */
export interface PendingCall {
  id?: string;
  name: string;
  arguments: string;
  /** Arguments that arrived whole (already an object), not as text fragments. */
  whole?: unknown;
}

export function toolCallPart(call: PendingCall): Part {
  return dropEmpty({ type: "tool_call", id: call.id, name: call.name, arguments: call.whole ?? (call.arguments === "" ? undefined : args(call.arguments)) });
}
