import { cohereChat } from "../../src/genai/cohere-chat.js";
import { splitSuite } from "./split-suite.js";

splitSuite(cohereChat, ["cohere/chat-v2-stream-text.sse", "cohere/chat-v2-stream-tool-calls.sse", "cohere/chat-v2-stream-thinking.sse"]);
