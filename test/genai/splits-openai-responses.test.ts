import { openaiResponses } from "../../src/genai/openai-responses.js";
import { splitSuite } from "./split-suite.js";

splitSuite(openaiResponses, [
  "openai-responses/responses-stream-text.sse",
  "openai-responses/responses-stream-function-call.sse",
  "openai-responses/responses-stream-error-insufficient-quota.sse",
]);
