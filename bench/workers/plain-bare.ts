/** Bench variant (plain section): the big-body handler as is (the reference). */
import { plainApp } from "./plain-app.js";

export default plainApp;
