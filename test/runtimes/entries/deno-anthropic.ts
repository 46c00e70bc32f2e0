/** Deno, wrapped: `deno run -A bundle.js <port> <mode> <upstream>` (see deno-anthropic-app.ts); this package imported first. */
import { withTracing } from "../../../src/index.js";
import { app } from "./deno-anthropic-app.js";
import { serve } from "./deno-serve.js";

serve(withTracing(app));
