/** workerd, bare: the app as a module Worker. */
import { app } from "../app.js";

export default { fetch: (request: Request, _env: unknown, ctx: unknown) => app(request, ctx) };
