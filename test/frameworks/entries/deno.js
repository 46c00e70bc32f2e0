// The example runs on import, once the platform is in place. Dynamic: the repository's
// package.json declares its files free of side effects, so a bare import would be dropped.
import { playPlatform } from "./deno-platform.js";

playPlatform();
await import("../../../examples/deno/main.ts");
