/**
 * Node: `node bundle.mjs <port>`. A node:http server adapted to a `withTracing` handler that
 * logs every request it gets (`request <method> <path> <user-agent>`), answers OTLP paths like
 * a collector (200 `{}`) and anything else with `hello`. Prints `listening <port>`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { withTracing } from "../../../src/index.js";

const traced = withTracing(async (request: Request) => {
  const url = new URL(request.url);
  console.log(`request ${request.method} ${url.pathname} ${request.headers.get("user-agent") ?? "-"}`);
  await request.arrayBuffer();
  if (url.pathname.startsWith("/v1/")) return Response.json({});
  return new Response("hello");
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const method = req.method ?? "GET";
    const body = method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    traced(new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, { method, headers, body }))
      .then(async (response) => {
        res.writeHead(response.status, [...response.headers].flat());
        res.end(Buffer.from(await response.arrayBuffer()));
      })
      .catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
  });
});
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
