/**
 * `OutputParts`: output messages assembled part by part (Gemini's and Bedrock's readers), text
 * bounded by a `Budget`, tool calls by count.
 */
import type { OutputMessage, Part, ToolCallRef } from "../content.js";
import { fact } from "../json.js";
import { args, Budget, dropEmpty, MAX_TOOL_CALLS, toolCall } from "./parts.js";

/** Parts per output message kept at most: a hostile stream cannot grow them without end. */
const MAX_PARTS = 256;

export interface Slot {
  part: Part;
  /** A streamed tool call's argument fragments, joined; parsed when the messages are read. */
  args?: string;
  /** Some fragment did not fit the budget. */
  cut?: boolean;
}
export interface Draft {
  role: string;
  slots: Slot[];
  finish?: string;
}

/**
 * Output messages built part by part (Gemini's and Bedrock's readers), holding at most about
 * `maxChars` characters of text: streamed text is appended to the message's last part of the
 * same kind, streamed tool-call arguments are joined and parsed at the end.
 */
export class OutputParts {
  private readonly budget: Budget;
  private readonly drafts: (Draft | undefined)[] = [];
  private readonly calls: ToolCallRef[] = [];

  constructor(maxChars: number, private readonly defaultRole = "assistant") {
    this.budget = new Budget(maxChars);
  }

  /** The message of choice `index`, created when first seen. */
  message(index: number): Draft {
    return (this.drafts[index] ??= { role: this.defaultRole, slots: [] });
  }

  /** Text or reasoning, appended to the message's last part when it is of the same kind. */
  text(m: Draft, type: "text" | "reasoning", s: unknown): void {
    if (typeof s !== "string" || s === "") return;
    const last = m.slots.at(-1);
    if (last?.part.type === type && last.args === undefined) {
      (last.part as { content: string }).content += this.budget.take(s);
      return;
    }
    const kept = this.budget.take(s);
    if (kept !== "") this.add(m, { type, content: kept });
  }

  /** A tool call: kept whatever the budget (its id and name are what `executeTool` needs), its arguments as the budget allows. */
  call(m: Draft, id: unknown, name: unknown, args?: unknown): Slot | undefined {
    const callName = fact(name);
    if (callName === undefined || this.calls.length >= MAX_TOOL_CALLS) return undefined;
    const callId = fact(id);
    this.calls.push(dropEmpty({ id: callId, name: callName }));
    return this.add(m, toolCall(callId, callName, args !== undefined && this.budget.fits(args) ? args : undefined));
  }

  /** A tool call whose arguments arrive as text fragments (none: `{}`). */
  streamedCall(m: Draft, id: unknown, name: unknown): Slot | undefined {
    const slot = this.call(m, id, name);
    if (slot) slot.args = "";
    return slot;
  }

  /** Another fragment of a streamed tool call's arguments. */
  args(slot: Slot | undefined, fragment: unknown): void {
    if (!slot || typeof fragment !== "string") return;
    const kept = this.budget.take(fragment);
    slot.args = (slot.args ?? "") + kept;
    if (kept.length < fragment.length) slot.cut = true;
  }

  /** Any other part (a blob's data cut to the budget, other parts kept whole only when they fit). */
  part(m: Draft, part: Part): void {
    if (part.type === "text" || part.type === "reasoning") this.text(m, part.type, part.content);
    else if (part.type === "tool_call") this.call(m, part.id, part.name, part.arguments);
    else if (part.type === "blob" && typeof part.content === "string") this.add(m, { ...part, content: this.budget.take(part.content) });
    else if (this.budget.fits(part)) this.add(m, part);
  }

  finish(m: Draft, reason: string | undefined): void {
    if (reason !== undefined) m.finish = reason;
  }

  /** Every part added was charged to the budget (its text, or its JSON), but tool calls: those are bounded by count. */
  private add(m: Draft, part: Part): Slot | undefined {
    if (m.slots.length >= MAX_PARTS) return undefined;
    const slot: Slot = { part };
    m.slots.push(slot);
    return slot;
  }

  messages(): OutputMessage[] {
    const out: OutputMessage[] = [];
    for (const d of this.drafts) {
      if (!d) continue;
      const parts = d.slots.map(({ part, args: sent, cut }) => {
        if (sent === undefined || (cut && sent === "")) return part;
        // A streamed call with no fragments had no arguments: `{}`, as its whole-body twin says.
        return { ...part, arguments: sent === "" ? {} : args(sent) };
      });
      out.push(dropEmpty({ role: d.role, parts, finish_reason: d.finish }));
    }
    return out;
  }

  toolCalls(): ToolCallRef[] {
    return this.calls.slice();
  }
}
