/**
 * Worker entry of the scratch project: chat() wrapped by `instrument`, imported by package name so
 * the bundler resolves the installed package through its exports map's `workerd` condition.
 */
import { instrument } from "otel-genai-edge";
import { chat } from "./chat.mjs";

export default instrument({ fetch: (request) => chat(request) });
