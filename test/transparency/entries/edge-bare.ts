/** Edge, bare: the app as is. */
import { app } from "../app.js";
import { serveEdge } from "./platform.js";

serveEdge(app);
