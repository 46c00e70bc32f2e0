/** Deno: the app bare and wrapped (`withTracing`, config from --allow-env'd variables), each its own `deno run`. */
import { startDeno } from "./deno-runtime.js";
import { transparencySuite } from "./suite.js";

transparencySuite({ id: "deno", concurrency: 4, start: (variant, collector) => startDeno(variant, collector) });
