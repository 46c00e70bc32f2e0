/** Deno, bare: the same app without this package anywhere in the bundle (see deno-ai-sdk-app.ts). */
import { app } from "./deno-ai-sdk-app.js";
import { serve } from "./deno-serve.js";

serve(app);
