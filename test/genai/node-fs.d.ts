// The package has no @types/node (src/ must not depend on Node); the tests run in Node and
// only need this one function to read fixture bytes.
declare module "node:fs" {
  export function readFileSync(path: string | URL): Uint8Array;
}
