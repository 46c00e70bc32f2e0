import { ollamaChat, ollamaGenerate } from "../../src/genai/ollama.js";
import { splitSuite } from "./split-suite.js";

splitSuite(ollamaChat, ["ollama/api-chat-stream.ndjson"]);
splitSuite(ollamaGenerate, ["ollama/api-generate-stream.ndjson"]);
