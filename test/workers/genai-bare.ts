/** The same handler as test/workers/genai.ts without `instrument`: the reference run. */
import { app } from "./genai-app.js";

export default app;
