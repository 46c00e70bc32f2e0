/** Placeholder (being written): reads no content. */
import type { ContentReader } from "../content.js";

export const openaiResponsesContent: ContentReader = {
  request: () => ({}),
  output: () => ({ json() {}, event() {}, messages: () => [], toolCalls: () => [] }),
};
