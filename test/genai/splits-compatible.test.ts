// The compatible providers' streams (Groq's and Mistral's first ones are in splits-openai-chat).
import { openaiChat } from "../../src/genai/openai-chat.js";
import { openaiCompletions } from "../../src/genai/openai-completions.js";
import { splitSuite } from "./split-suite.js";

splitSuite(openaiChat, [
  "xai/chat-stream-reasoning.sse",
  "perplexity/chat-stream-citations.sse",
  "mistral/chat-stream-reasoning-parts.sse",
]);
splitSuite(openaiCompletions, ["openai/completions-stream.sse"]);
