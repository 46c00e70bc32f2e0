/** Placeholder (being written): reads no content. */
import type { ContentReader } from "../content.js";

export const bedrockConverseContent: ContentReader = {
  request: () => ({}),
  output: () => ({ json() {}, event() {}, messages: () => [], toolCalls: () => [] }),
};

export const bedrockInvokeContent: ContentReader = {
  request: () => ({}),
  output: () => ({ json() {}, event() {}, messages: () => [], toolCalls: () => [] }),
};
