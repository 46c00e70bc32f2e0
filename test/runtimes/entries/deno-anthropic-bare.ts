/** Deno, bare: the same app without this package anywhere in the bundle (see deno-anthropic-app.ts). */
import { app, serve } from "./deno-anthropic-app.js";

serve(app);
