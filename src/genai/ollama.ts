/** Placeholder (being written): matches no path. */
import type { WireFormat } from "./types.js";

export const ollamaChat: WireFormat = {
  id: "ollamaChat",
  framing: "sse",
  path: /(?!)/,
  home: "_OTHER",
  fits: () => false,
  request: () => ({ operation: "chat" }),
  json() {},
  event: () => false,
};

export const ollamaGenerate: WireFormat = {
  id: "ollamaGenerate",
  framing: "sse",
  path: /(?!)/,
  home: "_OTHER",
  fits: () => false,
  request: () => ({ operation: "chat" }),
  json() {},
  event: () => false,
};
