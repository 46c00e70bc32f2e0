/** Bun, bare: the app as is. */
import { app } from "../app.js";
import { serveBun } from "./platform.js";

serveBun(app);
