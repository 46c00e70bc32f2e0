/** Edge, wrapped: `withTracing(app)`, configuration from the environment. */
import { withTracing } from "../../../src/index.js";
import { app } from "../app.js";
import { serveEdge } from "./platform.js";

serveEdge(withTracing(app));
