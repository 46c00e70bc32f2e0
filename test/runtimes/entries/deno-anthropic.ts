/** Deno, wrapped: `deno run -A bundle.js <port> <mode> <upstream>` (see deno-anthropic-app.ts); this package imported first. */
import { withTracing } from "../../../src/index.js";
import { app, serve } from "./deno-anthropic-app.js";

serve(withTracing(app));
