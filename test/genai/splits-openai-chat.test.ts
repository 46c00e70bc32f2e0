import { openaiChat } from "../../src/genai/openai-chat.js";
import { splitSuite } from "./split-suite.js";

splitSuite(openaiChat, [
  "openai/azure-chat-stream-prompt-filter.sse",
  "openai/chat-stream-include-usage.sse",
  "openai/chat-stream-n2-multiple-choices.sse",
  "openai/chat-stream-parallel-tool-calls.sse",
  "openai/chat-stream-tool-call-include-usage.sse",
  "groq/chat-stream.sse",
  "mistral/chat-stream.sse",
  "mistral/chat-stream-tool-call.sse",
]);
