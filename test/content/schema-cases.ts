/**
 * The calls the schema test (schema.test.ts) captures: every response fixture of every wire
 * format the content tests cover, each answering a request of its format as the provider's
 * docs and SDKs write them, with every kind of content the format's reader reads (system
 * instructions, text, media inline / by URL / by file id, reasoning, tool calls and results,
 * built-in tool calls, tool definitions). Where a format's content test has a request body
 * (requests.ts), the body here is that one, extended with what the content test does not need.
 */

import { anthropicRequest, cohereContentItemsRequest, cohereToolUseRequest, converseRequest, geminiRequest, openaiChatRequest } from "./requests.js";

export interface SchemaCase {
  /** The wire format id detection must find (`ProviderFormat.id`). */
  format: string;
  /** Path under test/fixtures. */
  fixture: string;
  /** The provider's real URL (the GenAICall pass); the replay pass keeps its path and query. */
  url: string;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** The HTTP status the fixture was answered with (200 when absent). */
  status?: number;
}

/** Fixtures no capture reads content from, with the reason. */
export const NOT_CONTENT: Record<string, string> = {
  "openai/embeddings-base64.json": "embeddings: no content is recorded",
  "google/embed-content.json": "embeddings: no content is recorded",
  "google/batch-embed-contents.json": "embeddings: no content is recorded",
  "workers-ai/embeddings.json": "embeddings: no content is recorded",
  "workers-ai/README.md": "not a response",
  "bedrock/vector-all-headers.b64": "an event-stream codec vector, not a model response",
  "bedrock/vector-corrupted-header-len.b64": "an event-stream codec vector, not a model response",
  "bedrock/vector-corrupted-length.b64": "an event-stream codec vector, not a model response",
  "bedrock/vector-corrupted-payload.b64": "an event-stream codec vector, not a model response",
  "bedrock/vector-empty-message.b64": "an event-stream codec vector, not a model response",
};

const streamed = (fixture: string) => !fixture.endsWith(".json");

// ---------------------------------------------------------------------------------------------
// Request bodies, one per format (and per vendor for Bedrock InvokeModel)
// ---------------------------------------------------------------------------------------------

const weather = { type: "object", properties: { city: { type: "string", description: "The city" } }, required: ["city"] };

/** Chat Completions (OpenAI and the compatible servers): the content test's request, with a file sent inline, a refusal, and a tool with required parameters and a custom tool. */
const openaiChat = (stream: boolean) => {
  const [developer, system, question, ...turns] = openaiChatRequest.messages;
  return {
    ...openaiChatRequest,
    ...(stream && { stream: true }),
    messages: [
      developer,
      system,
      { ...question, content: [...question.content, { type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } }] },
      ...turns,
      { role: "assistant", content: null, refusal: "I can't help with that." },
      { role: "user", content: "Thanks. And tomorrow?" },
    ],
    tools: [
      ...openaiChatRequest.tools,
      { type: "function", function: { name: "get_forecast", description: "Weather tomorrow", parameters: weather } },
      { type: "custom", custom: { name: "code_exec", description: "Runs Python", format: { type: "text" } } },
    ],
  };
};

const openaiCompletions = (stream: boolean) => ({ model: "gpt-3.5-turbo-instruct", prompt: "Say this is a test", max_tokens: 7, ...(stream && { stream: true }) });

const openaiResponses = (stream: boolean) => ({
  model: "gpt-4.1",
  ...(stream && { stream: true }),
  instructions: "You are a recipe editor.",
  input: [
    {
      role: "user",
      content: [
        { type: "input_text", text: "Find carbonara, like in this photo and this file" },
        { type: "input_image", image_url: "https://x.test/p.png" },
        { type: "input_image", image_url: "data:image/png;base64,iVBORw0KGgo=" },
        { type: "input_file", file_id: "file-1" },
        { type: "input_file", filename: "menu.pdf", file_data: "data:application/pdf;base64,JVBERi0=" },
      ],
    },
    { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Search first." }] },
    { type: "function_call", call_id: "call_1", name: "search_recipes", arguments: '{"query":"carbonara"}' },
    { type: "function_call_output", call_id: "call_1", output: '{"found":1}' },
    { type: "web_search_call", id: "ws_1", status: "completed" },
    { type: "message", role: "assistant", content: [{ type: "output_text", text: "Found one." }] },
    { type: "item_reference", id: "msg_0" },
    { role: "user", content: "Now make it vegetarian." },
  ],
  tools: [
    { type: "function", name: "search_recipes", description: "Search", parameters: { type: "object", properties: { query: { type: "string" } } } },
    { type: "web_search_preview" },
    { type: "custom", name: "sql", description: "Runs SQL" },
  ],
});

/**
 * Anthropic Messages (also Claude on Bedrock InvokeModel, with `anthropic_version`): the content
 * test's request, with an image by file id, a text document, redacted thinking, a server tool's
 * call and result, and a tool with required parameters.
 */
const anthropicMessages = (stream: boolean, bedrock = false) => {
  const { model, messages, tools, ...rest } = anthropicRequest;
  const [question, toolUse, ...results] = messages;
  return {
    ...(bedrock ? { anthropic_version: "bedrock-2023-05-31" } : { model }),
    ...(stream && !bedrock && { stream: true }),
    ...rest,
    messages: [
      {
        ...question,
        content: [
          { type: "image", source: { type: "file", file_id: "file_011" } },
          { type: "document", source: { type: "text", media_type: "text/plain", data: "Forecast: rain." } },
          ...question.content,
        ],
      },
      { ...toolUse, content: [{ type: "redacted_thinking", data: "EmwKAhgBEgy" }, ...toolUse.content] },
      ...results,
      {
        role: "assistant",
        content: [
          { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "Paris weather tomorrow" } },
          { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [{ type: "web_search_result", url: "https://x.test/w", title: "Weather" }] },
          { type: "text", text: "Rain today, sun tomorrow." },
        ],
      },
      { role: "user", content: "Thanks." },
    ],
    tools: [...tools, { name: "get_forecast", description: "Weather tomorrow", input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } }],
  };
};

/**
 * Gemini / Vertex AI generateContent: the content test's request, with the proto (snake_case)
 * spelling, call ids, code execution, a thought signature, and one declaration spelled as
 * @google/genai sends it (`Type.OBJECT` is "OBJECT").
 */
const gemini = () => {
  const [question, call, ...results] = geminiRequest.contents;
  const [declarations, ...builtIns] = geminiRequest.tools;
  return {
    ...geminiRequest,
    contents: [
      {
        ...question,
        parts: [
          ...question.parts,
          { file_data: { mime_type: "image/png", file_uri: "data:image/png;base64,iVBORw0KGgo=" } },
          { file_data: { file_uri: "gs://bucket/v.mp4", mime_type: "video/mp4" } },
        ],
      },
      {
        ...call,
        parts: [...call.parts, { executableCode: { language: "PYTHON", code: "print(1)" } }, { codeExecutionResult: { outcome: "OUTCOME_OK", output: "1\n" } }, { thoughtSignature: "c2ln" }],
      },
      ...results,
      { role: "model", parts: [{ functionCall: { id: "call-1", name: "find_theaters", args: { location: "Mountain View, CA" } } }] },
      { role: "user", parts: [{ functionResponse: { id: "call-1", name: "find_theaters", response: { theaters: ["Cinema 1"] } } }] },
    ],
    tools: [
      {
        functionDeclarations: [
          ...declarations.functionDeclarations,
          { name: "find_theaters", description: "Find theaters", parameters: { type: "OBJECT", properties: { location: { type: "STRING" }, movie: { type: "STRING", nullable: true } }, required: ["location"] } },
        ],
      },
      ...builtIns,
    ],
  };
};

/** Bedrock Converse (and its stream): the content test's request, with a text document, a video, an audio clip and a system tool. */
const converse = () => {
  const [question, ...turns] = converseRequest.messages;
  return {
    ...converseRequest,
    messages: [
      {
        ...question,
        content: [
          ...question.content,
          { document: { format: "txt", name: "notes", source: { text: "Top 40 only." } } },
          { video: { format: "mp4", source: { s3Location: { uri: "s3://bucket/clip.mp4" } } } },
          { audio: { format: "mp3", source: { bytes: "SUQzBAA=" } } },
        ],
      },
      ...turns,
    ],
    toolConfig: { tools: [...converseRequest.toolConfig.tools, { systemTool: { name: "nova_grounding" } }] },
  };
};

/** Bedrock InvokeModel bodies per model vendor (the fixture name says which). */
function invokeBody(fixture: string): Record<string, unknown> {
  if (/claude-completion/.test(fixture)) return { anthropic_version: "bedrock-2023-05-31", prompt: "\n\nHuman: Hello, who are you?\n\nAssistant:", max_tokens_to_sample: 10 };
  if (/claude/.test(fixture)) return anthropicMessages(false, true);
  if (/nova/.test(fixture)) {
    return {
      schemaVersion: "messages-v1",
      system: [{ text: "Act as a creative writing assistant." }],
      messages: [{ role: "user", content: [{ text: "Create a story about this picture." }, { image: { format: "jpeg", source: { bytes: "/9j/4AAQ" } } }] }],
      toolConfig: { tools: [{ toolSpec: { name: "lookup", description: "Look up a word", inputSchema: { json: { type: "object", properties: { word: { type: "string" } } } } } }] },
      inferenceConfig: { maxTokens: 500 },
    };
  }
  if (/cohere/.test(fixture)) {
    return {
      message: "And now?",
      preamble: "Be terse.",
      chat_history: [
        { role: "USER", message: "Say this is a test" },
        { role: "CHATBOT", message: "This is a test." },
      ],
      tools: [{ name: "query_daily_sales_report", description: "Sales of a day", parameter_definitions: { day: { description: "The day", type: "str", required: true } } }],
      max_tokens: 10,
    };
  }
  if (/mistral/.test(fixture)) return { prompt: "<s>[INST] Hello, who are you? [/INST]", max_tokens: 20 };
  if (/llama/.test(fixture)) return { prompt: "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n", max_gen_len: 10 };
  return { inputText: "Hello, who are you?", textGenerationConfig: { maxTokenCount: 10 } }; // Titan
}

/** Cohere Chat v2: the content test's two requests as one conversation (the tool-use flow, then content items). */
const cohere = (stream: boolean) => ({
  ...cohereToolUseRequest,
  ...(stream && { stream: true }),
  messages: [...cohereToolUseRequest.messages, ...cohereContentItemsRequest.messages],
});

const ollamaChat = (stream: boolean) => ({
  model: "qwen3",
  stream,
  messages: [
    { role: "system", content: "Answer briefly." },
    { role: "user", content: "What is the weather in Toronto? And in this picture?", images: ["iVBORw0KGgoAAAANSUhEUg=="] },
    { role: "assistant", content: "", thinking: "The user wants the weather.", tool_calls: [{ function: { name: "get_current_weather", arguments: { city: "Toronto" } } }] },
    { role: "tool", content: "11 degrees celsius", tool_name: "get_current_weather" },
  ],
  tools: [{ type: "function", function: { name: "get_current_weather", description: "Get the current weather for a city", parameters: weather } }],
});

const ollamaGenerate = (stream: boolean) => ({ model: "llava", stream, system: "You are a pirate.", prompt: "Describe this picture", images: ["/9j/4AAQSkZJRg=="] });

/** Workers AI (REST body or the binding's inputs): native tool calling, and OpenAI-shaped parts. */
export const workersAi = (stream: boolean) => ({
  ...(stream && { stream: true }),
  messages: [
    { role: "system", content: "You are a helpful assistant." },
    {
      role: "user",
      content: [
        { type: "text", text: "what is the weather in london, and what is in this image?" },
        { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
      ],
    },
    { role: "assistant", content: "", tool_calls: [{ name: "getWeather", arguments: { latitude: "51.5074", longitude: "-0.1278" } }] },
    { role: "tool", name: "getWeather", content: '{"temperature":12}' },
    { role: "assistant", content: null, tool_calls: [{ id: "chatcmpl-tool-1", type: "function", function: { name: "getWeather", arguments: '{"latitude":"1","longitude":"2"}' } }] },
    { role: "tool", tool_call_id: "chatcmpl-tool-1", content: "12C" },
  ],
  tools: [
    { name: "getWeather", description: "Return the weather for a latitude and longitude", parameters: { type: "object", properties: { latitude: { type: "string" }, longitude: { type: "string" } }, required: ["latitude", "longitude"] } },
    { type: "function", function: { name: "getTime", description: "The time", parameters: { type: "object" } } },
  ],
});

// ---------------------------------------------------------------------------------------------
// Fixture → call
// ---------------------------------------------------------------------------------------------

const STATUS: Record<string, number> = {
  "openai/error-400-invalid-image-url.json": 400,
  "openai-responses/error-insufficient-quota.json": 429,
  "google/error-400-invalid-argument.json": 400,
  "google/error-429-resource-exhausted.json": 429,
  "bedrock/error-403-invalid-signature.json": 403,
  "ollama/api-chat-error-404.json": 404,
};

const CHAT_HOSTS: Record<string, string> = {
  openai: "https://api.openai.com/v1/chat/completions",
  deepseek: "https://api.deepseek.com/chat/completions",
  groq: "https://api.groq.com/openai/v1/chat/completions",
  mistral: "https://api.mistral.ai/v1/chat/completions",
  perplexity: "https://api.perplexity.ai/chat/completions",
  xai: "https://api.x.ai/v1/chat/completions",
};

const BEDROCK_MODELS: [RegExp, string][] = [
  [/claude-sonnet/, "anthropic.claude-3-5-sonnet-20240620-v1:0"],
  [/claude-completion/, "anthropic.claude-v2"],
  [/claude/, "anthropic.claude-3-haiku-20240307-v1:0"],
  [/nova-cross-region/, "us.amazon.nova-lite-v1:0"],
  [/nova/, "amazon.nova-lite-v1:0"],
  [/cohere/, "cohere.command-r-v1:0"],
  [/mistral/, "mistral.mistral-small-2402-v1:0"],
  [/llama/, "meta.llama3-8b-instruct-v1:0"],
  [/titan/, "amazon.titan-text-express-v1"],
];

/** The call a fixture answers, or undefined when it is none of a content-reading format. */
export function caseFor(fixture: string): SchemaCase | undefined {
  if (NOT_CONTENT[fixture]) return undefined;
  const [dir, name] = fixture.split("/") as [string, string];
  const stream = streamed(fixture);
  const status = STATUS[fixture];
  const base = { fixture, ...(status && { status }) };
  if (dir === "openai" && name.startsWith("completions")) return { ...base, format: "openai.completions", url: "https://api.openai.com/v1/completions", body: openaiCompletions(stream) };
  if (dir === "openai" && name.startsWith("azure")) {
    return { ...base, format: "openai.chat_completions", url: "https://my-res.openai.azure.com/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-10-21", body: openaiChat(stream) };
  }
  if (CHAT_HOSTS[dir]) return { ...base, format: "openai.chat_completions", url: CHAT_HOSTS[dir]!, body: openaiChat(stream) };
  if (dir === "openai-responses") return { ...base, format: "openai.responses", url: "https://api.openai.com/v1/responses", body: openaiResponses(stream) };
  if (dir === "anthropic") return { ...base, format: "anthropic.messages", url: "https://api.anthropic.com/v1/messages", body: anthropicMessages(stream), headers: { "anthropic-version": "2023-06-01" } };
  if (dir === "google") {
    const array = name === "gemini-stream-text-array.json" || name === "vertex-stream-array-int-enums.json";
    const method = stream ? "streamGenerateContent?alt=sse" : array ? "streamGenerateContent" : "generateContent";
    const url = name.startsWith("vertex")
      ? `https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:${method}`
      : `https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:${method}`;
    return { ...base, format: "gcp.gemini.generate_content", url, body: gemini() };
  }
  if (dir === "bedrock") {
    const model = encodeURIComponent(BEDROCK_MODELS.find(([re]) => re.test(name))?.[1] ?? "anthropic.claude-3-haiku-20240307-v1:0");
    const host = `https://bedrock-runtime.us-east-1.amazonaws.com/model/${model}`;
    if (name.startsWith("invoke")) return { ...base, format: "aws.bedrock.invoke", url: `${host}/${stream ? "invoke-with-response-stream" : "invoke"}`, body: invokeBody(name) };
    return { ...base, format: "aws.bedrock.converse", url: `${host}/${stream ? "converse-stream" : "converse"}`, body: converse() };
  }
  if (dir === "cohere") return { ...base, format: "cohere.chat", url: "https://api.cohere.com/v2/chat", body: cohere(stream) };
  if (dir === "ollama" && name.startsWith("api-generate")) return { ...base, format: "ollama.generate", url: "http://localhost:11434/api/generate", body: ollamaGenerate(stream) };
  if (dir === "ollama") return { ...base, format: "ollama.chat", url: "http://localhost:11434/api/chat", body: ollamaChat(stream) };
  if (dir === "workers-ai") {
    return { ...base, format: "cloudflare.workers_ai", url: "https://api.cloudflare.com/client/v4/accounts/abc/ai/run/@cf/meta/llama-3.1-8b-instruct", body: workersAi(stream) };
  }
  return undefined;
}
