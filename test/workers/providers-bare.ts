/** The same handler as test/workers/providers.ts without `instrument`: the reference run. */
import { app } from "./providers-app.js";

export default app;
