/** Deno, bare: the runtime tests' app unwrapped, without this package anywhere in the bundle. `deno run bundle.js <port>` */
import { chat } from "../app.js";
import { serve } from "./deno-serve.js";

serve(chat);
