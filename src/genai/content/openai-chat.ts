/** Placeholder (being written): reads no content. */
import type { ContentReader } from "../content.js";

export const openaiChatContent: ContentReader = {
  request: () => ({}),
  output: () => ({ json() {}, event() {}, messages: () => [], toolCalls: () => [] }),
};

export const openaiCompletionsContent: ContentReader = {
  request: () => ({}),
  output: () => ({ json() {}, event() {}, messages: () => [], toolCalls: () => [] }),
};
