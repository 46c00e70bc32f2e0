/** Node, wrapped: `withTracing(app)`, configuration from process.env. */
import { withTracing } from "../../../src/index.js";
import { app } from "../app.js";
import { serveNode } from "./node-serve.js";

serveNode(withTracing(app));
