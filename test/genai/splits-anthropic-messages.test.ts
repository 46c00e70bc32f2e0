import { anthropicMessages } from "../../src/genai/anthropic-messages.js";
import { splitSuite } from "./split-suite.js";

splitSuite(anthropicMessages, [
  "anthropic/messages-stream-text.sse",
  "anthropic/messages-stream-tool-use.sse",
  "anthropic/messages-stream-thinking.sse",
]);
