/*! goalgate ka.js: served as is, so ES5, no deps, < 2 KB gzipped */
(function (window, document, location) {
  "use strict";

  var site, endpoint, script, batch, lastPath, timer, store, queue = [], delay = 1e3;

  function warn(msg) {
    try { console.warn("ka.js: " + msg); } catch (e) {}
  }

  // Never throw into the host page.
  function guard(fn) {
    return function () {
      try { fn.apply(this, arguments); } catch (e) { warn(e); }
    };
  }

  // Refused or lost events wait (in sessionStorage too) for a retry.
  function keep(events) {
    save(queue.concat(events).slice(-50));
    timer = timer || setTimeout(function () { timer = 0; transmit(save([])); }, delay);
    delay = Math.min(delay * 2, 6e4);
  }

  function save(events) {
    var was = queue;
    queue = events;
    try { store.ka_q = JSON.stringify(events); } catch (e) {}
    return was;
  }

  // keepalive outlives the page; beacons (Firefox<133) send text/plain.
  function transmit(payload) {
    var json = JSON.stringify(payload), failed = function () { keep(payload); };
    if (window.Request && "keepalive" in Request.prototype) {
      fetch(endpoint, {
        method: "POST", body: json, keepalive: true, credentials: "omit",
        headers: { "Content-Type": "application/json" }
      }).then(function (r) {
        r.status == 429 || r.status == 503 ? failed() : delay = 1e3;
      }, failed);
    } else if (navigator.sendBeacon &&
               !navigator.sendBeacon(endpoint, new Blob([json], { type: "text/plain" }))) {
      failed();
    }
  }

  // Of the query, only utm_* tags; no hash.
  function send(event) {
    var tags = location.search.match(/[?&]utm_(source|medium|campaign|content|term)=[^&]*/gi);
    event.site = site;
    event.url = location.origin + location.pathname + (tags ? "?" + tags.join("").slice(1) : "");
    if (document.referrer) event.referrer = document.referrer;
    if (batch) batch.push(event); else transmit(event);
  }

  function custom(type, name, opts) {
    if (typeof name != "string" || !name || name.length > 1024) {
      return warn(type + " needs a name");
    }
    var event = { type: type, name: name };
    var r = opts && opts.revenue;
    if (r) {
      var amount = typeof r.amount == "number" ? String(r.amount) : r.amount;
      if (typeof amount == "string" && /^\d{1,12}(\.\d{1,6})?$/.test(amount) &&
          typeof r.currency == "string" && /^[A-Za-z]{3}$/.test(r.currency)) {
        event.revenue = { amount: amount, currency: r.currency.toUpperCase() };
      } else {
        warn("bad revenue");
      }
    }
    send(event);
  }

  var TYPES = { track: "event", goal: "goal" };

  var pageview = guard(function () {
    if (location.pathname === lastPath) return;
    lastPath = location.pathname;
    send({ type: "pageview" });
  });

  // SPA routers: no event on pushState.
  function wrap(name) {
    var original = history[name];
    history[name] = function () {
      try { return original.apply(this, arguments); } finally { pageview(); }
    };
  }

  function install(active) {
    var ka = guard(function (command, name, opts) {
      if (!TYPES.hasOwnProperty(command)) return warn("unknown " + command);
      if (active) custom(TYPES[command], name, opts);
    });
    ka.track = function (name, opts) { ka("track", name, opts); };
    ka.goal = function (name, opts) { ka("goal", name, opts); };
    ka.loaded = true;
    window.ka = ka;
  }

  function start() {
    var stub = window.ka && window.ka.q || [];
    install(true);
    wrap("pushState");
    wrap("replaceState");
    window.addEventListener("popstate", pageview);
    // Unsent events, pageview, stub queue: one array.
    batch = save([]);
    pageview();
    for (var i = 0; i < stub.length; i++) window.ka.apply(null, stub[i]);
    transmit(batch);
    batch = null;
  }

  guard(function () {
    if (window.ka && window.ka.loaded) return; // included twice
    script = document.currentScript || document.querySelector('script[src*="/ka.js"]');
    site = script.getAttribute("data-site");
    var ignore;
    try {
      ignore = localStorage.ka_ignore === "true";
      store = sessionStorage;
      queue = JSON.parse(store.ka_q || "[]");
    } catch (e) {}
    var reason = !site ? "no data-site"
      : /^(localhost|127\.0\.0\.1|\[::1\])$/.test(location.hostname) &&
        !script.hasAttribute("data-include-localhost") ? "localhost"
      : ignore ? "ka_ignore" : "";
    if (reason) {
      warn("off: " + reason);
      return install(false);
    }
    endpoint = (script.getAttribute("data-api") || script.src.split("/").slice(0, 3).join("/"))
      .replace(/\/+$/, "") + "/api/v1/analytics/events";
    if (!document.prerendering) start();
    else document.addEventListener("prerenderingchange", guard(start), { once: true });
  })();
})(window, document, location);
