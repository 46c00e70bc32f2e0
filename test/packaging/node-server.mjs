/**
 * Node entry of the scratch project: `node node-server.mjs <port>` serves chat() wrapped by
 * withTracing, imported by package name so Node resolves the installed package's exports map.
 * Prints `listening <port>`.
 */
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { withTracing } from "otel-genai-edge";
import { chat } from "./chat.mjs";

const traced = withTracing(chat);

function toRequest(req) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? undefined : Readable.toWeb(req);
  return new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, { method, headers, body, duplex: "half" });
}

async function send(response, res) {
  res.writeHead(response.status, [...response.headers].flat());
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.once("close", () => void reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    res.write(value);
  }
  res.end();
}

const server = createServer((req, res) => {
  traced(toRequest(req))
    .then((response) => send(response, res))
    .catch((error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
});
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => console.log(`listening ${server.address().port}`));
