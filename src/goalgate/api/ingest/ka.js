/*! goalgate ka.js: served as is, so ES5, no deps, < 2 KB gzipped */
(function (window, document, location) {
  "use strict";

  var site, endpoint, script, batch, lastPath;

  function warn(msg) {
    try { console.warn("ka.js: " + msg); } catch (e) {}
  }

  // Wraps every entry point: never throw into the host page.
  function guard(fn) {
    return function () {
      try { fn.apply(this, arguments); } catch (e) { warn(e); }
    };
  }

  // Server must accept JSON as application/json and text/plain: keepalive
  // outlives the page; the beacon fallback (Firefox<133) can't preflight.
  function transmit(payload) {
    var json = JSON.stringify(payload);
    if (window.Request && "keepalive" in Request.prototype) {
      fetch(endpoint, {
        method: "POST", body: json, keepalive: true, credentials: "omit",
        headers: { "Content-Type": "application/json" }
      })["catch"](function () {});
    } else if (navigator.sendBeacon) {
      navigator.sendBeacon(endpoint, new Blob([json], { type: "text/plain" }));
    }
  }

  function send(event) {
    if (batch) batch.push(event); else transmit(event);
  }

  // Bad revenue (server rule: >=0, <=6 decimals) is dropped; the rest is sent.
  function custom(type, name, opts) {
    if (typeof name !== "string" || !name || name.length > 1024) {
      return warn(type + " needs a name");
    }
    var event = { site: site, type: type, name: name };
    var r = opts && opts.revenue;
    if (r) {
      var amount = typeof r.amount === "number" ? String(r.amount) : r.amount;
      if (typeof amount === "string" && /^\d{1,12}(\.\d{1,6})?$/.test(amount) &&
          typeof r.currency === "string" && /^[A-Za-z]{3}$/.test(r.currency)) {
        event.revenue = { amount: amount, currency: r.currency.toUpperCase() };
      } else {
        warn("bad revenue");
      }
    }
    send(event);
  }

  var TYPES = { track: "event", goal: "goal" };

  // Once per pathname (query/hash change = same page); hash may hold tokens.
  var pageview = guard(function () {
    if (location.pathname === lastPath) return;
    lastPath = location.pathname;
    send({ site: site, type: "pageview", url: location.href.split("#")[0] });
  });

  // SPA routers change the URL via pushState/replaceState: no event fires.
  function wrap(name) {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(this, arguments); // host errors propagate
      pageview();
      return result;
    };
  }

  // Replaces the stub: ka("goal", ...) and ka.goal(...) both work.
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
    var queue = window.ka && window.ka.q || [];
    install(true);
    wrap("pushState");
    wrap("replaceState");
    window.addEventListener("popstate", pageview);
    // Load pageview + stub queue: one array, order kept.
    batch = [];
    pageview();
    for (var i = 0; i < queue.length; i++) window.ka.apply(null, queue[i]);
    var events = batch;
    batch = null;
    transmit(events);
  }

  guard(function () {
    if (window.ka && window.ka.loaded) return; // included twice
    // Fallback for browsers without currentScript: last */ka.js tag.
    script = document.currentScript;
    for (var all = document.scripts, i = all.length; !script && i--;) {
      if (/\/ka\.js([?#]|$)/.test(all[i].src)) script = all[i];
    }
    site = script.getAttribute("data-site");
    var ignore;
    try { ignore = localStorage.ka_ignore === "true"; } catch (e) {} // may throw
    var reason = !site ? "no data-site"
      : /^(localhost|127\.0\.0\.1|\[::1\])$/.test(location.hostname) &&
        !script.hasAttribute("data-include-localhost") ? "localhost"
      : ignore ? "ka_ignore" : "";
    if (reason) {
      warn("off: " + reason);
      return install(false); // ka() stays callable, queue dropped
    }
    // "https://host:port/js/ka.js" -> "https://host:port"
    endpoint = (script.getAttribute("data-api") || script.src.split("/").slice(0, 3).join("/"))
      .replace(/\/+$/, "") + "/api/v1/analytics/events";
    // A prerendered page may never be shown: start once it is.
    if (!document.prerendering) start();
    else document.addEventListener("prerenderingchange", guard(start), { once: true });
  })();
})(window, document, location);
