/** Deno, bare: the same app without this package anywhere in the bundle (see deno-ai-sdk-app.ts). */
import { app, serve } from "./deno-ai-sdk-app.js";

serve(app);
