/** A minimal keep-alive HTTP client with nanosecond timings (node:http, no fetch/undici overhead). */
import http from "node:http";

export interface Timed {
  status: number;
  body: string;
  /** Request issued → response headers, ns. */
  headersNs: number;
  /** Request issued → first body byte, ns (NaN for an empty body). */
  ttfbNs: number;
  /** Request issued → body complete, ns. */
  totalNs: number;
}

export function client(base: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const origin = new URL(base);
  return {
    get(path: string, keepBody = true): Promise<Timed> {
      return new Promise((resolve, reject) => {
        const t0 = process.hrtime.bigint();
        const req = http.request(
          { host: origin.hostname, port: origin.port, path, method: "GET", agent },
          (res) => {
            const tHeaders = process.hrtime.bigint();
            let tFirst = 0n;
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => {
              if (tFirst === 0n) tFirst = process.hrtime.bigint();
              if (keepBody) chunks.push(c);
            });
            res.on("end", () => {
              const t1 = process.hrtime.bigint();
              resolve({
                status: res.statusCode ?? 0,
                body: keepBody ? Buffer.concat(chunks).toString("utf8") : "",
                headersNs: Number(tHeaders - t0),
                ttfbNs: tFirst === 0n ? Number.NaN : Number(tFirst - t0),
                totalNs: Number(t1 - t0),
              });
            });
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end();
      });
    },
    close() {
      agent.destroy();
    },
  };
}
