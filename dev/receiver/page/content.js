// A span's captured content on the page (rows from dev/receiver/content.mjs): system
// instructions, input and output messages part by part, tool definitions, a tool span's call,
// and the evaluations recorded for the span. The text is the app's and the model's, untrusted:
// it only ever reaches the page as text nodes and attribute values (through `el`), never as HTML.

/** Compact JSON for arguments and results; text as is. */
const show = (value) => (typeof value === "string" ? value : JSON.stringify(value));
const isObj = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

function part(el, p) {
  if (!isObj(p)) return el("div", { class: "part text", "data-type": "text" }, show(p));
  const tag = (text) => el("span", { class: "tag" }, text);
  const id = p.id === undefined ? undefined : el("span", { class: "call-id mono" }, String(p.id));
  switch (p.type) {
    case "text":
      return el("div", { class: "part text", "data-type": "text" }, show(p.content ?? ""));
    case "reasoning":
      return el("div", { class: "part reasoning", "data-type": "reasoning" }, tag("reasoning"), show(p.content ?? ""));
    case "tool_call":
    case "server_tool_call":
      return el(
        "div",
        { class: "part tool-call", "data-type": p.type, "data-tool-name": p.name },
        tag(p.type === "tool_call" ? "tool call" : "server tool call"),
        el("span", { class: "mono" }, `${p.name ?? "?"}(${p.arguments === undefined ? "" : show(p.arguments)})`),
        id,
      );
    case "tool_call_response":
    case "server_tool_call_response":
      return el("div", { class: "part tool-response", "data-type": p.type }, tag("tool response"), id, el("span", { class: "mono" }, show(p.response)));
    case "blob":
      return el("div", { class: "part media", "data-type": "blob" }, tag(p.modality ?? "blob"), `${p.mime_type ?? ""} · ${String(p.content ?? "").length} base64 characters`);
    case "uri":
      return el("div", { class: "part media", "data-type": "uri" }, tag(p.modality ?? "uri"), show(p.uri ?? ""));
    case "file":
      return el("div", { class: "part media", "data-type": "file" }, tag(p.modality ?? "file"), `file ${show(p.file_id ?? "")}`);
    default:
      return el("div", { class: "part other", "data-type": String(p.type ?? "") }, tag(String(p.type ?? "part")), JSON.stringify(p));
  }
}

const parts = (el, list) => (Array.isArray(list) ? list.map((p) => part(el, p)) : [part(el, list)]);

function messages(el, list, kind) {
  if (!Array.isArray(list)) return [el("div", { class: "message" }, parts(el, list))];
  return list.map((m) =>
    el(
      "div",
      { class: `message ${kind}`, "data-role": m?.role, "data-finish-reason": m?.finish_reason },
      el(
        "div",
        { class: "message-head" },
        el("span", { class: "role" }, String(m?.role ?? "?")),
        m?.name !== undefined && el("span", { class: "name" }, String(m.name)),
        m?.finish_reason !== undefined && el("span", { class: "finish" }, `finish: ${m.finish_reason}`),
      ),
      parts(el, m?.parts ?? []),
    ),
  );
}

function evaluationTable(el, list) {
  return el(
    "table",
    { class: "evaluations" },
    el("tr", {}, el("th", {}, "evaluation"), el("th", {}, "score"), el("th", {}, "label"), el("th", {}, "explanation")),
    list.map((e) =>
      el(
        "tr",
        { "data-evaluation": e.name },
        el("td", {}, e.name ?? "(unnamed)"),
        el("td", { class: "score" }, e.scoreValue === undefined ? "–" : String(e.scoreValue)),
        el("td", { class: "label" }, e.scoreLabel ?? "–"),
        el("td", { class: "explanation" }, e.explanation ?? ""),
      ),
    ),
  );
}

/** The content block of an expanded span, or undefined when it has nothing to show. */
export function renderContent(row, el) {
  const c = row.content;
  const t = row.tool;
  if (!c && !t && !row.evaluations) return undefined;
  const section = (cls, title, ...children) => el("div", { class: `content-section ${cls}` }, el("h4", {}, title), ...children);
  return el(
    "div",
    { class: "content" },
    c?.systemInstructions !== undefined && section("system-instructions", "System instructions", parts(el, c.systemInstructions)),
    c?.inputMessages !== undefined && section("input-messages", "Input messages", messages(el, c.inputMessages, "input")),
    c?.outputMessages !== undefined && section("output-messages", "Output messages", messages(el, c.outputMessages, "output")),
    c?.toolDefinitions !== undefined &&
      section(
        "tool-definitions",
        "Tools offered",
        (Array.isArray(c.toolDefinitions) ? c.toolDefinitions : [c.toolDefinitions]).map((d) =>
          el("span", { class: "chip tool-def", title: isObj(d) ? d.description : undefined, "data-tool-name": isObj(d) ? d.name : undefined }, isObj(d) ? String(d.name ?? d.type ?? "?") : show(d)),
        ),
      ),
    c?.from === "event" && el("p", { class: "note" }, "From the gen_ai.client.inference.operation.details event (/v1/logs)."),
    t &&
      section(
        "tool-call",
        "Tool call",
        t.callId !== undefined && el("div", {}, "call id ", el("span", { class: "call-id mono" }, t.callId)),
        t.arguments !== undefined && el("div", { class: "tool-arguments" }, el("span", { class: "tag" }, "arguments"), el("span", { class: "mono" }, show(t.arguments))),
        t.result !== undefined && el("div", { class: "tool-result" }, el("span", { class: "tag" }, "result"), el("span", { class: "mono" }, show(t.result))),
      ),
    row.evaluations && section("evaluations", "Evaluations", evaluationTable(el, row.evaluations)),
  );
}

/** Short chips for a row's evaluations, e.g. `relevance 1 · pass`. */
export function evaluationChips(row, el) {
  return (row.evaluations ?? []).map((e) =>
    el(
      "span",
      { class: "chip eval", title: e.explanation ? `${e.name}: ${e.explanation}` : e.name },
      [e.name, e.scoreValue, e.scoreLabel].filter((x) => x !== undefined).join(" · "),
    ),
  );
}
