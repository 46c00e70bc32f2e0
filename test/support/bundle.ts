/** Bundle the package the way edge bundlers do (neutral platform, workerd/browser conditions). */
import { builtinModules } from "node:module";
import * as esbuild from "esbuild";

const NODE_BUILTINS = new Set(builtinModules);

/**
 * `entry` "full" bundles every export of the package; "worker" bundles what a Worker that calls
 * `instrument` pulls in (what users ship: bundlers drop the exports it does not use).
 */
export async function bundlePackage(minify = false, entry: "full" | "worker" | { contents: string } = "full") {
  const imported: string[] = [];
  const result = await esbuild.build({
    ...(entry === "full"
      ? { entryPoints: [new URL("../../src/index.ts", import.meta.url).pathname] }
      : {
          stdin: {
            contents:
              typeof entry === "object"
                ? entry.contents
                : 'import { instrument } from "./src/index.ts"; export default instrument({ fetch: (r) => fetch(r) });',
            resolveDir: new URL("../../", import.meta.url).pathname,
            loader: "ts" as const,
          },
        }),
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    minify,
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    metafile: true,
    logLevel: "silent",
    plugins: [
      {
        name: "forbid-node-builtins",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (args.path.startsWith("node:") || NODE_BUILTINS.has(args.path.split("/")[0])) {
              imported.push(`${args.path} (from ${args.importer})`);
              return { path: args.path, external: true };
            }
            return undefined;
          });
        },
      },
    ],
  });
  return { code: result.outputFiles[0].text, imported, metafile: result.metafile };
}
