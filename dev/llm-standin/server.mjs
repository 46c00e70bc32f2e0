// A local stand-in for the OpenAI and Anthropic HTTP APIs, for development (`npm start`).
//
//   POST /v1/chat/completions  (also /chat/completions)  OpenAI Chat Completions, stream or not, tools
//   POST /v1/messages          (also /messages)          Anthropic Messages, stream or not, tools
//
// It answers by replaying real recorded responses from test/fixtures (see test/fixtures/MANIFEST.md),
// chosen from the request: streaming or not, tools present or not (Anthropic: thinking too). So
// the model names, ids and token counts in the answers are the recorded ones, whatever the request
// asked for. Streams are sent one SSE event per write with realistic timing: the first event after
// ~200–400 ms, then 20–60 ms between events. What changes a recording, as the real API would:
//   - an OpenAI stream requested without `stream_options.include_usage` does not get the final
//     usage chunk;
//   - a non-streaming request whose output limit (`max_tokens`, OpenAI's `max_completion_tokens`)
//     is below the recording's output tokens is cut there: finish reason `length` (Anthropic:
//     stop reason `max_tokens`), output tokens = the limit, the text cut in proportion (the cut
//     is approximate: the stand-in has no tokenizer).
// And one thing only a stand-in does: a request with the header `x-llm-standin-fail-first: 429`
// (or another 4xx/5xx) gets that error, with `retry-after-ms`, on its first attempt (the official
// SDKs number attempts in `x-stainless-retry-count`), so the SDK's retry can be seen.
//
// Run on its own: node dev/llm-standin/server.mjs [--port 8788] [--host 127.0.0.1]
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { errorBody, isUsageChunk, outputLimit, outputTokens, sseEvents, truncate } from "./recordings.mjs";

const FIXTURES = new URL("../../test/fixtures/", import.meta.url);

/** Timing in ms, as [min, max] ranges; everything is multiplied by `speed` (0 = no delays). */
export const DEFAULT_TIMING = {
  headersMs: [40, 120],
  firstEventMs: [200, 400],
  gapMs: [20, 60],
  // Non-streaming answers arrive whole after a base delay plus a little per output token.
  jsonBaseMs: [250, 450],
  jsonPerOutputTokenMs: 6,
};

const OPENAI = {
  text: "openai/chat-nonstream.json",
  tools: "openai/chat-nonstream-tool-calls.json",
  streamText: "openai/chat-stream-include-usage.sse",
  streamToolsWithUsage: "openai/chat-stream-tool-call-include-usage.sse",
  streamTools: "openai/chat-stream-parallel-tool-calls.sse",
};
const ANTHROPIC = {
  text: "anthropic/messages-nonstream.json",
  thinking: "anthropic/messages-nonstream-thinking.json",
  streamText: "anthropic/messages-stream-text.sse",
  streamTools: "anthropic/messages-stream-tool-use.sse",
  streamThinking: "anthropic/messages-stream-thinking.sse",
};

/** Which recording answers an OpenAI Chat Completions request. */
export function chooseOpenAI(body) {
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  const includeUsage = body.stream_options?.include_usage === true;
  if (!body.stream) return { fixture: tools ? OPENAI.tools : OPENAI.text };
  if (tools) return { fixture: includeUsage ? OPENAI.streamToolsWithUsage : OPENAI.streamTools };
  return { fixture: OPENAI.streamText, dropUsage: !includeUsage };
}

/** Which recording answers an Anthropic Messages request (no non-streaming tool-use recording: the text one). */
export function chooseAnthropic(body) {
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  const thinking = body.thinking?.type === "enabled";
  if (!body.stream) return { fixture: thinking ? ANTHROPIC.thinking : ANTHROPIC.text };
  if (tools) return { fixture: ANTHROPIC.streamTools };
  return { fixture: thinking ? ANTHROPIC.streamThinking : ANTHROPIC.streamText };
}

const cache = new Map();
function fixtureBytes(fixture) {
  if (!cache.has(fixture)) cache.set(fixture, readFileSync(new URL(fixture, FIXTURES)));
  return cache.get(fixture);
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const between = ([min, max], speed) => (min + Math.random() * (max - min)) * speed;
const requestId = () => `req_${Math.random().toString(36).slice(2, 12)}${Math.random().toString(36).slice(2, 12)}`;

/**
 * Starts the stand-in. Options: `port` (8788; 0 = any), `host` ("127.0.0.1"), `speed` (timing
 * multiplier, default 1; 0 answers at once), `log` (line printer; default console.log).
 * Rejects with an error whose `code` is "EADDRINUSE" when the port is taken.
 */
export async function startStandin(options = {}) {
  const host = options.host ?? "127.0.0.1";
  const speed = options.speed ?? 1;
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const log = options.log ?? ((line) => console.log(line));
  const sockets = new Set();
  const requests = [];

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0].replace(/\/+$/, "");
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("error", () => res.destroy());
    req.on("end", () => {
      serve(req, res, path, Buffer.concat(chunks).toString("utf8")).catch((error) => {
        log(`[llm-standin] error: ${error?.stack ?? error}`);
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify(errorBody("openai", 500, `stand-in error: ${error?.message ?? error}`)));
        } else res.destroy();
      });
    });
  });

  async function serve(req, res, path, text) {
    const api = /(^|\/)chat\/completions$/.test(path) ? "openai" : /(^|\/)messages$/.test(path) ? "anthropic" : undefined;
    const reply = (status, body) => {
      const bytes = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(bytes) });
      res.end(bytes);
    };
    if (req.method === "GET" && (path === "" || path === "/")) {
      return reply(200, {
        "llm-standin": "replays recorded OpenAI / Anthropic responses from test/fixtures",
        routes: ["POST /v1/chat/completions", "POST /v1/messages"],
        fixtures: { openai: OPENAI, anthropic: ANTHROPIC },
      });
    }
    if (!api) return reply(404, errorBody("openai", 404, `the stand-in serves POST /v1/chat/completions and POST /v1/messages, not ${req.method} ${path}`));
    if (req.method !== "POST") return reply(405, errorBody(api, 405, `use POST for ${path}`));
    let body;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return reply(400, errorBody(api, 400, `the request body is not valid JSON: ${error.message}`));
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) return reply(400, errorBody(api, 400, "the request body must be a JSON object"));
    if (typeof body.model !== "string") return reply(400, errorBody(api, 400, "model: a string is required"));
    if (!Array.isArray(body.messages)) return reply(400, errorBody(api, 400, "messages: an array is required"));
    if (api === "anthropic" && typeof body.max_tokens !== "number") return reply(400, errorBody(api, 400, "max_tokens: Field required"));

    const choice = api === "openai" ? chooseOpenAI(body) : chooseAnthropic(body);
    let bytes = fixtureBytes(choice.fixture);
    const idHeader = api === "openai" ? "x-request-id" : "request-id";
    const started = Date.now();
    const attempt = Number(req.headers["x-stainless-retry-count"] ?? 0);
    const failFirst = Number(req.headers["x-llm-standin-fail-first"]);
    const fail = failFirst >= 400 && failFirst <= 599 && attempt === 0 ? failFirst : undefined;
    requests.push({ api, path, model: body.model, stream: body.stream === true, fixture: choice.fixture, at: started, attempt, status: fail ?? 200 });
    const describe = `${body.stream ? "stream" : "json"}${Array.isArray(body.tools) && body.tools.length ? "+tools" : ""}${attempt ? ` (attempt ${attempt + 1})` : ""}`;

    if (fail) {
      await sleep(between(timing.headersMs, speed));
      if (res.destroyed) return;
      const error = JSON.stringify(errorBody(api, fail, `stand-in: HTTP ${fail} on the first attempt, as x-llm-standin-fail-first asks; try again`));
      res.writeHead(fail, { "content-type": "application/json", "content-length": Buffer.byteLength(error), "retry-after-ms": "100", "retry-after": "1", [idHeader]: requestId() });
      res.end(error);
      log(`[llm-standin] ${api} ${body.model} ${describe} → ${fail} (x-llm-standin-fail-first)`);
      return;
    }

    if (!body.stream) {
      let delay = between(timing.jsonBaseMs, speed);
      let cut = "";
      try {
        const json = JSON.parse(bytes.toString("utf8"));
        const truncated = truncate(api, json, outputLimit(api, body));
        if (truncated) {
          bytes = Buffer.from(JSON.stringify(truncated));
          cut = `, cut at ${outputTokens(truncated)} output tokens`;
        }
        delay += outputTokens(truncated ?? json) * timing.jsonPerOutputTokenMs * speed;
      } catch {
        // a recording that is not JSON: base delay only
      }
      await sleep(delay);
      if (res.destroyed) return;
      res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length, [idHeader]: requestId() });
      res.end(bytes);
      log(`[llm-standin] ${api} ${body.model} ${describe} → ${choice.fixture}${cut} (${Date.now() - started} ms)`);
      return;
    }

    let events = sseEvents(bytes);
    if (choice.dropUsage) events = events.filter((e) => !isUsageChunk(e));
    await sleep(between(timing.headersMs, speed));
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", [idHeader]: requestId() });
    res.flushHeaders();
    let closed = false;
    res.on("close", () => {
      closed = true;
    });
    await sleep(Math.max(0, between(timing.firstEventMs, speed) - (Date.now() - started)));
    for (let i = 0; i < events.length; i++) {
      if (i > 0) await sleep(between(timing.gapMs, speed));
      if (closed || res.destroyed) {
        log(`[llm-standin] ${api} ${body.model} ${describe}: the client went away after ${i}/${events.length} events`);
        return;
      }
      res.write(events[i]);
    }
    res.end();
    log(`[llm-standin] ${api} ${body.model} ${describe} → ${choice.fixture} (${events.length} events${choice.dropUsage ? ", usage chunk left out: no include_usage" : ""}, ${Date.now() - started} ms)`);
  }

  server.keepAliveTimeout = 120_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8788, host, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  server.on("error", (error) => log(`[llm-standin] server error: ${error.message}`));
  const { port } = server.address();
  let closing;
  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    close() {
      closing ??= new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections?.();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

// Standalone: node dev/llm-standin/server.mjs [--port N] [--host H]
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? fallback : process.argv[i + 1];
  };
  const port = Number(arg("port", process.env.OTEL_GENAI_EDGE_STANDIN_PORT ?? 8788));
  startStandin({ port, host: arg("host", "127.0.0.1"), speed: Number(process.env.OTEL_GENAI_EDGE_STANDIN_SPEED ?? 1) }).then(
    (standin) => {
      console.log(`LLM stand-in on ${standin.url}: OpenAI base URL ${standin.url}/v1, Anthropic base URL ${standin.url}`);
      const stop = () => standin.close().then(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    },
    (error) => {
      console.error(error.code === "EADDRINUSE" ? `Port ${port} is already in use; pass --port to use another.` : error.message);
      process.exit(1);
    },
  );
}
