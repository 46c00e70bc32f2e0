/** Deno, bare: the app as is. */
import { app } from "../app.js";
import { serveDeno } from "./platform.js";

serveDeno(app);
