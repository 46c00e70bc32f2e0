/** Deno, bare: the same app without this package anywhere in the bundle (see deno-anthropic-app.ts). */
import { app } from "./deno-anthropic-app.js";
import { serve } from "./deno-serve.js";

serve(app);
