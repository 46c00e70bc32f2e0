/** Placeholder (being written): reads no content. */
import type { ContentReader } from "../content.js";

export const ollamaChatContent: ContentReader = {
  request: () => ({}),
  output: () => ({ json() {}, event() {}, messages: () => [], toolCalls: () => [] }),
};

export const ollamaGenerateContent: ContentReader = {
  request: () => ({}),
  output: () => ({ json() {}, event() {}, messages: () => [], toolCalls: () => [] }),
};
