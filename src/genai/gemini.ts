/** Placeholder (being written): matches no path. */
import type { WireFormat } from "./types.js";

export const geminiGenerate: WireFormat = {
  id: "geminiGenerate",
  framing: "sse",
  path: /(?!)/,
  home: "_OTHER",
  fits: () => false,
  request: () => ({ operation: "chat" }),
  json() {},
  event: () => false,
};

export const geminiEmbed: WireFormat = {
  id: "geminiEmbed",
  framing: "sse",
  path: /(?!)/,
  home: "_OTHER",
  fits: () => false,
  request: () => ({ operation: "chat" }),
  json() {},
  event: () => false,
};
