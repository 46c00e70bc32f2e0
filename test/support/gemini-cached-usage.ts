/**
 * A Gemini `usageMetadata` over a cached prompt of text and an image: its shape and field names as
 * Gemini's API reference documents them (`promptTokensDetails` and `cacheTokensDetails` are
 * ModalityTokenCount lists; the thoughts are not in the candidates' count).
 */
export const GEMINI_CACHED_USAGE = {
  promptTokenCount: 326,
  candidatesTokenCount: 63,
  totalTokenCount: 543,
  cachedContentTokenCount: 173,
  promptTokensDetails: [
    { modality: "TEXT", tokenCount: 68 },
    { modality: "IMAGE", tokenCount: 258 },
  ],
  cacheTokensDetails: [
    { modality: "IMAGE", tokenCount: 137 },
    { modality: "TEXT", tokenCount: 36 },
  ],
  thoughtsTokenCount: 154,
};
