// goalgate's GraphiQL: every script comes from this server, and request headers (bearer
// tokens) are never written to the browser's storage.
//
// GraphiQL keeps its state in localStorage under "graphiql:*". With shouldPersistHeaders
// false it still stores each run's headers in the history ("graphiql:queries") and may keep
// them in the tabs ("graphiql:tabState"), so the storage handed to GraphiQL below keeps the
// headers editor's text in memory only and writes every other value without its "headers".
(function () {
  "use strict";

  var NAMESPACE = "graphiql:";
  // Editor texts stored as typed: the variables are JSON, but a "headers" in them is data.
  var VERBATIM = { "graphiql:query": true, "graphiql:variables": true };
  var IN_MEMORY = { "graphiql:headers": true };
  var memory = new Map();

  function withoutHeaders(value) {
    if (Array.isArray(value)) {
      return value.map(withoutHeaders);
    }
    if (value !== null && typeof value === "object") {
      var copy = {};
      Object.keys(value).forEach(function (key) {
        copy[key] = key === "headers" ? null : withoutHeaders(value[key]);
      });
      return copy;
    }
    return value;
  }

  function scrubbed(key, text) {
    if (VERBATIM[key]) {
      return text;
    }
    var parsed;
    try {
      parsed = JSON.parse(text);
    } catch (notJson) {
      return text;
    }
    return JSON.stringify(withoutHeaders(parsed));
  }

  function ownKeys() {
    return Object.keys(window.localStorage).filter(function (key) {
      return key.indexOf(NAMESPACE) === 0;
    });
  }

  var storage = {
    getItem: function (key) {
      return IN_MEMORY[key] ? (memory.has(key) ? memory.get(key) : null) : window.localStorage.getItem(key);
    },
    setItem: function (key, value) {
      if (IN_MEMORY[key]) {
        memory.set(key, String(value));
        return;
      }
      window.localStorage.setItem(key, scrubbed(key, String(value)));
    },
    removeItem: function (key) {
      memory.delete(key);
      window.localStorage.removeItem(key);
    },
    clear: function () {
      memory.clear();
      ownKeys().forEach(function (key) {
        window.localStorage.removeItem(key);
      });
    },
    get length() {
      return ownKeys().length;
    },
  };

  // Headers written by an older page (or another GraphiQL on this origin) go now.
  ownKeys().forEach(function (key) {
    if (IN_MEMORY[key]) {
      window.localStorage.removeItem(key);
    } else {
      var value = window.localStorage.getItem(key);
      var clean = scrubbed(key, value);
      if (clean !== value) {
        window.localStorage.setItem(key, clean);
      }
    }
  });

  var url = window.location.origin + window.location.pathname;
  // A shared link may carry a query as ?q=...; never headers.
  var shared = new URLSearchParams(window.location.search).get("q");

  var props = {
    fetcher: GraphiQL.createFetcher({ url: url }),
    storage: storage,
    shouldPersistHeaders: false,
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: true,
    inputValueDeprecation: true,
  };
  if (shared) {
    props.query = shared;
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, props),
  );
})();
