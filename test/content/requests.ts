/**
 * Request bodies shared by a format's content test (test/content/<format>.test.ts, which checks
 * what its reader reads from the body) and the schema test's cases (schema-cases.ts, which sends
 * the body, extended with the content kinds the format test does not need, and checks the
 * captured content against the conventions' schemas). Each is written as the provider's docs and
 * SDKs write it.
 */

/** A request body; loosely typed so that schema-cases.ts can take one apart and extend it. */
type Body = Record<string, any>;

/** Chat Completions: developer and system messages, a named user's media parts, a tool call and its result, reasoning. */
export const openaiChatRequest: Body = {
  model: "gpt-4o",
  messages: [
    { role: "developer", content: "Answer in French." },
    { role: "system", content: [{ type: "text", text: "Be brief." }] },
    {
      role: "user",
      name: "ann",
      content: [
        { type: "text", text: "What is in this image, and this sound?" },
        { type: "image_url", image_url: { url: "https://upload.wikimedia.org/a.jpg", detail: "low" } },
        { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
        { type: "input_audio", input_audio: { data: "UklGRiQ=", format: "wav" } },
        { type: "file", file: { file_id: "file-abc" } },
      ],
    },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
    { role: "tool", tool_call_id: "call_1", content: "rainy, 12°C" },
    { role: "assistant", content: "Il pleut.", reasoning_content: "The tool said rain." },
  ],
  tools: [{ type: "function", function: { name: "get_weather", description: "Weather now", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
};

/**
 * Anthropic Messages: system blocks; the user's images and document; thinking and a tool use;
 * tool results (content blocks, a string); a client tool and a server tool.
 */
export const anthropicRequest: Body = {
  model: "claude-sonnet-4-5",
  max_tokens: 1024,
  system: [{ type: "text", text: "You are a weather bot.", cache_control: { type: "ephemeral" } }],
  messages: [
    {
      role: "user",
      content: [
        { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
        { type: "image", source: { type: "url", url: "https://x.test/sky.jpg" } },
        { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" } },
        { type: "text", text: "Weather in Paris?" },
      ],
    },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "Use the tool.", signature: "sig" },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { location: "Paris" } },
      ],
    },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "rainy" }] }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_2", content: "sunny", is_error: false }] },
  ],
  tools: [
    { name: "get_weather", description: "Weather now", input_schema: { type: "object", properties: { location: { type: "string" } } } },
    { type: "web_search_20250305", name: "web_search", max_uses: 3 },
  ],
};

/** The parameters of geminiRequest's function declaration. */
export const geminiWeatherParameters = { type: "object", properties: { location: { type: "string", description: "The city and state, e.g. San Francisco, CA" } }, required: ["location"] };

/** Gemini generateContent: a multi-turn function-calling request (REST docs) with system instruction, media and tools. */
export const geminiRequest: Body = {
  contents: [
    {
      role: "user",
      parts: [
        { text: "What is the weather like in Boston? And what is in this picture?" },
        { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQSkZJRg==" } },
        { fileData: { mimeType: "application/pdf", fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc-123" } },
      ],
    },
    {
      role: "model",
      parts: [
        { text: "Thinking about the tools.", thought: true },
        { functionCall: { name: "get_current_weather", args: { location: "Boston, MA" } } },
      ],
    },
    { role: "user", parts: [{ functionResponse: { name: "get_current_weather", response: { temperature: 72, unit: "fahrenheit" } } }] },
  ],
  systemInstruction: { parts: [{ text: "You are a cat. Your name is Neko." }, { inlineData: { mimeType: "image/png", data: "iVBO" } }] },
  tools: [{ functionDeclarations: [{ name: "get_current_weather", description: "Get the current weather in a given location", parameters: geminiWeatherParameters }] }, { googleSearch: {} }, { codeExecution: {} }],
  generationConfig: { temperature: 0 },
};

/** The input schema of converseRequest's tool. */
export const topSongSchema = { type: "object", properties: { sign: { type: "string", description: "The call sign for the radio station." } }, required: ["sign"] };

/** Bedrock Converse: the tool-use conversation of the Converse API docs, with media, reasoning, system and tool specs. */
export const converseRequest: Body = {
  messages: [
    {
      role: "user",
      content: [
        { text: "What is the most popular song on WZPZ? See the logo and the playlist." },
        { image: { format: "png", source: { bytes: "iVBORw0KGgo=" } } },
        { document: { format: "pdf", name: "playlist", source: { s3Location: { uri: "s3://bucket/playlist.pdf" } } } },
        { cachePoint: { type: "default" } },
      ],
    },
    {
      role: "assistant",
      content: [
        { reasoningContent: { reasoningText: { text: "The top_song tool answers this.", signature: "c2ln" } } },
        { toolUse: { toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", name: "top_song", input: { sign: "WZPZ" } } },
      ],
    },
    { role: "user", content: [{ toolResult: { toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", content: [{ json: { song: "Elemental Hotel", artist: "8 Storey Hike" } }] } }] },
  ],
  system: [{ text: "You are a DJ." }, { cachePoint: { type: "default" } }, { guardContent: { text: { text: "Guarded rule." } } }],
  toolConfig: { tools: [{ toolSpec: { name: "top_song", description: "Get the most popular song played on a radio station.", inputSchema: { json: topSongSchema } } }] },
  inferenceConfig: { maxTokens: 512 },
};

/** Cohere Chat v2, the docs' tool-use flow: a system message, a tool plan and call, documents as the tool result. */
export const cohereToolUseRequest: Body = {
  model: "command-a-03-2025",
  messages: [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "What's the weather in Toronto?" },
    {
      role: "assistant",
      tool_plan: "I will look up the weather in Toronto.",
      tool_calls: [{ id: "get_weather_1byjy32y4hvq", type: "function", function: { name: "get_weather", arguments: '{"location":"Toronto"}' } }],
    },
    { role: "tool", tool_call_id: "get_weather_1byjy32y4hvq", content: [{ type: "document", document: { data: '{"temperature": {"current": "20C"}}' } }] },
  ],
  tools: [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "gets the weather of a given location",
        parameters: { type: "object", properties: { location: { type: "string", description: "the location" } }, required: ["location"] },
      },
    },
  ],
};

/** Cohere Chat v2 content items: text, images (a data: URL, https), a document, thinking, tool results as text items and as a string. */
export const cohereContentItemsRequest: Body = {
  model: "command-a-vision-07-2025",
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "What is in these images?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "auto" } },
        { type: "document", document: { id: "doc-1", data: { title: "Cats", snippet: "Cats purr." } } },
      ],
    },
    { role: "assistant", content: [{ type: "thinking", thinking: "Look closely." }, { type: "text", text: "A cat." }] },
    { role: "tool", tool_call_id: "t1", content: [{ type: "text", text: "20" }, { type: "text", text: "C" }] },
    { role: "tool", tool_call_id: "t2", content: "sunny" },
  ],
};
