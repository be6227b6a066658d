// A Vite production build in Chromium: the smoke job checkpointing into IndexedDB. The result (or the
// error) lands in <body data-result> / <body data-error> for the smoke script to read.
import { IdbStateStore } from "weirjs/adapters/idb";
import { smokeJob } from "../job.js";

IdbStateStore.open(`weir-smoke-${Date.now()}`)
  .then(smokeJob)
  .then((result) => (document.body.dataset.result = result))
  .catch((e) => (document.body.dataset.error = String(e?.stack ?? e)));
