/** Placeholder (being written): matches no path. */
import type { WireFormat } from "./types.js";

export const bedrockInvoke: WireFormat = {
  id: "bedrockInvoke",
  framing: "sse",
  path: /(?!)/,
  home: "_OTHER",
  fits: () => false,
  request: () => ({ operation: "chat" }),
  json() {},
  event: () => false,
};
