// Recording stand-ins, part 4 of 5: the page (document, window, canvas, tfvis, the labs' ./ui).
// The five parts are one closure: engine.py joins them inside
// `(function (STUDENT_LINES) { ... })` and keeps the control function the last part returns.
// What only displays is inert: any property, call or `new` gives another inert value that
// remembers where it came from, so a network that depends on one (units read from a text
// box, epochs from the page) is refused naming that call and its line. Handlers the page
// runs as it opens (DOMContentLoaded, load) run after the script; handlers that wait for a
// person (a click) never run, and are listed when the file then never trains.
// inert value -> {origin: "ui.getTrainEpochs() at line 165", library: false}; library values
// are the results of TensorFlow.js or deeplearn.js calls the stand-ins do not record.
const PAGE_ORIGIN = new WeakMap();
const OPENING_EVENTS = ["DOMContentLoaded", "load", "readystatechange"];
const waiting = [];  // handlers that need a person: {message, frames}
const pageReads = [];  // values asked of the page (ui.getModelTypeId()): {message, frames}
const LOOKUPS = /^(getElementById|getElementsBy\w+|getContext|querySelector\w*)$/;
function readFromPage(name) {
  const method = name.split(".").pop();
  if (/^get/.test(method) && !LOOKUPS.test(method) && pageReads.length < 20) {
    pageReads.push({frames: where(), message: `the file reads ${name}() from the page`});
  }
}

function fromPage(value) {
  return (typeof value === "function" || typeof value === "object") && value !== null
    ? PAGE_ORIGIN.get(value) : undefined;
}
function untracked(name) { return pageValue(name, undefined, true); }
function listen(what, type, fn) {
  if (typeof fn !== "function") return;
  if (OPENING_EVENTS.includes(String(type))) {
    addTimer(fn, false);  // the page opens once the script has run
  } else if (waiting.length < 20) {
    waiting.push({frames: where(), message: `${what} waits for someone to act on the page`});
  }
}
function pageValue(name, origin, library) {
  const children = new Map();
  const value = new Proxy(function () {}, {
    get(target, key) {
      if (key === "then") return undefined;  // not a promise: `await value` ends at once
      if (key === Symbol.toPrimitive) return () => 0;
      if (key === Symbol.iterator) return function* () {};
      if (key === "toString" || key === "valueOf") return () => "";
      if (key === "length") return 0;
      if (typeof key !== "string") return undefined;
      if (key === "addEventListener") {
        return (type, fn) => listen(`${name}.addEventListener(${show(type)}, ...)`, type, fn);
      }
      if (!children.has(key)) children.set(key, pageValue(`${name}.${key}`, origin, library));
      return children.get(key);
    },
    set(target, key, fn) {
      if (!library && typeof key === "string" && key.startsWith("on")) listen(`${name}.${key} = ...`, key.slice(2), fn);
      return true;
    },
    apply(target, self, args) {
      const at = line();
      if (!library) (args || []).forEach((arg) => listen(`${name}(...)`, "call", arg));
      if (!library) readFromPage(name);
      return pageValue(`${name}()`, `${name}() at line ${at}`, library);
    },
    construct(target, args) {
      return pageValue(`new ${name}()`, `new ${name}() at line ${line()}`, library);
    },
    has() { return true; },
  });
  PAGE_ORIGIN.set(value, {origin: origin || name, library: Boolean(library)});
  return value;
}
// A number, shape or setting the network needs must not come from the page.
function notFromPage(value, what) {
  const found = fromPage(value);
  if (found !== undefined && found.library) {
    refuse(`${what} is the value of ${found.origin}, an operation the harness does not ` +
           "record; fix: write the value in index.js");
  } else if (found !== undefined) {
    refuse(`${what} is the value of ${found.origin}, which the page supplies; the harness ` +
           "runs no page, so the network and its training cannot depend on it; fix: " +
           "write the value in index.js");
  }
  return value;
}

const PAGE_GLOBALS = ["document", "window", "tfvis", "Image", "ImageData", "HTMLCanvasElement",
                      "localStorage", "sessionStorage", "navigator", "location",
                      "FileReader", "Blob", "URL", "prompt", "confirm",
                      "Plotly", "Chart"];
const CONSOLE = new Proxy({}, {get: (target, key) => (typeof key === "string" ? () => undefined : undefined)});
