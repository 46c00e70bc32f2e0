// A local OTLP/HTTP JSON receiver for development (`npm start`).
//
//   POST /v1/traces, /v1/metrics, /v1/logs (log records kept by span: captured content, evaluations)
//   GET  /             the waterfall web page (dev/receiver/page/), live over server-sent events
//   GET  /api/state    everything the page shows, as JSON
//   GET  /api/events   server-sent events: `state` whenever something arrives
//
// Each trace that arrives is printed as a waterfall in the terminal; every request to /v1/* is
// appended to a JSONL file. Invalid input gets 400 (415 for protobuf) with the reason, and is
// recorded too; nothing a client sends can stop the receiver.
//
// Run on its own: node dev/receiver/server.mjs [--port 4318] [--host 127.0.0.1] [--file path]
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gunzip, inflate } from "node:zlib";
import { EVALUATION_EVENT, evaluations, evaluationText } from "./content.mjs";
import { decodeLogs, decodeMetrics, decodeTraces, OtlpError } from "./otlp.mjs";
import { Store } from "./store.mjs";
import { renderTotals, renderTrace } from "./waterfall.mjs";

const PAGE_DIR = new URL("./page/", import.meta.url);
const MAX_BODY = 32 * 1024 * 1024;
const STATIC = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/index.html": ["index.html", "text/html; charset=utf-8"],
  "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  "/views.js": ["views.js", "text/javascript; charset=utf-8"],
  "/format.js": ["format.js", "text/javascript; charset=utf-8"],
  "/content.js": ["content.js", "text/javascript; charset=utf-8"],
  "/style.css": ["style.css", "text/css; charset=utf-8"],
};
const SIGNALS = { "/v1/traces": "traces", "/v1/metrics": "metrics", "/v1/logs": "logs" };

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function readBody(req) {
  return new Promise((resolveBody, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, `body larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolveBody(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

async function decodeBody(req, raw) {
  const encoding = String(req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  try {
    if (encoding === "gzip" || encoding === "x-gzip") return await promisify(gunzip)(raw);
    if (encoding === "deflate") return await promisify(inflate)(raw);
  } catch (error) {
    throw new HttpError(400, `could not decode the ${encoding} body: ${error.message}`);
  }
  if (encoding !== "identity" && encoding !== "") throw new HttpError(415, `unsupported content-encoding ${encoding} (gzip, deflate or none)`);
  return raw;
}

function send(res, status, body, type = "application/json") {
  if (res.headersSent || res.destroyed) return;
  const bytes = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  res.writeHead(status, {
    "content-type": type,
    "content-length": bytes.length,
    "access-control-allow-origin": "*",
    "cache-control": "no-store",
  });
  res.end(bytes);
}

/** google.rpc.Status codes for the error bodies (the OTLP/HTTP convention). */
const GRPC_CODE = { 400: 3, 404: 5, 405: 12, 413: 8, 415: 3, 500: 13 };

/**
 * Starts the receiver. Options: `port` (4318; 0 = any), `host` ("127.0.0.1"), `file` (JSONL path,
 * or null for none), `log` (line printer, default console.log), `color`, `columns` (terminal width).
 * Rejects with an error whose `code` is "EADDRINUSE" when the port is taken.
 */
export async function startReceiver(options = {}) {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? ((line) => console.log(line));
  const color = options.color ?? false;
  const columns = () => (typeof options.columns === "function" ? options.columns() : (options.columns ?? 120));
  const file = options.file === null ? undefined : resolve(options.file ?? ".otel-genai-edge/received.jsonl");
  const store = new Store();
  const printed = new Map(); // traceId → spans drawn so far
  const watchers = new Set();
  const sockets = new Set();
  let writing = Promise.resolve();
  let fileError = false;
  let broadcastTimer;

  if (file) await mkdir(dirname(file), { recursive: true });

  const record = (entry) => {
    if (!file) return;
    const line = `${JSON.stringify(entry)}\n`;
    writing = writing
      .then(() => appendFile(file, line))
      .catch((error) => {
        if (!fileError) log(`[receiver] cannot append to ${file}: ${error.message}`);
        fileError = true;
      });
  };

  const broadcast = () => {
    clearTimeout(broadcastTimer);
    broadcastTimer = setTimeout(() => {
      if (watchers.size === 0) return;
      const data = `event: state\ndata: ${JSON.stringify(store.state())}\n\n`;
      for (const res of watchers) res.write(data);
    }, 50);
  };

  const print = (lines) => {
    for (const line of lines) log(line);
  };

  async function handleSignal(req, res, path, signal) {
    const entry = { receivedAt: new Date().toISOString(), method: req.method, path, signal, contentType: req.headers["content-type"] ?? null };
    store.counts.requests++;
    try {
      if (req.method !== "POST") throw new HttpError(405, `use POST for ${path}`);
      const raw = await readBody(req);
      entry.bytes = raw.length;
      const contentType = String(req.headers["content-type"] ?? "").toLowerCase();
      if (contentType.includes("protobuf")) {
        throw new HttpError(415, "this receiver speaks OTLP/HTTP JSON only (content-type application/json), not protobuf");
      }
      if (contentType && !contentType.includes("json")) throw new HttpError(415, `unsupported content-type ${contentType}; send application/json`);
      const text = (await decodeBody(req, raw)).toString("utf8");
      let body;
      try {
        body = JSON.parse(text);
      } catch (error) {
        entry.text = text.slice(0, 65536);
        throw new HttpError(400, `the body is not valid JSON: ${error.message}`);
      }
      entry.body = body;
      if (signal === "traces") {
        let spans;
        try {
          spans = decodeTraces(body);
        } catch (error) {
          if (error instanceof OtlpError) throw new HttpError(400, `invalid OTLP traces: ${error.message}`);
          throw error;
        }
        store.counts.traceRequests++;
        const traceIds = store.addSpans(spans);
        entry.status = 200;
        send(res, 200, {});
        try {
          for (const traceId of traceIds) {
            const view = store.traceView(traceId);
            if (!view) continue;
            // A trace whose spans come in several exports is drawn again, whole, each time.
            const before = printed.get(traceId);
            const note = before === undefined ? "" : `(updated: +${view.spanCount - before} spans)`;
            printed.set(traceId, view.spanCount);
            if (printed.size > 1000) printed.delete(printed.keys().next().value);
            print(["", ...renderTrace(view, { color, columns: columns(), note })]);
          }
          const totals = renderTotals(store.spanStats(), store.counts.metricRequests ? store.metricStats() : undefined, store.views(), { color });
          if (totals && traceIds.length) log(totals);
        } catch (error) {
          log(`[receiver] could not draw the waterfall: ${error?.stack ?? error}`);
        }
      } else if (signal === "metrics") {
        let metrics;
        try {
          metrics = decodeMetrics(body);
        } catch (error) {
          if (error instanceof OtlpError) throw new HttpError(400, `invalid OTLP metrics: ${error.message}`);
          throw error;
        }
        store.counts.metricRequests++;
        store.addMetrics(metrics);
        entry.status = 200;
        send(res, 200, {});
        const names = [...new Set(metrics.map((m) => m.name))];
        log(`[receiver] /v1/metrics: ${metrics.length} metric${metrics.length === 1 ? "" : "s"}${names.length ? ` (${names.join(", ")})` : ""}`);
      } else {
        let records;
        try {
          records = decodeLogs(body);
        } catch (error) {
          if (error instanceof OtlpError) throw new HttpError(400, `invalid OTLP logs: ${error.message}`);
          throw error;
        }
        store.counts.logRequests++;
        store.addLogs(records);
        entry.status = 200;
        send(res, 200, {});
        const byName = new Map();
        for (const r of records) byName.set(r.eventName || "(no event name)", (byName.get(r.eventName || "(no event name)") ?? 0) + 1);
        const names = [...byName].map(([name, n]) => `${name} ×${n}`).join(", ");
        log(`[receiver] /v1/logs: ${records.length} log record${records.length === 1 ? "" : "s"}${names ? ` (${names})` : ""}`);
        for (const r of records.filter((x) => x.eventName === EVALUATION_EVENT)) {
          log(`           evaluation ${evaluations([r]).map(evaluationText)[0]}${r.spanId ? `  (span ${r.spanId})` : ""}`);
        }
      }
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof HttpError ? error.message : `receiver error: ${error?.message ?? error}`;
      store.counts.rejected++;
      entry.status = status;
      entry.error = message;
      send(res, status, { code: GRPC_CODE[status] ?? 2, message });
      log(`[receiver] ${status} ${req.method} ${path}: ${message}`);
    } finally {
      record(entry);
      broadcast();
    }
  }

  async function handleStatic(res, name, type) {
    try {
      send(res, 200, await readFile(new URL(name, PAGE_DIR), "utf8"), type);
    } catch (error) {
      send(res, 500, `cannot read ${name}: ${error.message}`, "text/plain; charset=utf-8");
    }
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const handle = async () => {
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "POST, GET, OPTIONS",
          "access-control-allow-headers": "content-type, content-encoding, authorization",
        });
        res.end();
        return;
      }
      const signal = SIGNALS[path];
      if (signal) return handleSignal(req, res, path, signal);
      if (req.method === "GET" && STATIC[path]) return handleStatic(res, ...STATIC[path]);
      if (req.method === "GET" && path === "/api/state") return send(res, 200, store.state());
      if (req.method === "GET" && path === "/api/events") {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
        res.write(`retry: 1000\nevent: state\ndata: ${JSON.stringify(store.state())}\n\n`);
        watchers.add(res);
        res.on("close", () => watchers.delete(res));
        return;
      }
      if (req.method === "GET" && path === "/healthz") return send(res, 200, { ok: true });
      send(res, 404, { code: 5, message: `no route ${req.method} ${path}; OTLP goes to POST /v1/traces, /v1/metrics or /v1/logs` });
    };
    handle().catch((error) => {
      log(`[receiver] error on ${req.method} ${path}: ${error?.stack ?? error}`);
      send(res, 500, { code: 13, message: String(error?.message ?? error) });
    });
  });
  server.keepAliveTimeout = 120_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy(error);
  });
  const heartbeat = setInterval(() => {
    for (const res of watchers) res.write(": keep-alive\n\n");
  }, 15_000);
  heartbeat.unref();

  await new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4318, host, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  server.on("error", (error) => log(`[receiver] server error: ${error.message}`));
  const { port } = server.address();
  const url = `http://${host}:${port}`;

  let closing;
  return {
    url,
    port,
    file,
    store,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        clearTimeout(broadcastTimer);
        for (const res of watchers) res.end();
        watchers.clear();
        await new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections?.();
          for (const socket of sockets) socket.destroy();
        });
        await writing;
      })();
      return closing;
    },
  };
}

// Standalone: node dev/receiver/server.mjs [--port N] [--host H] [--file PATH]
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? fallback : process.argv[i + 1];
  };
  const root = fileURLToPath(new URL("../../", import.meta.url));
  startReceiver({
    port: Number(arg("port", process.env.OTEL_GENAI_EDGE_RECEIVER_PORT ?? 4318)),
    host: arg("host", "127.0.0.1"),
    file: arg("file", resolve(root, ".otel-genai-edge/received.jsonl")),
    color: process.stdout.isTTY && !process.env.NO_COLOR,
    columns: () => process.stdout.columns ?? 120,
  }).then(
    (receiver) => {
      console.log(`OTLP/HTTP JSON receiver on ${receiver.url} (POST /v1/traces, /v1/metrics, /v1/logs); waterfall: ${receiver.url}/; recording to ${receiver.file}`);
      const stop = () => receiver.close().then(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    },
    (error) => {
      console.error(error.code === "EADDRINUSE" ? `Port ${arg("port", 4318)} is already in use; pass --port to use another.` : error.message);
      process.exit(1);
    },
  );
}
