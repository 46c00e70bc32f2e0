/**
 * The part of each platform's own types that the examples use. A real project gets them from
 * its platform (Deno's built-in types, Next.js's `@types/node`); these only let the examples
 * type-check here without them.
 */
declare namespace Deno {
  interface ServeHandlerInfo {
    remoteAddr: { hostname: string; port: number };
  }
  type ServeHandler = (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>;
  function serve(handler: ServeHandler): unknown;
  const env: { get(key: string): string | undefined; toObject(): Record<string, string> };
}

declare const process: { env: Record<string, string | undefined> };

declare class URLPattern {
  constructor(init: { pathname: string });
  test(input: string): boolean;
  exec(input: string): { pathname: { groups: Record<string, string | undefined> } } | null;
}
