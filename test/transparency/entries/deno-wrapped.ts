/** Deno, wrapped: `withTracing(app)`, configuration from the environment. */
import { withTracing } from "../../../src/index.js";
import { app } from "../app.js";
import { serveDeno } from "./platform.js";

serveDeno(withTracing(app));
