/** Node, bare: the app as is. */
import { app } from "../app.js";
import { serveNode } from "./node-serve.js";

serveNode(app);
