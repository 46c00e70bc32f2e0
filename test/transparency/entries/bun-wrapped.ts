/** Bun, wrapped: `withTracing(app)`, configuration from the environment. */
import { withTracing } from "../../../src/index.js";
import { app } from "../app.js";
import { serveBun } from "./platform.js";

serveBun(withTracing(app));
