// Recording stand-ins, part 1 of 5: the record, where a call came from, refusals, the inert
// stand-in.
// The five parts are one closure: engine.py joins them inside
// `(function (STUDENT_LINES) { ... })` and keeps the control function the last part returns.
// Nothing here computes tensors: every call that builds a network or trains it is written
// down with the student's source line, and collect() returns the record as JSON for the
// harness to check. engine.py prefixes the code with as many newlines as the student's file
// has lines, so a stack frame at a line <= STUDENT_LINES is the student's and any later one
// is ours. The student's script runs in this realm and could tamper with the record; that
// gains nothing: the record only becomes a layer list checked like any Model Builder one.
"use strict";
const record = {dialect: null, problems: [], notes: [], dataset: null, outputs: [],
                trains: [], models: []};
let nextId = 1;

// ---- where: the student's frames of the current call, innermost first -------------
// QuickJS-ng calls Error.prepareStackTrace when any error is made (also by the engine, in
// promise jobs and async functions whose rejection nobody handles): the student's errors
// are logged with their frames, so a script that fails there still says where.
let probing = false;
let probed = [];
const errors = [];
function studentFrames(callSites) {
  const frames = [];
  for (const site of callSites || []) {
    const at = site.getLineNumber ? Number(site.getLineNumber()) : 0;
    if (at > 0 && at <= STUDENT_LINES) {
      frames.push({fn: String(site.getFunctionName() || "<anonymous>"), line: at});
    }
  }
  return frames;
}
Error.prepareStackTrace = function (error, callSites) {
  const frames = studentFrames(callSites);
  if (probing) {
    probed = frames;
  } else if (frames.length && !(error && error.harnessRefusal) && errors.length < 20) {
    errors.push({message: String(error), frames: frames});
  }
  return String(error) + frames.map((f) => `\n    at ${f.fn} (index.js:${f.line})`).join("");
};
let lastLine = null;  // of the last stand-in call: where a script that then hangs got to
function where() {
  probing = true;
  try { void new Error().stack; } finally { probing = false; }
  if (probed.length) lastLine = probed[0].line;
  return probed;
}
function line() {
  const frames = where();
  return frames.length ? frames[0].line : null;
}
function refuse(message) {
  record.problems.push({frames: where(), message: message});
  probing = true;  // not logged: the problem is recorded already
  let error;
  try { error = new Error(message); } finally { probing = false; }
  error.harnessRefusal = true;
  throw error;
}
function note(message) {
  record.notes.push({frames: where(), message: message});
}
function show(value) {
  try { return JSON.stringify(value); } catch (e) { return String(value); }
}
function isInt(value) { return typeof value === "number" && Number.isInteger(value); }

// ---- inert: stands for the page, the UI and helpers that build no network -------------
function makeInert() {
  let inert;
  const handler = {
    get(target, key) {
      if (key === "then") return undefined;  // not a promise: `await inert` ends at once
      if (key === Symbol.toPrimitive) return () => 0;
      if (key === Symbol.iterator) return function* () {};
      if (key === "toString" || key === "valueOf") return () => "";
      if (key === "length") return 0;
      return inert;
    },
    set() { return true; },
    apply() { return inert; },
    construct() { return inert; },
    has() { return true; },
  };
  inert = new Proxy(function () {}, handler);
  return inert;
}
const INERT = makeInert();

// ---- a layer on its way into the record ----------------------------------------------
function layerEntry(kind, settings, call) {
  for (const [key, value] of Object.entries(settings || {})) notFromPage(value, `${call}: ${key}`);
  return {kind: kind, settings: settings || {}, call: call, frames: where()};
}
