/** Placeholder (being written): reads no content. */
import type { ContentReader } from "../content.js";

export const anthropicContent: ContentReader = {
  request: () => ({}),
  output: () => ({ json() {}, event() {}, messages: () => [], toolCalls: () => [] }),
};
