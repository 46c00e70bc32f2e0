/** workerd, wrapped: `instrument(handler)`, configuration from the Worker's env. */
import { instrument } from "../../../src/index.js";
import { app } from "../app.js";

export default instrument({ fetch: (request: Request, _env: unknown, ctx: unknown) => app(request, ctx) });
