/**
 * Tool call ids for `executeTool` spans: the model's tool calls, per invocation, in the order it
 * asked for them. Invocation.recordCall tells us each LLM response's calls (the listener set
 * below, so trace/invocation.ts never imports this); a tool span takes the id of the call it
 * answers, now or, when the response is recorded after the tool ran, later.
 */
import type { Span } from "@opentelemetry/api";
import { GEN_AI_TOOL_CALL_ID } from "./attributes.js";
import type { ToolCallRef } from "./genai/content.js";
import { type Invocation, toolCallListener } from "./trace/invocation.js";
import { RecordingSpan } from "./trace/span.js";

/**
 * Per invocation: per tool name, the ids of the latest response that asked for it and how many
 * were handed out; and the tool spans still waiting for an id. A whole-body LLM response is
 * recorded when our read of its clone ends, which can be after the app read it and ran the tool.
 */
interface CallIds {
  byName: Map<string, { calls: Match[]; next: number }>;
  waiting: { name: string; span: RecordingSpan }[];
}
/** One tool call of a response, and that response's list (which names its LLM call's record). */
export interface Match {
  call: ToolCallRef & { id: string };
  from: readonly ToolCallRef[];
}
/** What a tool span knows of its call when it starts; not `final` when a later response may still name it. */
export interface Known {
  match?: Match;
  final: boolean;
}
const toolCalls = new WeakMap<Invocation, CallIds>();
/** The tool call each tool span answers, once known. */
const matches = new WeakMap<Span, Match>();
/** Tool spans that ended, capturing, before their tool call was known: records its arguments. */
const lateArguments = new WeakMap<Span, (match: Match) => void>();
/** Tool spans kept waiting for an id, per invocation (the oldest go first). */
const MAX_WAITING = 32;

function callIdsOf(invocation: Invocation): CallIds {
  let state = toolCalls.get(invocation);
  if (!state) toolCalls.set(invocation, (state = { byName: new Map(), waiting: [] }));
  return state;
}

/**
 * Called with the tool calls of each LLM response of `invocation` (Invocation.recordCall), and
 * when the call started. A later response asking for a tool replaces what an earlier one asked
 * for it; tool spans of that name started since the call started, and still without the id of
 * a newer response, take its ids first, in order.
 */
export function noteToolCalls(invocation: Invocation, calls: readonly ToolCallRef[] | undefined, startMs = Number.NEGATIVE_INFINITY): void {
  if (!calls?.length) return;
  const fresh = new Map<string, Match[]>();
  for (const call of calls) {
    if (typeof call?.name !== "string" || typeof call.id !== "string" || !call.id) continue;
    const same = fresh.get(call.name) ?? [];
    same.push({ call: call as Match["call"], from: calls });
    fresh.set(call.name, same);
  }
  if (fresh.size === 0) return;
  const state = callIdsOf(invocation);
  for (const [name, same] of fresh) {
    const entry = { calls: same, next: 0 };
    state.byName.set(name, entry);
    state.waiting = state.waiting.filter((w) => {
      if (w.name !== name || w.span.startMs < startMs || entry.next >= same.length) return true;
      matchLate(w.span, same[entry.next++]!);
      return false;
    });
  }
}

/**
 * The id of the model's call of `name`: parallel calls of one tool are handed out in the order
 * the model made them; past the last, the last one again, not final (a newer response may be
 * on its way). None known: not final either.
 */
export function nextCallId(invocation: Invocation, name: string): Known {
  const entry = toolCalls.get(invocation)?.byName.get(name);
  if (!entry) return { final: false };
  const final = entry.next < entry.calls.length;
  const match = entry.calls[Math.min(entry.next, entry.calls.length - 1)];
  entry.next++;
  return { match, final };
}

/** A given id: final; the model's call of `name` with that id (for its arguments), when known. */
export function givenCall(invocation: Invocation, name: string, id: string): Known {
  return { match: toolCalls.get(invocation)?.byName.get(name)?.calls.find((m) => m.call.id === id), final: true };
}

/** Follow a tool span that has started: what it knows now, and, unless final, a later response's id. */
export function trackToolSpan(invocation: Invocation, name: string, span: Span, known: Known): void {
  if (known.match) matches.set(span, known.match);
  if (known.final || !(span instanceof RecordingSpan)) return;
  const state = callIdsOf(invocation);
  state.waiting.push({ name, span });
  if (state.waiting.length > MAX_WAITING) state.waiting.shift();
}

/** The tool call the span answers, when known. */
export function matchOf(span: Span): Match | undefined {
  return matches.get(span);
}

/** Run `record` with the span's tool call if it becomes known after the span ended. */
export function whenMatchedLate(span: Span, record: (match: Match) => void): void {
  lateArguments.set(span, record);
}

function matchLate(span: RecordingSpan, match: Match): void {
  matches.set(span, match);
  setAttributeLate(span, GEN_AI_TOOL_CALL_ID, match.call.id);
  const record = lateArguments.get(span);
  lateArguments.delete(span);
  try {
    record?.(match);
  } catch {
    // arguments left out
  }
}

export function setAttributeLate(span: Span, key: string, value: string): void {
  // A tool span that already ended is still in its invocation's buffer (the LLM call that
  // brought the id holds the export back).
  if (span instanceof RecordingSpan) span.setLateAttribute(key, value);
  else span.setAttribute(key, value);
}

toolCallListener.notify = noteToolCalls;
