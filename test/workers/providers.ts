/** The provider e2e Worker, instrumented: test/workers/providers-app.ts wrapped with `instrument` (config from the OTEL_* variables). */
import { instrument } from "../../src/index.js";
import { app } from "./providers-app.js";

export default instrument(app);
