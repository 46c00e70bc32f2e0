/** Bench variant: the handler as is (the reference). */
import { app } from "./app.js";

export default app;
